"""Every write to notifications: sending one to a user's inbox (and on to the user's other channels),
marking them read, and each user's preferences."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from common.exceptions import ServiceError
from common.jobs import publish
from common.services import by_actor, validate_model

from . import tasks
from .models import WEEKLY_REPORT_ROLES, Channel, Delivery, Notification, NotificationPreference
from .selectors import delivery_targets, offered_channels, own_notifications, preferences_of, preferences_of_each

TITLE_MAX = Notification._meta.get_field("title").max_length
BULK_BATCH = 1000


def notify(recipient, kind, title, body="", url="", target=None, key="", deliver=True) -> Notification:
    """Put a notification in `recipient`'s inbox and return it.

    With a `key`, the same notification is delivered once: a second call with the same recipient and
    key returns the row the first one made. A new notification also goes out by the recipient's other
    chosen channels (email, the unit's group robots) once the transaction commits, unless `deliver`
    is false.
    """
    _check(kind, url)
    if key:
        existing = Notification.objects.filter(recipient=recipient, key=key).first()
        if existing is not None:
            return existing
    notification = Notification(
        recipient=recipient, kind=kind, title=str(title)[:TITLE_MAX], body=str(body), url=url, key=key
    )
    if target is not None:
        notification.target_type = ContentType.objects.get_for_model(target)
        notification.target_id = target.pk
    try:
        with transaction.atomic():
            by_actor(notification, None, _("发送通知")).save()
            deliveries = _create_deliveries(notification) if deliver else []
    except IntegrityError:
        # Another process delivered the same keyed notification at the same moment.
        if not key:
            raise
        return Notification.objects.get(recipient=recipient, key=key)
    for delivery_id in deliveries:
        publish(tasks.deliver, delivery_id)
    return notification


def _check(kind, url):
    if kind not in Notification.Kind.values:
        raise ServiceError({"kind": [_("未知的通知类型“%(kind)s”。") % {"kind": kind}]})
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ServiceError({"url": [_("通知链接必须是以 / 开头的站内相对链接。")]})


def notify_many(drafts, deliver=True) -> list[Notification]:
    """`notify` for many notifications at once: `drafts` are unsaved Notification rows (recipient, kind,
    title, body, url, key; no target). Returns the saved notifications, in the drafts' order.

    As with `notify`, a keyed draft whose recipient already has that key returns the row there, and only
    new notifications are delivered. Give the recipients with their unit loaded (`org_unit`): the
    inserts, their history and their deliveries then take a handful of queries whatever the count.
    """
    drafts = list(drafts)
    for draft in drafts:
        _check(draft.kind, draft.url)
        draft.title = str(draft.title)[:TITLE_MAX]
        draft.body = str(draft.body)
        by_actor(draft, None, _("发送通知"))
    existing = _keyed_notifications(drafts)
    fresh = [draft for draft in drafts if (draft.recipient_id, draft.key) not in existing]
    if not fresh:
        return [existing[(draft.recipient_id, draft.key)] for draft in drafts]
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(fresh, batch_size=BULK_BATCH)
            Notification.history.bulk_history_create(fresh, batch_size=BULK_BATCH)
            deliveries = _create_deliveries_of_each(fresh) if deliver else []
    except IntegrityError:
        # Another process delivered one of the keyed notifications at the same moment: one at a time.
        return [notify(d.recipient, d.kind, d.title, d.body, d.url, key=d.key, deliver=deliver) for d in drafts]
    for delivery_id in deliveries:
        publish(tasks.deliver, delivery_id)
    return [existing.get((draft.recipient_id, draft.key), draft) for draft in drafts]


def _keyed_notifications(drafts) -> dict[tuple[int, str], Notification]:
    """The notifications already there for the keyed drafts, by (recipient id, key)."""
    wanted = {(draft.recipient_id, draft.key) for draft in drafts if draft.key}
    recipient_ids = sorted({recipient_id for recipient_id, _key in wanted})
    keys = sorted({key for _recipient_id, key in wanted})
    found = {}
    for start in range(0, len(keys), BULK_BATCH):
        # key <> '' lets PostgreSQL use the partial unique index on (recipient, key).
        rows = Notification.objects.filter(recipient__in=recipient_ids, key__in=keys[start : start + BULK_BATCH])
        rows = rows.exclude(key="")
        found.update(((n.recipient_id, n.key), n) for n in rows if (n.recipient_id, n.key) in wanted)
    return found


def _create_deliveries_of_each(notifications) -> list[int]:
    """`_create_deliveries` for many new notifications in one insert; returns the deliveries' ids."""
    recipients = {n.recipient_id: n.recipient for n in notifications}
    preferences = preferences_of_each(user for user in recipients.values() if user.is_active)
    reaching = {
        pk: [(channel, target) for channel, target in delivery_targets(recipients[pk]).items() if channel in p.channels]
        for pk, p in preferences.items()
    }
    rows = [
        Delivery(notification=notification, channel=channel, target=target.label, org_unit=target.org_unit)
        for notification in notifications
        for channel, target in reaching.get(notification.recipient_id, ())
    ]
    return [delivery.pk for delivery in Delivery.objects.bulk_create(rows, batch_size=BULK_BATCH)]


def _create_deliveries(notification) -> list[int]:
    """One delivery for each channel the recipient chose that can reach them; returns their ids."""
    recipient = notification.recipient
    targets = delivery_targets(recipient) if recipient.is_active else {}
    if not targets:
        return []
    chosen = preferences_of(recipient).channels
    rows = [
        Delivery(notification=notification, channel=channel, target=target.label, org_unit=target.org_unit)
        for channel, target in targets.items()
        if channel in chosen
    ]
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(notification=notification, status=Delivery.Status.PENDING).values_list("pk", flat=True)
    )


@transaction.atomic
def mark_read(user, ids=None) -> int:
    """Mark the user's own unread notifications read: those in `ids`, or all of them. Returns how many."""
    unread = own_notifications(user).filter(read_at__isnull=True).select_for_update()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    notifications = list(unread)
    now = timezone.now()
    for notification in notifications:
        notification.read_at = now
    if notifications:
        bulk_update_with_history(
            notifications, Notification, ["read_at"], default_user=user, default_change_reason=_("已读")
        )
    return len(notifications)


@transaction.atomic
def update_preferences(actor, *, channels=None, lead_days=None, weekly_report=None):
    """Change the actor's own preferences; arguments left None keep their value. Returns the effective ones.

    `channels` lists the channels wanted; the inbox is always on. A channel that cannot reach the actor
    now (no email address, no robot on the unit) may not be chosen, and keeps its earlier choice.
    """
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    errors = {}
    if channels is not None:
        try:
            _choose_channels(preference, set(channels))
        except ServiceError as error:
            errors.update(error.message_dict)
    if lead_days is not None:
        preference.lead_days = list(lead_days)
    if weekly_report is not None:
        preference.weekly_report = weekly_report
    elif actor.role not in WEEKLY_REPORT_ROLES:
        preference.weekly_report = False  # a subscription left from a former role
    try:
        validate_model(preference)
    except ServiceError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ServiceError(errors)
    preference.save()
    return preferences_of(actor)


def _choose_channels(preference, wanted):
    actor = preference.user
    unknown = wanted - set(Channel.values)
    if unknown:
        raise ServiceError({"channels": [_("未知的通知渠道“%(channel)s”。") % {"channel": sorted(unknown)[0]}]})
    if wanted - set(offered_channels(actor)):
        raise ServiceError({"channels": [_("企业用户只能选择站内通知和邮件。")]})
    reachable = delivery_targets(actor)
    for channel in sorted(wanted - {Channel.IN_APP} - set(reachable)):
        if channel == Channel.EMAIL:
            raise ServiceError({"channels": [_("您的账户未登记邮箱，无法选择邮件通知。")]})
        raise ServiceError(
            {"channels": [_("您所在单位未配置%(channel)s，无法选择该渠道。") % {"channel": Channel(channel).label}]}
        )
    for channel in reachable:
        setattr(preference, f"{channel}_enabled", channel in wanted)


def retry_deliveries(deliveries) -> int:
    """Send failed deliveries again, from their first attempt. Returns how many."""
    failed = deliveries.filter(status=Delivery.Status.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error="", claim=None
    )
    for delivery_id in ids:
        publish(tasks.deliver, delivery_id)
    return len(ids)
