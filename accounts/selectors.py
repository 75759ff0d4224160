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


def units_in_scope(user, queryset=None):
    """The user's unit and the units below it; every unit for the district-wide."""
    queryset = OrgUnit.objects.all() if queryset is None else queryset
    if user.is_district_wide:
        return queryset
    if user.org_unit is None:
        return queryset.none()
    return queryset.filter(path__startswith=user.org_unit.path)


def active_staff(user=None, queryset=None):
    """Government staff who can be given work: officers, managers and administrators in office."""
    queryset = User.objects.all() if queryset is None else queryset
    return queryset.filter(is_active=True).exclude(role=Role.ENTERPRISE)


def landing_areas():
    return OrgUnit.objects.filter(is_landing_area=True)


def promotion_bodies():
    return OrgUnit.objects.filter(is_promotion_body=True)


def can_issue_tokens(user) -> bool:
    return is_staff_member(user)


def tokens_visible_to(user):
    """A user sees their own tokens; staff also those of the enterprises they serve."""
    from django.db.models import Q
    from knox.models import AuthToken

    from companies.selectors import visible_enterprises

    if not user.is_authenticated:
        return AuthToken.objects.none()
    own = Q(user=user)
    if is_staff_member(user):
        own |= Q(user__role=Role.ENTERPRISE, user__enterprise__in=visible_enterprises(user).values("pk"))
    return AuthToken.objects.filter(own)
