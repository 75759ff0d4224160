"""Who sees which notifications (each user only their own), and how each user is to be reached."""

import itertools
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from accounts.models import OrgUnit

from .models import (
    EXTERNAL_CHANNELS,
    LEAD_DAYS_DEFAULT,
    WEEKLY_REPORT_ROLES,
    Channel,
    Notification,
    NotificationPreference,
)


def own_notifications(user):
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return own_notifications(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class Target:
    """Where a channel reaches a user: an email address, or the group robot of the user's unit."""

    label: str  # the email address or the webhook's host, safe to record and show
    org_unit: OrgUnit | None = None


@dataclass(frozen=True)
class Preferences:
    """A user's effective preferences: what they chose, limited to what can reach them, with the defaults."""

    channels: tuple[str, ...]  # in_app, then the chosen channels that can reach the user
    available_channels: tuple[str, ...]  # those the user may choose now
    lead_days: tuple[int, ...]  # working days before a due date, largest first
    weekly_report: bool


def offered_channels(user) -> tuple[str, ...]:
    """The channels a user may choose at all: enterprise users are not in any unit's group."""
    if user.is_enterprise_user:
        return (Channel.IN_APP, Channel.EMAIL)
    return tuple(Channel)


def delivery_targets(user) -> dict[str, Target]:
    """The external channels that can reach `user` now, whatever the user chose."""
    offered = offered_channels(user)
    targets = {}
    if user.email:
        targets[Channel.EMAIL] = Target(user.email)
    unit = user.org_unit if user.org_unit_id else None
    if unit is not None and Channel.WECOM in offered and unit.wecom_webhook:
        targets[Channel.WECOM] = Target(_host(unit.wecom_webhook), unit)
    if unit is not None and Channel.DINGTALK in offered and unit.dingtalk_webhook:
        targets[Channel.DINGTALK] = Target(_host(unit.dingtalk_webhook), unit)
    return targets


def stored_preference(user) -> NotificationPreference:
    """The user's stored choices, or an unsaved row holding the defaults."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def preferences_of(user) -> Preferences:
    return _effective(user, stored_preference(user))


def preferences_of_each(users) -> dict[int, Preferences]:
    """`preferences_of` for many users in one query; give them with their unit loaded (`org_unit`)."""
    users = list(users)
    stored = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=[u.pk for u in users])}
    return {user.pk: _effective(user, stored.get(user.pk) or NotificationPreference(user=user)) for user in users}


def lead_days_of_each(user_ids) -> dict[int, tuple[int, ...]]:
    """The lead times each of the users chose (largest first), the defaults for those who chose none."""
    ids = set(user_ids)
    chosen = dict(NotificationPreference.objects.filter(user__in=ids).values_list("user_id", "lead_days"))
    default = tuple(sorted(set(LEAD_DAYS_DEFAULT), reverse=True))
    return {pk: tuple(sorted(set(chosen[pk]), reverse=True)) if pk in chosen else default for pk in ids}


def longest_lead_days() -> int:
    """The most working days before a due date that anyone is reminded (the defaults count too)."""
    chosen = NotificationPreference.objects.values_list("lead_days", flat=True)
    return max(itertools.chain(LEAD_DAYS_DEFAULT, *chosen))


def _effective(user, stored) -> Preferences:
    reachable = delivery_targets(user)
    available = (Channel.IN_APP, *(c for c in EXTERNAL_CHANNELS if c in reachable))
    return Preferences(
        channels=tuple(c for c in available if stored.enables(c)),
        available_channels=available,
        lead_days=tuple(sorted(set(stored.lead_days), reverse=True)),
        weekly_report=stored.weekly_report and user.role in WEEKLY_REPORT_ROLES,
    )


def weekly_report_recipients():
    """The active managers and administrators who subscribed to the weekly report."""
    return get_user_model().objects.filter(
        is_active=True, role__in=WEEKLY_REPORT_ROLES, notification_preference__weekly_report=True
    )


def _host(url) -> str:
    return urlsplit(url).hostname or ""
