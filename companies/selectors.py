"""Which enterprises, contacts and visits a user may see."""

from django.db.models import Exists, OuterRef, Q

from accounts.models import Role
from accounts.selectors import unit_subtree_q
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


def visible_contacts(user):
    if user.is_authenticated and user.role == Role.ENTERPRISE:
        return Contact.objects.none()
    return Contact.objects.filter(enterprise__in=visible_enterprises(user).values("pk"))


def visible_visits(user):
    if user.is_authenticated and user.role == Role.ENTERPRISE:
        return Visit.objects.none()
    return Visit.objects.filter(enterprise__in=visible_enterprises(user).values("pk"))


def sees_full_mobile(user, enterprise) -> bool:
    """Contacts' mobiles are personal information: in full only for the officers responsible."""
    if not user.is_authenticated or user.role == Role.ENTERPRISE:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if enterprise.service_officer_id == user.pk:
        return True
    return enterprise.projects.filter(Q(officer=user) | Q(team=user)).exists()
