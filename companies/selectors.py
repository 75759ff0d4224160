"""Which enterprises, contacts and visits a user may see."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Role
from accounts.selectors import unit_subtree_q
from projects.models import Project
from projects.selectors import visible_projects

from .models import Contact, Enterprise, Visit


def visible_enterprises(user, queryset=None):
    """Staff see enterprises in their unit's towns, those they serve and the investors of the
    projects they see; district managers see all; an enterprise user sees only its own."""
    queryset = Enterprise.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset
    if user.role == Role.ENTERPRISE:
        return queryset.filter(pk=user.enterprise_id) if user.enterprise_id else queryset.none()
    projects = visible_projects(user).filter(enterprise_id=OuterRef("pk"))
    return queryset.filter(unit_subtree_q(user, "town") | Q(service_officer=user) | Q(Exists(projects)))


def can_edit_enterprise(user, enterprise=None) -> bool:
    """Staff who see an enterprise maintain its file, contacts and visits; enterprise users only read."""
    return bool(user and user.is_authenticated and user.role != Role.ENTERPRISE)


OPEN_REQUEST_STATUSES = ("submitted", "accepted", "in_progress")


def _count_per_enterprise(queryset):
    counted = queryset.filter(enterprise_id=OuterRef("pk")).order_by().values("enterprise_id")
    counted = counted.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(queryset, user):
    """Annotate `project_count` and `open_request_count`, counting only what `user` may see."""
    # Imported here: the service requests' selectors build on visible_enterprises above.
    from servicerequests.selectors import visible_requests

    open_requests = visible_requests(user).filter(status__in=OPEN_REQUEST_STATUSES)
    return queryset.annotate(
        project_count=_count_per_enterprise(visible_projects(user)),
        open_request_count=_count_per_enterprise(open_requests),
    )


def enterprise_list(user):
    """The enterprises the enterprise list shows `user`, with their counts, in its default order: the list
    and exports share it."""
    queryset = visible_enterprises(user).select_related("industry_chain", "town", "service_officer")
    return with_counts(queryset, user).order_by("name", "id")


def visible_duplicates(user, duplicates):
    """The possible duplicates `user` may see; the others are only counted by the caller."""
    if user is None:
        return list(duplicates)
    ids = {d.enterprise.pk for d in duplicates}
    seen = set(visible_enterprises(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return [d for d in duplicates if d.enterprise.pk in seen]


def visible_contacts(user):
    if not can_edit_enterprise(user):
        return Contact.objects.none()
    return Contact.objects.filter(enterprise__in=visible_enterprises(user).values("pk"))


def visible_visits(user):
    if not can_edit_enterprise(user):
        return Visit.objects.none()
    return Visit.objects.filter(enterprise__in=visible_enterprises(user).values("pk"))


def sees_full_mobile(user, enterprise) -> bool:
    """Contacts' mobiles are personal information: in full only for the officers responsible
    (the enterprise's service officer, the officer and team of its projects) and administrators."""
    return enterprise.pk in enterprises_with_full_mobile(user, [enterprise.pk])


def enterprises_with_full_mobile(user, enterprise_ids) -> set[int]:
    """Of `enterprise_ids`, those whose contacts' mobiles `user` sees in full, in one query."""
    ids = set(enterprise_ids)
    if not ids or not user.is_authenticated or user.role == Role.ENTERPRISE:
        return set()
    if user.is_superuser or user.role == Role.ADMIN:
        return ids
    responsible = Project.objects.filter(Q(officer=user) | Q(team=user), enterprise_id=OuterRef("pk"))
    found = Enterprise.objects.filter(Q(service_officer=user) | Q(Exists(responsible)), pk__in=ids)
    return set(found.values_list("pk", flat=True))
