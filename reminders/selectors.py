"""The open items that have due dates, with the people answerable for them."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q

from accounts.models import OrgUnit, Role, User
from companies.models import Visit
from projects.models import Project, ProjectStage
from servicerequests.models import ServiceRequest
from servicerequests.selectors import OPEN_STATUSES, responsible_managers


@dataclass
class DueItem:
    """Anything with a due date and an owner: a project stage, a visit's next step, a service request."""

    key: str  # "stage:12", "visit:7", "request:3"
    kind: str  # "stage", "visit" or "request"
    label: str  # how the item is named in a message
    due_on: dt.date
    owner: object  # User or None
    url: str
    source: object = field(repr=False, default=None)


def open_stages():
    """Stages still to be done up to each active project's current stage: the later ones wait on it."""
    return (
        ProjectStage.objects.filter(
            status__in=[ProjectStage.Status.PENDING, ProjectStage.Status.IN_PROGRESS],
            due_on__isnull=False,
            project__status=Project.Status.ACTIVE,
            stage_type__order__lte=F("project__current_stage__order"),
        )
        .select_related("project", "project__officer", "stage_type", "owner")
        .order_by("due_on", "pk")
    )


def stages_due_for(user, until: dt.date):
    """The open stages `user` is reminded of, due by `until` (overdue ones included): those they own, and
    those without an owner on the projects they are the officer of (as stage_items() names the owner)."""
    return open_stages().filter(Q(owner=user) | Q(owner__isnull=True, project__officer=user), due_on__lte=until)


def open_visit_steps():
    return (
        Visit.objects.filter(next_step_due_on__isnull=False, next_step_done_on__isnull=True)
        .exclude(next_step="")
        .select_related("enterprise", "officer")
        .order_by("next_step_due_on", "pk")
    )


def open_requests():
    return (
        ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
        .select_related("enterprise", "enterprise__service_officer", "enterprise__town", "assignee", "category")
        .order_by("due_on", "pk")
    )


def stage_items(due_by: dt.date | None = None):
    """The open stages as DueItems; with `due_by`, only those due by then (the overdue ones included).

    Read as plain rows and with each owner loaded once: a sweep meets thousands of stages and a few
    hundred people."""
    stages = open_stages() if due_by is None else open_stages().filter(due_on__lte=due_by)
    rows = list(
        stages.values_list(
            "pk", "due_on", "project_id", "project__name", "stage_type__name", "owner_id", "project__officer_id"
        )
    )
    owners = users_by_id(owner_id or officer_id for *_, owner_id, officer_id in rows)
    for pk, due_on, project_id, project_name, stage_name, owner_id, officer_id in rows:
        owner_id = owner_id or officer_id
        yield DueItem(
            key=f"stage:{pk}",
            kind="stage",
            label=f"「{project_name}」{stage_name}",
            due_on=due_on,
            owner=owners.get(owner_id),
            url=f"/projects/{project_id}/",
        )


def visit_items(due_by: dt.date | None = None):
    visits = open_visit_steps() if due_by is None else open_visit_steps().filter(next_step_due_on__lte=due_by)
    for visit in visits.iterator(chunk_size=1000):
        yield DueItem(
            key=f"visit:{visit.pk}",
            kind="visit",
            label=f"「{visit.enterprise.name}」{visit.next_step}",
            due_on=visit.next_step_due_on,
            owner=visit.officer,
            url=f"/enterprises/{visit.enterprise_id}/",
            source=visit,
        )


def request_items(due_by: dt.date | None = None):
    """The open requests; with `due_by`, those due by then and those still waiting to be accepted."""
    requests = open_requests()
    if due_by is not None:
        requests = requests.filter(Q(due_on__lte=due_by) | Q(status=ServiceRequest.Status.SUBMITTED))
    for request in requests.iterator(chunk_size=1000):
        yield DueItem(
            key=f"request:{request.pk}",
            kind="request",
            label=f"「{request.enterprise.name}」{request.title}",
            due_on=request.due_on,
            owner=request.assignee or request.enterprise.service_officer,
            url=f"/service-requests/{request.pk}/",
            source=request,
        )


def users_by_id(ids) -> dict[int, User]:
    """The users with those ids, each with their unit (where their messages go, who their managers are)."""
    ids = {pk for pk in ids if pk is not None}
    return {user.pk: user for user in User.objects.filter(pk__in=ids).select_related("org_unit")} if ids else {}


class Escalations:
    """Who an item is escalated to. For stages and visits, the owner's managers as
    accounts.selectors.managers_of names them (their unit's active managers other than the owner, else
    the nearest unit above that has some), from the units and managers read once per sweep."""

    def __init__(self):
        self._units: dict[int, OrgUnit] | None = None
        self._by_path: dict[str, OrgUnit] = {}
        self._managers_by_unit: dict[int, list] = {}
        self._by_owner: dict[int, list] = {}

    def managers_for(self, item: DueItem) -> list:
        if item.kind == "request":
            return responsible_managers(item.source)
        if item.owner is None:
            return []
        if item.owner.pk not in self._by_owner:
            self._by_owner[item.owner.pk] = self._managers_of(item.owner)
        return self._by_owner[item.owner.pk]

    def _managers_of(self, user) -> list:
        if self._units is None:
            self._load()
        unit = self._units.get(user.org_unit_id)
        while unit is not None:
            managers = [m for m in self._managers_by_unit.get(unit.pk, ()) if m.pk != user.pk]
            if managers:
                return managers
            unit = self._by_path.get(unit.path[: -OrgUnit.steplen])
        return []

    def _load(self):
        units = list(OrgUnit.objects.all())
        self._units = {unit.pk: unit for unit in units}
        self._by_path = {unit.path: unit for unit in units}
        for manager in User.objects.filter(role=Role.MANAGER, is_active=True, org_unit__isnull=False):
            self._managers_by_unit.setdefault(manager.org_unit_id, []).append(manager)
