"""Who may see what: the org-unit part of the rule, shared by every app's selectors."""

from django.db.models import Q

from .models import OrgUnit, Role, User


def unit_subtree_q(user: User, *unit_fields: str) -> Q:
    """Objects whose unit (through any of `unit_fields`) is the user's unit or one below it."""
    unit = user.org_unit
    if unit is None or not unit_fields:
        return Q(pk__in=[])
    q = Q()
    for field in unit_fields:
        q |= Q(**{f"{field}__path__startswith": unit.path})
    return q


def is_staff_member(user) -> bool:
    """Government staff: administrators, managers and officers (not enterprise users)."""
    return bool(user and user.is_authenticated and user.role != Role.ENTERPRISE)


def managers_of(user: User):
    """The managers an item of `user`'s is escalated to: their unit's managers, else those above."""
    unit = user.org_unit
    while unit is not None:
        managers = User.objects.filter(role=Role.MANAGER, org_unit=unit, is_active=True).exclude(pk=user.pk)
        if managers.exists():
            return managers
        unit = OrgUnit.objects.get_parent(unit)
    return User.objects.none()


def landing_areas():
    return OrgUnit.objects.filter(is_landing_area=True)


def promotion_bodies():
    return OrgUnit.objects.filter(is_promotion_body=True)
