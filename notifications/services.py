"""Every write to notifications: sending one to a user's inbox and marking them read."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from common.exceptions import ServiceError
from common.services import by_actor

from .models import Notification
from .selectors import own_notifications

TITLE_MAX = Notification._meta.get_field("title").max_length


def notify(recipient, kind, title, body="", url="", target=None, key="") -> Notification:
    """Put a notification in `recipient`'s inbox and return it.

    With a `key`, the same notification is delivered once: a second call with the same recipient and
    key returns the row the first one made.
    """
    if kind not in Notification.Kind.values:
        raise ServiceError({"kind": [_("未知的通知类型“%(kind)s”。") % {"kind": kind}]})
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ServiceError({"url": [_("通知链接必须是以 / 开头的站内相对链接。")]})
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
    except IntegrityError:
        # Another process delivered the same keyed notification at the same moment.
        if not key:
            raise
        return Notification.objects.get(recipient=recipient, key=key)
    return notification


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
