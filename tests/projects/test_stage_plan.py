"""Stage planning: due dates in working days or calendar months, re-planned on a late finish."""

import chinese_calendar
import pytest

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from projects import services
from projects.models import LandCommitment, Project, ProjectStage
from projects.planning import add_months
from tests import factories as f

pytestmark = pytest.mark.django_db


def stages(project):
    return {s.stage_type.code: s for s in ProjectStage.objects.filter(project=project).select_related("stage_type")}


def workdays_after(start, n):
    """An independent oracle: the State Council's arrangement as chinesecalendar publishes it."""
    return chinese_calendar.find_workday(n, start)


def test_new_signed_project_has_a_full_plan_in_working_days_and_months():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"), officer=officer)
    plan = stages(project)

    assert len(plan) == 10
    assert plan["negotiation"].status == plan["signing"].status == ProjectStage.Status.DONE
    assert plan["signing"].finished_on == f.date("2025-01-06")
    admission = workdays_after(f.date("2025-01-06"), 20)
    assert plan["admission"].due_on == admission
    registration = workdays_after(admission, 20)
    assert plan["registration"].due_on == registration
    land = workdays_after(registration, 90)
    assert plan["land"].due_on == land
    construction = workdays_after(workdays_after(land, 50), 46)
    assert plan["construction"].due_on == construction
    assert plan["completion"].due_on == add_months(land, 24)
    assert plan["production"].due_on == add_months(land, 30)
    assert plan["full_production"].due_on == add_months(land, 54)
    project.refresh_from_db()
    assert project.current_stage.code == "admission"


def test_spring_festival_pushes_a_due_date_past_the_holiday():
    project = f.project(signed_on=f.date("2026-02-13"))
    # 2026-02-14 (Sat) is worked; 02-15..02-23 are the Spring Festival break.
    assert stages(project)["admission"].due_on == workdays_after(f.date("2026-02-13"), 20)
    assert stages(project)["admission"].due_on > f.date("2026-03-10")


def test_a_late_finish_replans_every_later_stage():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"), fixed_asset_investment=8000)
    before = stages(project)
    late = workdays_after(before["admission"].due_on, 10)

    services.finish_stage(actor=officer, stage=before["admission"], finished_on=late)

    after = stages(project)
    assert after["admission"].finished_on == late
    assert after["registration"].due_on == workdays_after(late, 20)
    assert after["registration"].due_on > before["registration"].due_on
    assert after["registration"].status == ProjectStage.Status.IN_PROGRESS
    assert after["completion"].due_on > before["completion"].due_on
    history = after["admission"].history.first()
    assert history.history_user == officer
    assert "逾期" in history.history_change_reason


def test_a_stage_cannot_finish_while_facts_are_missing_and_the_answer_names_them():
    officer = f.user()
    ent = f.enterprise(uscc="91310114570796872F")
    project = f.project(actor=officer, enterprise=ent, signed_on=f.date("2025-01-06"), fixed_asset_investment=5000)
    plan = stages(project)
    services.finish_stage(actor=officer, stage=plan["admission"], finished_on=f.date("2025-02-10"))
    services.finish_stage(actor=officer, stage=plan["registration"], finished_on=f.date("2025-03-03"))

    with pytest.raises(services.MissingFactsError) as raised:
        services.finish_stage(actor=officer, stage=plan["land"], finished_on=f.date("2025-06-03"))
    assert [path for path, _ in raised.value.missing] == ["land_area", "land_supply_mode"]
    assert "用地面积（亩）" in raised.value.messages[0] and "供地方式" in raised.value.messages[0]
    assert stages(project)["land"].status == ProjectStage.Status.IN_PROGRESS

    services.update_project(actor=officer, project=project, land_area=50, land_supply_mode="transfer")
    services.finish_stage(actor=officer, stage=plan["land"], finished_on=f.date("2025-06-03"))
    assert stages(project)["completion"].due_on == f.date("2027-06-03")


def test_registration_needs_the_enterprise_uscc():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"), fixed_asset_investment=5000)
    services.finish_stage(actor=officer, stage=stages(project)["admission"], finished_on=f.date("2025-02-10"))
    with pytest.raises(services.MissingFactsError) as raised:
        services.finish_stage(actor=officer, stage=stages(project)["registration"], finished_on=f.date("2025-03-03"))
    assert "统一社会信用代码" in raised.value.messages[0]


def test_stages_only_move_forward():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"))
    plan = stages(project)
    with pytest.raises(ServiceError, match="请先完成或跳过之前的阶段：准入评估、注册落地"):
        services.finish_stage(actor=officer, stage=plan["land"], finished_on=f.date("2025-03-03"))
    with pytest.raises(ServiceError, match="已经已完成"):
        services.finish_stage(actor=officer, stage=plan["signing"], finished_on=f.date("2025-03-03"))
    with pytest.raises(ServiceError, match="完成日期不能早于上一阶段"):
        services.finish_stage(actor=officer, stage=plan["admission"], finished_on=f.date("2024-12-31"))


def test_skip_needs_a_reason_and_the_months_count_from_the_last_step():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"), fixed_asset_investment=5000)
    plan = stages(project)
    with pytest.raises(ServiceError, match="跳过阶段必须说明原因"):
        services.skip_stage(actor=officer, stage=plan["admission"], reason="  ")
    services.skip_stage(actor=officer, stage=plan["admission"], reason="租赁标准厂房，无需准入评估")
    after = stages(project)
    assert after["admission"].status == ProjectStage.Status.SKIPPED
    assert after["admission"].skip_reason == "租赁标准厂房，无需准入评估"
    assert after["registration"].due_on == workdays_after(f.date("2025-01-06"), 20)


def test_land_commitment_sets_the_enterprise_deadlines():
    officer = f.user()
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"))
    LandCommitment.objects.create(project=project, handed_over_on=f.date("2025-05-20"), production_within_months=18)
    services.replan_project(actor=officer, project=project)
    plan = stages(project)
    assert plan["production"].due_on == f.date("2026-11-20")
    assert plan["completion"].due_on == f.date("2027-05-20")


def test_only_a_manager_reopens_a_stage_and_history_keeps_both():
    officer = f.user()
    manager = f.user(role=Role.MANAGER)
    project = f.project(actor=officer, signed_on=f.date("2025-01-06"), fixed_asset_investment=5000)
    admission = stages(project)["admission"]
    services.finish_stage(actor=officer, stage=admission, finished_on=f.date("2025-02-10"))

    with pytest.raises(PermissionDeniedError):
        services.reopen_stage(actor=officer, stage=admission, reason="评估材料有误")
    with pytest.raises(ServiceError, match="必须说明原因"):
        services.reopen_stage(actor=manager, stage=admission, reason="")
    services.reopen_stage(actor=manager, stage=admission, reason="评估材料有误")

    admission.refresh_from_db()
    assert admission.status == ProjectStage.Status.IN_PROGRESS and admission.finished_on is None
    records = list(admission.history.order_by("history_date", "history_id"))
    assert any(r.finished_on == f.date("2025-02-10") and r.history_user == officer for r in records)
    assert records[-1].history_user == manager and "评估材料有误" in records[-1].history_change_reason
    project.refresh_from_db()
    assert project.current_stage.code == "admission"


def test_reassignment_and_transfer_leave_history():
    town = f.unit("安亭镇")
    leaving, staying = f.user(org_unit=town), f.user(org_unit=town)
    manager = f.user(role=Role.MANAGER, org_unit=town)
    first = f.project(actor=leaving, officer=leaving, signed_on=f.date("2025-01-06"))
    second = f.project(actor=leaving, officer=leaving)
    done = f.project(actor=leaving, officer=leaving, status=Project.Status.TERMINATED)

    with pytest.raises(PermissionDeniedError):
        services.reassign_officer_projects(actor=leaving, from_officer=leaving, to_officer=staying)
    moved = services.reassign_officer_projects(actor=manager, from_officer=leaving, to_officer=staying, reason="调岗")

    assert moved == 2
    assert set(Project.objects.filter(officer=staying)) == {first, second}
    done.refresh_from_db()
    assert done.officer == leaving
    record = first.history.first()
    assert record.history_user == manager and "调岗" in record.history_change_reason
    assert all(s.owner == staying for s in ProjectStage.objects.filter(project=first).exclude(status="done"))

    park = f.unit("嘉定工业区", kind="park")
    services.transfer_project(actor=manager, project=first, unit=park, reason="落地园区调整")
    first.refresh_from_db()
    assert first.leading_unit == park
    assert "转办" in first.history.first().history_change_reason
