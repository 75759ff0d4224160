"""The reminder sweeps: find what is due, record each reminder once, deliver what is not yet delivered.

A sweep has two steps. `record` inserts the reminders owed on a day; the database's unique key drops
those already there, so sweeps may overlap or repeat freely. `deliver_pending` then takes the
undelivered reminders with one UPDATE that only one process can win for each row, and hands them to
the notifications (in-app at once; email and group robots through their own tasks), one per reminder
or one digest when a person has many.
"""

import datetime as dt
import itertools
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from notifications.models import Notification
from notifications.selectors import preferences_of
from notifications.services import notify
from servicerequests.models import ServiceRequest

from . import rules, selectors
from .models import Reminder

logger = logging.getLogger(__name__)

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
    with override(settings.LANGUAGE_CODE):
        drafts = list(owed_reminders(day, kinds, now=now))
        record(drafts, day)
        notifications, delivered = deliver_pending()
    result = SweepResult(day, len(drafts), notifications, delivered)
    logger.info("reminder sweep %s %s: %s", day, ",".join(kinds), result)
    return result


def owed_reminders(day: dt.date, kinds, now: dt.datetime | None = None):
    clock = rules.Clock(day)
    leads = lead_days_by_user()
    escalations = selectors.Escalations()
    after = settings.REMINDER_ESCALATE_AFTER_WORKDAYS
    sources = {"stage": selectors.stage_items, "visit": selectors.visit_items, "request": selectors.request_items}
    for kind in kinds:
        for item in sources[kind]():
            if item.owner is not None and item.owner.is_active:
                occasion = rules.owner_occasion(item.due_on, clock, leads(item.owner))
                if occasion is not None:
                    yield _owner_reminder(item, occasion)
            escalation = rules.escalation_occasion(item.due_on, clock, after)
            if escalation is not None:
                for manager in escalations.managers_for(item):
                    yield _escalation(item, escalation, manager)
            if kind == "request" and _unaccepted_too_long(item.source, clock, now):
                for manager in escalations.managers_for(item):
                    yield _unaccepted(item, manager)


def _owner_reminder(item, occasion):
    due_kind, overdue_kind = KINDS[item.kind]
    due = item.due_on.isoformat()
    if occasion.name == "before":
        title = _("%(item)s还有 %(days)d 个工作日到期") % {"item": item.label, "days": occasion.workdays}
        kind = due_kind
    elif occasion.name == "due":
        title = _("%(item)s今天到期") % {"item": item.label}
        kind = due_kind
    else:
        title = _("%(item)s已逾期 %(days)d 个工作日") % {"item": item.label, "days": occasion.workdays}
        kind = overdue_kind
    return Reminder(
        recipient=item.owner,
        key=occasion.key(item.key, item.due_on),
        kind=kind,
        title=title,
        body=_("到期日期：%(due)s") % {"due": due},
        url=item.url,
        due_on=item.due_on,
    )


def _escalation(item, occasion, manager):
    owner = str(item.owner) if item.owner is not None else _("未指定")
    return Reminder(
        recipient=manager,
        key=occasion.key(item.key, item.due_on),
        kind=Notification.Kind.ESCALATION,
        title=_("逾期上报：%(item)s已逾期 %(days)d 个工作日") % {"item": item.label, "days": occasion.workdays},
        body=_("到期日期：%(due)s；负责人：%(owner)s") % {"due": item.due_on.isoformat(), "owner": owner},
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


def record(drafts, day: dt.date) -> None:
    """Insert the reminders; those already recorded (same person, same key) are left as they are."""
    for draft in drafts:
        draft.swept_on = day
    Reminder.objects.bulk_create(drafts, batch_size=500, ignore_conflicts=True)


def deliver_pending() -> tuple[int, int]:
    """Deliver every recorded reminder not yet delivered, claimed so that each is delivered by one process.

    Returns (notifications sent, reminders delivered).
    """
    token, now = uuid.uuid4(), timezone.now()
    stale = now - dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
    Reminder.objects.filter(notification__isnull=True).filter(Q(claim__isnull=True) | Q(claimed_at__lt=stale)).update(
        claim=token, claimed_at=now
    )
    claimed = (
        Reminder.objects.filter(claim=token, notification__isnull=True)
        .select_related("recipient")
        .order_by("recipient_id", "due_on", "id")
    )
    notifications = delivered = 0
    for _recipient_id, group in itertools.groupby(claimed.iterator(chunk_size=1000), key=lambda r: r.recipient_id):
        reminders = list(group)
        notifications += _deliver_to_one(reminders, token)
        delivered += len(reminders)
    return notifications, delivered


@transaction.atomic
def _deliver_to_one(reminders, token) -> int:
    recipient = reminders[0].recipient
    if len(reminders) > settings.REMINDER_DIGEST_OVER:
        lines = "\n".join(f"{number}. {r.title}" for number, r in enumerate(reminders, start=1))
        notification = notify(
            recipient,
            Notification.Kind.DIGEST,
            _("您有 %(count)d 项待办提醒") % {"count": len(reminders)},
            body=lines,
            url="/",
            key=f"digest:{token}",
        )
        Reminder.objects.filter(pk__in=[r.pk for r in reminders], claim=token).update(notification=notification)
        return 1
    for reminder in reminders:
        notification = notify(
            recipient, reminder.kind, reminder.title, body=reminder.body, url=reminder.url, key=reminder.key
        )
        Reminder.objects.filter(pk=reminder.pk, claim=token).update(notification=notification)
    return len(reminders)


def lead_days_by_user():
    """The lead times (working days before a due date) each person chose, read once per person."""
    cache: dict[int, tuple[int, ...]] = {}

    def lead_days(user) -> tuple[int, ...]:
        if user.pk not in cache:
            cache[user.pk] = tuple(preferences_of(user).lead_days)
        return cache[user.pk]

    return lead_days
