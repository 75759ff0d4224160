"""Which service requests a user may see and what they may do with them."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import active_staff, managers_of, units_in_scope
from companies.selectors import visible_enterprises
from workdays import calendar

from .models import Attachment, Comment, ServiceRequest

OPEN_STATUSES = (ServiceRequest.Status.SUBMITTED, ServiceRequest.Status.ACCEPTED, ServiceRequest.Status.IN_PROGRESS)


def visible_requests(user, queryset=None):
    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset
    if user.role == Role.ENTERPRISE:
        return queryset.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else queryset.none()
    return queryset.filter(Q(assignee=user) | Q(enterprise__in=visible_enterprises(user).values("pk")))


def request_list(user):
    """The requests the request list shows `user`, in its default order: the list and exports share it."""
    return (
        visible_requests(user)
        .select_related("enterprise", "category", "project", "assignee")
        .order_by("-created_at", "-id")
    )


def visible_comments(user, request: ServiceRequest):
    comments = Comment.objects.filter(request=request).select_related("author")
    if user.role == Role.ENTERPRISE:
        comments = comments.filter(is_internal=False)
    return comments


def visible_attachments(user, request: ServiceRequest):
    """The files of a request the caller can see (the caller's sight of the request is checked first)."""
    if not visible_requests(user).filter(pk=request.pk).exists():
        return Attachment.objects.none()
    return Attachment.objects.filter(request=request).select_related("uploaded_by")


def is_own_enterprise_user(user, request: ServiceRequest) -> bool:
    return user.role == Role.ENTERPRISE and user.enterprise_id == request.enterprise_id


def can_handle(user) -> bool:
    """Officers, managers and administrators handle requests; enterprise users file them."""
    return user.is_authenticated and user.role != Role.ENTERPRISE


def assignable_staff(user, queryset=None):
    """Staff a user may hand a request to: those of their unit and the units below it; anyone for the district-wide."""
    staff = active_staff(user, queryset)
    if user.is_district_wide:
        return staff
    return staff.filter(Q(pk=user.pk) | Q(org_unit__in=units_in_scope(user).values("pk")))


def responsible_managers(request: ServiceRequest) -> list[User]:
    """The managers answerable for a request (a poor rating, a late or unaccepted one goes to them): those
    of the assignee and of the enterprise's service officer, else the managers of the enterprise's town
    or the nearest unit above it that has some."""
    recipients: dict[int, User] = {}
    for person in (request.assignee, request.enterprise.service_officer):
        if person is not None:
            recipients.update((m.pk, m) for m in managers_of(person))
    unit = request.enterprise.town
    while not recipients and unit is not None:
        recipients.update((m.pk, m) for m in User.objects.filter(role=Role.MANAGER, org_unit=unit, is_active=True))
        unit = OrgUnit.objects.get_parent(unit)
    return list(recipients.values())


def with_days_left(requests, today: dt.date | None = None):
    """Set `days_left` on each request: the working days until it is due (0 on the due date), negative
    once overdue, None once it is no longer open.

    The calendar is read once for the whole batch, so a page of requests costs the same queries
    whatever its length.
    """
    today = today or timezone.localdate()
    requests = list(requests)
    open_requests = [r for r in requests if r.status in OPEN_STATUSES and r.due_on is not None]
    for request in requests:
        request.days_left = None
    if not open_requests:
        return requests
    first = min(today, *(r.due_on for r in open_requests))
    last = max(today, *(r.due_on for r in open_requests))
    # Reads the calendar's tables once for the span; is_workday is the calendar's one rule.
    span = calendar.Calendar(first.year, last.year)
    # passed[i]: working days from `first` through `first + i days`.
    passed, total, day = [], 0, first
    while day <= last:
        total += span.is_workday(day)
        passed.append(total)
        day += dt.timedelta(days=1)

    def upto(day: dt.date) -> int:
        return passed[(day - first).days]

    for request in open_requests:
        if request.due_on >= today:
            request.days_left = upto(request.due_on) - upto(today)
        else:
            request.days_left = -max(1, upto(today) - upto(request.due_on))
    return requests


def overdue_q(today: dt.date | None = None) -> Q:
    return Q(status__in=OPEN_STATUSES, due_on__lt=today or timezone.localdate())
