"""The reminder sweeps: find what is due, record each reminder once, deliver what is not yet delivered.

A sweep has two steps. `record` inserts the reminders owed on a day, claimed for this run's delivery;
the database's unique key drops those already there, so sweeps may overlap or repeat freely.
`deliver_pending` then also takes the undelivered reminders no run holds (or whose run stopped) with
one UPDATE that only one process can win for each row, and hands them to the notifications (in-app at
once; email and group robots through their own tasks), one per reminder or one digest when a person
has many, all in a few bulk queries.

Only the items that can owe something today are read: those due by the longest lead time anyone chose,
and those due or overdue.
"""

import contextlib
import datetime as dt
import gc
import itertools
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from notifications.models import Notification
from notifications.selectors import lead_days_of_each, longest_lead_days
from notifications.services import notify_many
from servicerequests.models import ServiceRequest

from . import rules, selectors
from .models import Reminder

logger = logging.getLogger(__name__)

RECORD_BATCH = 10000  # reminders inserted by one statement
DELIVERY_BATCH = 5000  # reminders delivered in one transaction (whole groups per person)

KINDS = {
    # item kind → (before or due, overdue)
    "stage": (Notification.Kind.STAGE_DUE, Notification.Kind.STAGE_OVERDUE),
    "visit": (Notification.Kind.VISIT_DUE, Notification.Kind.VISIT_OVERDUE),
    "request": (Notification.Kind.REQUEST_DUE, Notification.Kind.REQUEST_OVERDUE),
}


@dataclass(frozen=True)
class SweepResult:
    day: dt.date
    owed: int  # reminders the day calls for, including those recorded by an earlier run
    notifications: int  # notifications sent by this run (a digest counts once)
    reminders_delivered: int


def sweep(day: dt.date | None = None, *, kinds=("stage", "visit"), now: dt.datetime | None = None) -> SweepResult:
    """Record and deliver the reminders owed on `day` (today by default) for the given kinds of item."""
    day = day or timezone.localdate()
    token = uuid.uuid4()
    with override(settings.LANGUAGE_CODE), _cycle_collector_paused():
        drafts = list(owed_reminders(day, kinds, now=now))
        record(drafts, day, claim=token)
        notifications, delivered = deliver_pending(claim=token)
    result = SweepResult(day, len(drafts), notifications, delivered)
    logger.info("reminder sweep %s %s: %s", day, ",".join(kinds), result)
    return result


@contextlib.contextmanager
def _cycle_collector_paused():
    """A sweep makes thousands of objects that live until it ends. Each time they pile up, the cycle
    collector walks every object of the process (about a fifth of a sweep's time at 3,000 reminders) and
    frees none: it waits until the sweep is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def owed_reminders(day: dt.date, kinds, now: dt.datetime | None = None):
    clock = rules.Clock(day)
    # No one is reminded earlier than the longest lead time anyone chose: later items are not read.
    due_by = rules.last_due_date_reminded(clock, longest_lead_days())
    escalations = selectors.Escalations()
    wording = _wording()
    after = settings.REMINDER_ESCALATE_AFTER_WORKDAYS
    sources = {"stage": selectors.stage_items, "visit": selectors.visit_items, "request": selectors.request_items}
    for kind in kinds:
        items = list(sources[kind](due_by))
        leads = lead_days_of_each(item.owner.pk for item in items if item.owner is not None)
        for item in items:
            if item.owner is not None and item.owner.is_active:
                occasion = rules.owner_occasion(item.due_on, clock, leads[item.owner.pk])
                if occasion is not None:
                    yield _owner_reminder(item, occasion, wording)
            escalation = rules.escalation_occasion(item.due_on, clock, after)
            if escalation is not None:
                for manager in escalations.managers_for(item):
                    yield _escalation(item, escalation, manager, wording)
            if kind == "request" and _unaccepted_too_long(item.source, clock, now):
                for manager in escalations.managers_for(item):
                    yield _unaccepted(item, manager)


def _wording() -> dict[str, str]:
    """The reminders' wording in the current language, translated once per sweep rather than per reminder."""
    return {
        "before": _("%(item)s还有 %(days)d 个工作日到期"),
        "due": _("%(item)s今天到期"),
        "overdue": _("%(item)s已逾期 %(days)d 个工作日"),
        "due_on": _("到期日期：%(due)s"),
        "escalation": _("逾期上报：%(item)s已逾期 %(days)d 个工作日"),
        "escalation_body": _("到期日期：%(due)s；负责人：%(owner)s"),
    }


def _owner_reminder(item, occasion, wording):
    due_kind, overdue_kind = KINDS[item.kind]
    kind = overdue_kind if occasion.name == "overdue" else due_kind
    title = wording[occasion.name] % {"item": item.label, "days": occasion.workdays}
    return Reminder(
        recipient_id=item.owner.pk,
        key=occasion.key(item.key, item.due_on),
        kind=kind,
        title=title,
        body=wording["due_on"] % {"due": item.due_on.isoformat()},
        url=item.url,
        due_on=item.due_on,
    )


def _escalation(item, occasion, manager, wording):
    owner = str(item.owner) if item.owner is not None else _("未指定")
    return Reminder(
        recipient_id=manager.pk,
        key=occasion.key(item.key, item.due_on),
        kind=Notification.Kind.ESCALATION,
        title=wording["escalation"] % {"item": item.label, "days": occasion.workdays},
        body=wording["escalation_body"] % {"due": item.due_on.isoformat(), "owner": owner},
        url=item.url,
        due_on=item.due_on,
    )


def _unaccepted_too_long(request, clock, now) -> bool:
    """Submitted and not accepted within one working day (a sweep for a past day counts the whole day)."""
    if request.status != ServiceRequest.Status.SUBMITTED:
        return False
    submitted = timezone.localtime(request.created_at)
    waited = clock.workdays_late(submitted.date())
    if waited >= 2 or (waited == 1 and now is None):
        return True
    return waited == 1 and timezone.localtime(now).time() >= submitted.time()


def _unaccepted(item, manager):
    request = item.source
    return Reminder(
        recipient=manager,
        key=f"{item.key}:unaccepted",
        kind=Notification.Kind.ESCALATION,
        title=_("诉求超过一个工作日未受理：%(item)s") % {"item": item.label},
        body=_("提交时间：%(time)s") % {"time": timezone.localtime(request.created_at).strftime("%Y-%m-%d %H:%M")},
        url=item.url,
        due_on=request.due_on,
    )


def record(drafts, day: dt.date, claim: uuid.UUID | None = None) -> None:
    """Insert the reminders; those already recorded (same person, same key) are left as they are.

    With `claim`, the rows inserted are at once claimed for delivery by the run holding that token, as
    `deliver_pending` would claim them; rows recorded earlier keep their own claim."""
    claimed_at = timezone.now() if claim else None
    for draft in drafts:
        draft.swept_on = day
        draft.claim, draft.claimed_at = claim, claimed_at
    Reminder.objects.bulk_create(drafts, batch_size=RECORD_BATCH, ignore_conflicts=True)


def deliver_pending(claim: uuid.UUID | None = None) -> tuple[int, int]:
    """Deliver every recorded reminder not yet delivered, claimed so that each is delivered by one process:
    those `claim` already holds (recorded by this run) and those no one holds or whose holder stopped.

    Returns (notifications sent, reminders delivered).
    """
    token, now = claim or uuid.uuid4(), timezone.now()
    stale = now - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
    Reminder.objects.filter(notification__isnull=True).filter(Q(claim__isnull=True) | Q(claimed_at__lt=stale)).update(
        claim=token, claimed_at=now
    )
    claimed = list(
        Reminder.objects.filter(claim=token, notification__isnull=True)
        .order_by("recipient_id", "due_on", "id")
        .values_list("pk", "recipient_id", "kind", "title", "body", "url", "key", named=True)
    )
    recipients = selectors.users_by_id(r.recipient_id for r in claimed)
    notifications = 0
    by_recipient = itertools.groupby(claimed, key=lambda r: r.recipient_id)
    groups = ((recipients[recipient_id], list(group)) for recipient_id, group in by_recipient)
    for batch in _batches(groups, DELIVERY_BATCH):
        notifications += _deliver_batch(batch, token)
    return notifications, len(claimed)


def _batches(groups, size):
    """Whole (recipient, reminders) groups, gathered until they hold `size` reminders or more."""
    batch, count = [], 0
    for recipient, reminders in groups:
        batch.append((recipient, reminders))
        count += len(reminders)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


@transaction.atomic
def _deliver_batch(groups, token) -> int:
    """One notification per reminder, or one digest for a person with many; each reminder then points to
    the notification that carried it. `groups` holds (recipient, their reminders). Returns the notifications."""
    digest_key = f"digest:{token}"
    drafts, alone, digests = [], [], []  # alone: the reminders sent one by one; digests: their recipients
    for recipient, reminders in groups:
        if len(reminders) > settings.REMINDER_DIGEST_OVER:
            lines = "\n".join(f"{number}. {r.title}" for number, r in enumerate(reminders, start=1))
            title = _("您有 %(count)d 项待办提醒") % {"count": len(reminders)}
            drafts.append(_draft(recipient, Notification.Kind.DIGEST, title, lines, "/", digest_key))
            digests.append(recipient.pk)
        else:
            drafts.extend(_draft(recipient, r.kind, r.title, r.body, r.url, r.key) for r in reminders)
            alone.extend(r.pk for r in reminders)
    notify_many(drafts)
    # Each notification carries the key of its reminder, or the run's digest key: link them in two updates.
    # A digest carries all the reminders its recipient has in the batch, which are all those the run holds.
    undelivered = Reminder.objects.filter(claim=token, notification__isnull=True)
    for reminders, key in (
        (undelivered.filter(pk__in=alone), OuterRef("key")),
        (undelivered.filter(recipient__in=digests), Value(digest_key)),
    ):
        carrier = Notification.objects.filter(recipient=OuterRef("recipient"), key=key).exclude(key="").order_by()
        reminders.update(notification=Subquery(carrier.values("pk")[:1]))
    return len(drafts)


def _draft(recipient, kind, title, body, url, key) -> Notification:
    return Notification(recipient=recipient, kind=kind, title=title, body=body, url=url, key=key)
