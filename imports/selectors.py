"""Who may import, and whose import jobs a user sees: only their own."""

from accounts.selectors import is_staff_member

from .models import ImportJob


def can_import(user) -> bool:
    """Officers, managers and administrators import; enterprise users do not."""
    return is_staff_member(user) and user.is_active


def visible_import_jobs(user, queryset=None):
    queryset = ImportJob.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated:
        return queryset.none()
    return queryset.filter(requested_by=user)
