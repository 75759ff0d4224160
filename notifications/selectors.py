"""Who sees which notifications: each user only their own."""

from .models import Notification


def own_notifications(user):
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return own_notifications(user).filter(read_at__isnull=True).count()
