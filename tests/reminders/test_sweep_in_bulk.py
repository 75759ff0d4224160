"""The sweep reads and writes in bulk: only the items that can owe something today, each person's
preferences and managers once, and a fixed number of queries however many items and people."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import OrgUnit, Role
from accounts.selectors import managers_of
from notifications.models import Notification
from notifications.services import update_preferences
from projects.models import ProjectStage
from reminders import rules, selectors, services
from reminders.models import Reminder
from servicerequests import services as request_services
from servicerequests.models import Category, ServiceRequest
from tests import factories as f

pytestmark = pytest.mark.django_db

FRIDAY = "2026-12-04"


def stage_due(officer, day, name=None):
    project = f.project(actor=officer, officer=officer, name=name or f"项目{uuid.uuid4().hex[:6]}")
    stage = project.stages.get(stage_type=project.current_stage)
    ProjectStage.objects.filter(pk=stage.pk).update(due_on=f.date(day))
    return stage


def titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


def test_a_lead_time_longer_than_the_default_is_met_and_later_items_are_not_read(settings):
    anting = f.unit("安亭镇")
    planner = f.user("planner", org_unit=anting)
    update_preferences(planner, lead_days=[10])
    other = f.user("other", org_unit=anting)
    stage_due(planner, "2026-12-18", name="长期项目")  # 10 working days after Friday 4 December
    stage_due(other, "2026-12-18")
    stage_due(planner, "2026-12-21", name="更远的项目")  # 11 working days: not yet

    services.sweep(f.date(FRIDAY))

    [title] = titles(planner)
    assert "「长期项目」" in title and "还有 10 个工作日到期" in title
    assert titles(other) == []
    clock = rules.Clock(f.date(FRIDAY))
    assert rules.last_due_date_reminded(clock, 10) == f.date("2026-12-20")  # the Sunday before the 11th
    due_by = rules.last_due_date_reminded(clock, 10)
    assert {item.due_on for item in selectors.stage_items(due_by)} == {f.date("2026-12-18")}


def test_escalations_name_the_managers_managers_of_names():
    district = f.district()
    chief = f.user("chief", role=Role.MANAGER, org_unit=district)
    town = f.unit("外冈镇")
    town_manager = f.user("town_manager", role=Role.MANAGER, org_unit=town)
    f.user("retired_manager", role=Role.MANAGER, org_unit=town, is_active=False)
    park = f.unit("外冈园区", kind=OrgUnit.Kind.PARK, parent=town)
    empty_town = f.unit("徐行镇")
    people = [
        f.user("in_town", org_unit=town),
        f.user("in_park", org_unit=park),  # no managers in the park: the town's
        f.user("in_empty_town", org_unit=empty_town),  # none in the town: the district's
        town_manager,  # a manager is not their own escalation: the district's
        chief,  # nobody above
        f.user("admin_without_unit", role=Role.ADMIN, org_unit=None),
    ]
    escalations = selectors.Escalations()
    for person in people:
        item = selectors.DueItem("stage:1", "stage", "x", f.date(FRIDAY), person, "/")
        assert {m.pk for m in escalations.managers_for(item)} == {m.pk for m in managers_of(person)}, person
    assert escalations.managers_for(selectors.DueItem("stage:1", "stage", "x", f.date(FRIDAY), None, "/")) == []


@pytest.mark.parametrize("digest_over", [1, 100], ids=["digests", "one-by-one"])
def test_the_queries_do_not_grow_with_the_items_and_people(settings, digest_over):
    settings.REMINDER_ESCALATE_AFTER_WORKDAYS = 3
    settings.REMINDER_DIGEST_OVER = digest_over
    anting = f.unit("安亭镇")
    f.user("manager_q", role=Role.MANAGER, org_unit=anting)

    def sweep_queries(officers):
        for number in range(officers):
            officer = f.user(f"officer_{officers}_{number}", org_unit=anting)
            stage_due(officer, "2026-12-07")  # 1 working day left
            stage_due(officer, "2026-11-25")  # 7 working days late: escalated
            stage_due(officer, "2027-03-01")  # far off
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            result = services.sweep(f.date(FRIDAY))
        return len(queries), result

    small, small_result = sweep_queries(2)
    large, large_result = sweep_queries(7)
    # Each officer: one reminder before, one overdue; the manager: one escalation per overdue stage.
    assert large_result.owed == 9 * 3 and large_result.reminders_delivered == 9 * 3
    assert small == large


def test_what_a_sweep_records_is_its_own_to_deliver_until_it_stops_reporting(settings):
    officer = f.user("officer_c", org_unit=f.unit("安亭镇"))
    stage_due(officer, "2026-12-07")
    day, token = f.date(FRIDAY), uuid.uuid4()
    services.record(list(services.owed_reminders(day, ("stage",))), day, claim=token)

    assert services.deliver_pending() == (0, 0)  # another process leaves it alone
    stale = dt.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    Reminder.objects.update(claimed_at=Reminder.objects.get().claimed_at - stale)
    assert services.deliver_pending() == (1, 1)  # the recording run stopped: taken over
    assert services.deliver_pending(claim=token) == (0, 0)
    assert len(titles(officer)) == 1


def test_a_request_waiting_to_be_accepted_is_read_however_far_its_due_date():
    anting = f.unit("安亭镇")
    officer = f.user("officer_r", org_unit=anting)
    manager = f.user("manager_r", role=Role.MANAGER, org_unit=anting)
    enterprise = f.enterprise("安亭样例新材料有限公司", town=anting, service_officer=officer)
    request = request_services.submit_request(
        actor=officer,
        enterprise=enterprise,
        category=Category.objects.first(),
        title="厂房消防验收咨询",
        description="请协调消防验收时间。",
    )
    ServiceRequest.objects.filter(pk=request.pk).update(due_on=request.due_on + dt.timedelta(days=120))
    submitted = request.created_at.date()

    services.sweep(submitted + dt.timedelta(days=7), kinds=("request",))

    assert any("诉求超过一个工作日未受理" in title for title in titles(manager))
