"""Which service requests a user may see and what they may do with them."""

from django.db.models import Q

from accounts.models import Role
from companies.selectors import visible_enterprises

from .models import Comment, ServiceRequest


def visible_requests(user, queryset=None):
    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset
    if user.role == Role.ENTERPRISE:
        return queryset.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else queryset.none()
    return queryset.filter(Q(assignee=user) | Q(enterprise__in=visible_enterprises(user).values("pk")))


def visible_comments(user, request: ServiceRequest):
    comments = Comment.objects.filter(request=request).select_related("author")
    if user.role == Role.ENTERPRISE:
        comments = comments.filter(is_internal=False)
    return comments


def is_own_enterprise_user(user, request: ServiceRequest) -> bool:
    return user.role == Role.ENTERPRISE and user.enterprise_id == request.enterprise_id


def can_handle(user) -> bool:
    """Officers, managers and administrators handle requests; enterprise users file them."""
    return user.is_authenticated and user.role != Role.ENTERPRISE
