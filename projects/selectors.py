"""Reads with rules: above all, which projects a user may see and what they may do to them."""

from django.db.models import Count, Exists, OuterRef, Q, Sum

from accounts.models import Role
from accounts.selectors import unit_subtree_q

from .models import Project, ProjectStage, SigningEvent


def visible_projects(user, queryset=None):
    """The one rule for who sees which project; lists, details, reports and exports all use it.

    A project is seen from its leading unit, from its landing town's unit and from the units
    above them, by its officer and its team; district managers and administrators see all;
    an enterprise user sees its own enterprise's projects.
    """
    queryset = Project.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset
    if user.role == Role.ENTERPRISE:
        return queryset.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else queryset.none()
    on_team = Project.team.through.objects.filter(project_id=OuterRef("pk"), user_id=user.pk)
    return queryset.filter(unit_subtree_q(user, "leading_unit", "town") | Q(officer=user) | Q(Exists(on_team)))


def can_edit_project(user, project) -> bool:
    """Staff who see a project may work on it; enterprise users only read its progress."""
    return user.is_authenticated and user.role != Role.ENTERPRISE


def can_manage_project(user, project) -> bool:
    """Reopening stages, reassigning and transferring are for managers and administrators."""
    return user.is_authenticated and (user.is_superuser or user.role in (Role.MANAGER, Role.ADMIN))


def stages_of(project):
    return (
        ProjectStage.objects.filter(project=project).select_related("stage_type", "owner").order_by("stage_type__order")
    )


def signing_events_with_totals(queryset=None):
    """Signing events with their project count and total investment, computed, never typed."""
    queryset = SigningEvent.objects.all() if queryset is None else queryset
    return queryset.annotate(
        project_count=Count("projects", distinct=True), total_investment=Sum("projects__total_investment")
    )
