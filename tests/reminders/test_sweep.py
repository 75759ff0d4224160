"""The reminder sweeps, travelling in time with `send_reminders --date`."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from companies import services as company_services
from notifications.models import Notification
from projects.models import ProjectStage
from reminders.models import Reminder
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f
from workdays.calendar import is_workday

pytestmark = pytest.mark.django_db


def run(day):
    out = io.StringIO()
    call_command("send_reminders", "--date", day, stdout=out)
    return out.getvalue()


def titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


@pytest.fixture
def people():
    anting = f.unit("安亭镇")
    officer = f.user("officer_a", org_unit=anting, display_name="王明")
    manager = f.user("manager_a", role=Role.MANAGER, org_unit=anting)
    return officer, manager


def current_stage_due(project, day):
    stage = project.stages.get(stage_type=project.current_stage)
    ProjectStage.objects.filter(pk=stage.pk).update(due_on=f.date(day))
    return stage


def project_due(officer, day, name="新能源汽车零部件项目"):
    project = f.project(actor=officer, officer=officer, name=name, signed_on=f.date("2026-01-05"))
    return current_stage_due(project, day)


def test_owner_is_reminded_at_each_lead_time_on_the_due_day_and_when_overdue_once_each(people):
    officer, _ = people
    project_due(officer, "2026-12-07")  # a Monday

    run("2026-11-27")  # Friday: 6 working days left, nothing yet
    assert titles(officer) == []
    run("2026-11-30")  # Monday: 5 left
    run("2026-11-30")  # the same day again sends nothing more
    run("2026-12-01")  # 4 left: the 5-day reminder was already given
    assert len(titles(officer)) == 1
    assert "还有 5 个工作日到期" in titles(officer)[0]
    run("2026-12-04")  # Friday: 1 left
    run("2026-12-07")  # the due day
    run("2026-12-08")  # one working day late
    run("2026-12-09")
    got = titles(officer)
    assert len(got) == 4
    assert "还有 1 个工作日到期" in got[1]
    assert "今天到期" in got[2]
    assert "已逾期 1 个工作日" in got[3]
    assert all("「新能源汽车零部件项目」" in title for title in got)


def test_a_day_without_a_sweep_is_caught_up_by_the_next(people):
    officer, _ = people
    project_due(officer, "2026-12-07")
    run("2026-11-27")  # 6 left
    # No sweep on Monday 30 November (5 left); Tuesday's run still owes the 5-day reminder.
    run("2026-12-01")
    assert len(titles(officer)) == 1
    assert "还有 4 个工作日到期" in titles(officer)[0]


def test_a_late_due_date_reminds_afresh():
    anting = f.unit("安亭镇")
    officer = f.user("officer_b", org_unit=anting)
    stage = project_due(officer, "2026-12-07")
    run("2026-12-04")
    ProjectStage.objects.filter(pk=stage.pk).update(due_on=f.date("2026-12-14"))
    run("2026-12-11")
    assert len(titles(officer)) == 2


def test_escalation_waits_m_working_days_across_the_national_day_holiday_then_repeats_weekly(people, settings):
    settings.REMINDER_ESCALATE_AFTER_WORKDAYS = 3
    officer, manager = people
    project_due(officer, "2026-09-29")  # Tuesday before the National Day week (1–7 October 2026)

    day = f.date("2026-09-30")
    while day < f.date("2026-10-09"):
        run(day.isoformat())
        day += dt.timedelta(days=1)
    # 30 September, 8 and 9 October are the first three working days late: no escalation before the 9th.
    assert titles(manager) == []
    run("2026-10-09")
    assert len(titles(manager)) == 1
    assert "逾期上报" in titles(manager)[0] and "已逾期 3 个工作日" in titles(manager)[0]
    assert "王明" in Notification.objects.get(recipient=manager).body

    for day in ("2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14"):  # 10 October is a working Saturday
        run(day)
    assert len(titles(manager)) == 1
    run("2026-10-15")  # a working week after the first escalation
    assert len(titles(manager)) == 2
    assert "已逾期 8 个工作日" in titles(manager)[1]


def test_more_than_five_reminders_for_one_person_arrive_as_one_digest(people):
    officer, _ = people
    for number in range(6):
        project_due(officer, "2026-12-07", name=f"项目{number}")
    run("2026-12-04")
    digest = Notification.objects.get(recipient=officer)
    assert digest.kind == Notification.Kind.DIGEST
    assert "6 项" in digest.title
    assert all(f"「项目{number}」" in digest.body for number in range(6))
    assert Reminder.objects.filter(recipient=officer, notification=digest).count() == 6


def test_five_reminders_arrive_one_by_one(people):
    officer, _ = people
    for number in range(5):
        project_due(officer, "2026-12-07", name=f"项目{number}")
    run("2026-12-04")
    assert Notification.objects.filter(recipient=officer, kind=Notification.Kind.STAGE_DUE).count() == 5


def test_visit_next_steps_are_reminded_to_the_visiting_officer(people):
    officer, _ = people
    enterprise = f.enterprise("嘉定样例精密制造有限公司", town=officer.org_unit)
    company_services.record_visit(
        actor=officer,
        enterprise=enterprise,
        visited_on=f.date("2026-11-20"),
        officer=officer,
        topic="扩产用地需求",
        next_step="提供工业用地选址方案",
        next_step_due_on=f.date("2026-12-02"),
    )
    run("2026-12-01")
    [title] = titles(officer)
    assert "「嘉定样例精密制造有限公司」提供工业用地选址方案还有 1 个工作日到期" == title


def test_a_request_not_accepted_within_a_working_day_goes_to_the_managers(people):
    officer, manager = people
    enterprise = f.enterprise("安亭样例新材料有限公司", town=officer.org_unit, service_officer=officer)
    request = request_services.submit_request(
        actor=officer,
        enterprise=enterprise,
        category=Category.objects.first(),
        title="厂房消防验收咨询",
        description="请协调消防验收时间。",
    )
    submitted = request.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    run(submitted.isoformat())
    assert not any("未受理" in title for title in titles(manager))
    next_workday = submitted + dt.timedelta(days=1)
    while not is_workday(next_workday):
        next_workday += dt.timedelta(days=1)
    run(next_workday.isoformat())
    assert any("诉求超过一个工作日未受理" in title for title in titles(manager))

    request_services.accept_request(actor=officer, request=request)
    Reminder.objects.all().delete()
    run((next_workday + dt.timedelta(days=1)).isoformat())
    assert not Reminder.objects.filter(key__endswith=":unaccepted").exists()


def test_send_reminders_reports_what_it_did_and_refuses_a_bad_date(people):
    officer, _ = people
    project_due(officer, "2026-12-07")
    assert "应发提醒 1 条，本次送达 1 条" in run("2026-12-04")
    assert "应发提醒 1 条，本次送达 0 条" in run("2026-12-04")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("2026-13-01")
