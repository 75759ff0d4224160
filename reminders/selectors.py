"""The open items that have due dates, with the people answerable for them."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q

from accounts.selectors import managers_of
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


def stage_items():
    for stage in open_stages().iterator(chunk_size=1000):
        project = stage.project
        yield DueItem(
            key=f"stage:{stage.pk}",
            kind="stage",
            label=f"「{project.name}」{stage.stage_type.name}",
            due_on=stage.due_on,
            owner=stage.owner or project.officer,
            url=f"/projects/{project.pk}/",
            source=stage,
        )


def visit_items():
    for visit in open_visit_steps().iterator(chunk_size=1000):
        yield DueItem(
            key=f"visit:{visit.pk}",
            kind="visit",
            label=f"「{visit.enterprise.name}」{visit.next_step}",
            due_on=visit.next_step_due_on,
            owner=visit.officer,
            url=f"/enterprises/{visit.enterprise_id}/",
            source=visit,
        )


def request_items():
    for request in open_requests().iterator(chunk_size=1000):
        yield DueItem(
            key=f"request:{request.pk}",
            kind="request",
            label=f"「{request.enterprise.name}」{request.title}",
            due_on=request.due_on,
            owner=request.assignee or request.enterprise.service_officer,
            url=f"/service-requests/{request.pk}/",
            source=request,
        )


class Escalations:
    """Who an item is escalated to, looked up once per owner (or per request without one)."""

    def __init__(self):
        self._by_owner: dict[int, list] = {}

    def managers_for(self, item: DueItem) -> list:
        if item.kind == "request":
            return responsible_managers(item.source)
        if item.owner is None:
            return []
        if item.owner.pk not in self._by_owner:
            self._by_owner[item.owner.pk] = list(managers_of(item.owner))
        return self._by_owner[item.owner.pk]
