"""The project page's further actions: reopening a stage, reassigning and transferring (managers), a
stage's owner and notes, the land-use commitment with its yearly actuals and gaps, and the investor
search of the project form."""

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from projects import services
from projects.models import LandCommitment, LandYearlyActual, Project, ProjectStage
from tests import factories as f

pytestmark = pytest.mark.django_db

# The project page of a manager: reopen forms on closed stages, reassign and transfer, land section.
MANAGER_DETAIL_QUERIES = 18
OPTIONS_QUERIES = 4


def html_of(response) -> str:
    return response.content.decode()


def stage(project, code) -> ProjectStage:
    return ProjectStage.objects.select_related("stage_type", "project").get(project=project, stage_type__code=code)


def finish(world, project, code, on="2025-02-12"):
    return services.finish_stage(actor=world["officer"], stage=stage(project, code), finished_on=f.date(on))


def options_of(html) -> list[str]:
    return re.findall(r'<option value="(\d+)"', html)


def select_of(html, name) -> str:
    return html.split(f'name="{name}"')[1].split("</select>")[0]


# --- reopening a stage --------------------------------------------------------------------------


def test_manager_reopens_a_finished_stage_with_a_reason(world, pages):
    project = world["anting_project"]
    admission = finish(world, project, "admission")
    url = f"/projects/{project.pk}/stages/{admission.pk}/reopen/"
    client = pages["town_manager"]
    assert f'action="{url}"' in html_of(client.get(f"/projects/{project.pk}/"))

    response = client.post(url, {f"reopen{admission.pk}-reason": "  "})
    assert response.status_code == 200
    assert "重新打开阶段必须说明原因。" in html_of(response)
    assert stage(project, "admission").status == ProjectStage.Status.DONE

    response = client.post(url, {f"reopen{admission.pk}-reason": "评估材料有误，需重新评估"})
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#stage-admission"
    reopened = stage(project, "admission")
    assert reopened.status == ProjectStage.Status.IN_PROGRESS and reopened.finished_on is None
    assert reopened.reopen_reason == "评估材料有误，需重新评估"
    assert reopened.history.first().history_user == world["town_manager"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "阶段“准入评估”已重新打开。" in html and "重新打开原因：评估材料有误，需重新评估" in html

    # Reopening an open stage: the service's refusal is shown on the page, the typed reason kept.
    response = client.post(url, {f"reopen{admission.pk}-reason": "再次打开"})
    assert response.status_code == 200
    html = html_of(response)
    assert "阶段“准入评估”尚未完成或跳过，无需重新打开。" in html and 'value="再次打开"' in html


# --- reassigning and transferring -----------------------------------------------------------------


def test_manager_reassigns_the_officer_and_transfers_the_leading_unit(world, pages):
    project = world["anting_project"]
    newcomer = f.user("officer_new", org_unit=world["anting"], display_name="王新")
    client = pages["manager"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "更换招商专员" in html and "移交牵头单位" in html
    assert f'<option value="{world["officer"].pk}" selected>' in select_of(html, "reassign-officer")
    assert world["nanxiang"].name in select_of(html, "transfer-leading_unit")

    response = client.post(
        f"/projects/{project.pk}/reassign/", {"reassign-officer": newcomer.pk, "reassign-reason": "原专员调岗"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.officer == newcomer
    assert project.history.first().history_change_reason == "改派：officer_a → 王新（原专员调岗）"
    assert stage(project, "registration").owner == newcomer  # open stages follow the officer
    assert "招商专员已更换为 王新。" in html_of(client.get(f"/projects/{project.pk}/"))

    response = client.post(
        f"/projects/{project.pk}/transfer/",
        {"transfer-leading_unit": world["nanxiang"].pk, "transfer-reason": "项目迁址南翔"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.leading_unit == world["nanxiang"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "项目已移交至 南翔镇 牵头。" in html and "转办：安亭镇 → 南翔镇（项目迁址南翔）" in html


def test_reassign_and_transfer_show_errors_and_keep_the_input(world, pages):
    project = world["anting_project"]
    admin = f.user("admin_x", role=Role.ADMIN, org_unit=None)
    client = pages["manager"]

    response = client.post(
        f"/projects/{project.pk}/reassign/", {"reassign-officer": admin.pk, "reassign-reason": "试试管理员"}
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "只能改派给在职的招商专员或管理人员。" in html and 'value="试试管理员"' in html
    response = client.post(f"/projects/{project.pk}/reassign/", {"reassign-officer": world["ent_user"].pk})
    assert "选择一个有效的选项" in html_of(response)

    response = client.post(f"/projects/{project.pk}/transfer/", {"transfer-reason": "未选单位"})
    assert response.status_code == 200
    html = html_of(response)
    assert "请选择新的牵头单位。" in html and 'value="未选单位"' in html
    project.refresh_from_db()
    assert project.officer == world["officer"] and project.leading_unit == world["anting"]


def test_officer_sees_no_manager_forms_and_gets_403_posting_them(world, pages):
    project = world["anting_project"]
    admission = finish(world, project, "admission")
    html = html_of(pages["officer"].get(f"/projects/{project.pk}/"))
    assert "/reopen/" not in html and "/reassign/" not in html and "/transfer/" not in html
    assert "更换招商专员" not in html and "移交牵头单位" not in html

    posts = {
        f"/projects/{project.pk}/stages/{admission.pk}/reopen/": {f"reopen{admission.pk}-reason": "想改"},
        f"/projects/{project.pk}/reassign/": {"reassign-officer": world["officer"].pk},
        f"/projects/{project.pk}/transfer/": {"transfer-leading_unit": world["nanxiang"].pk},
    }
    for url, data in posts.items():
        response = pages["officer"].post(url, data)
        assert response.status_code == 403, url
        assert pages["other_officer"].post(url, data).status_code == 404, url
        assert pages["ent_user"].post(url, data).status_code == 403, url
    assert "只有管理人员可以改派或转办项目。" in html_of(response)
    assert stage(project, "admission").status == ProjectStage.Status.DONE
    project.refresh_from_db()
    assert project.leading_unit == world["anting"]


# --- a stage's owner and notes --------------------------------------------------------------------


def test_staff_edit_an_open_stages_owner_and_notes(world, pages):
    project = world["anting_project"]
    colleague = f.user("officer_b", org_unit=world["anting"], display_name="李同事")
    registration = stage(project, "registration")
    client = pages["officer"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    open_stages = ProjectStage.objects.filter(
        project=project, status__in=[ProjectStage.Status.PENDING, ProjectStage.Status.IN_PROGRESS]
    )
    assert html.count("修改负责人和备注") == open_stages.count()
    assert '<details class="small mt-1">' in html  # folded away

    url = f"/projects/{project.pk}/stages/{registration.pk}/edit/"
    prefix = f"stage{registration.pk}"
    response = client.post(url, {f"{prefix}-owner": world["ent_user"].pk, f"{prefix}-notes": "等待工商核名"})
    assert response.status_code == 200
    html = html_of(response)
    assert "选择一个有效的选项" in html and "等待工商核名" in html
    assert '<details class="small mt-1" open>' in html

    response = client.post(url, {f"{prefix}-owner": colleague.pk, f"{prefix}-notes": "等待工商核名"})
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#stage-registration"
    saved = stage(project, "registration")
    assert saved.owner == colleague and saved.notes == "等待工商核名"
    assert saved.history.first().history_user == world["officer"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "阶段“注册落地”已保存。" in html and "负责人 李同事" in html

    assert pages["other_officer"].post(url, {f"{prefix}-notes": "x"}).status_code == 404
    assert pages["ent_user"].post(url, {f"{prefix}-notes": "x"}).status_code == 403


# --- land-use commitment ------------------------------------------------------------------------


def land_data(**changes):
    data = {
        "land-contract_no": "沪嘉规土（2025）出让合同第12号",
        "land-handed_over_on": "2025-03-03",
        "land-start_within_months": "6",
        "land-complete_within_months": "24",
        "land-production_within_months": "",
        "land-full_production_within_months": "",
        "land-committed_investment_intensity": "400",
        "land-committed_output_per_mu": "500",
        "land-committed_tax_per_mu": "30",
    }
    data.update(changes)
    return data


@mock.patch("django.utils.timezone.localdate", return_value=f.date("2025-10-01"))
def test_land_commitment_create_edit_actuals_and_gaps(_today, world, pages):
    project = world["anting_project"]
    services.update_project(
        actor=world["officer"], project=project, land_area=Decimal("40"), land_supply_mode="transfer"
    )
    client = pages["officer"]
    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "土地履约" in html and "登记用地承诺" in html and "尚未登记土地出让合同的承诺" in html

    response = client.post(f"/projects/{project.pk}/land/", land_data(**{"land-start_within_months": "700"}))
    assert response.status_code == 200
    html = html_of(response)
    assert "约定期限不能超过 600 个月。" in html and 'value="700"' in html
    assert not LandCommitment.objects.filter(project=project).exists()

    response = client.post(f"/projects/{project.pk}/land/", land_data())
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#land"
    commitment = LandCommitment.objects.get(project=project)
    assert commitment.start_within_months == 6 and commitment.committed_output_per_mu == Decimal("500")

    response = client.post(f"/projects/{project.pk}/land/", land_data(**{"land-contract_no": "补充协议第3号"}))
    assert response.status_code == 302
    assert LandCommitment.objects.get(project=project).contract_no == "补充协议第3号"
    assert LandCommitment.objects.count() == 1

    actual_url = f"/projects/{project.pk}/land/actuals/"
    response = client.post(actual_url, {"actual-year": "2024", "actual-output": "10000", "actual-tax": "600"})
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#land"
    assert LandYearlyActual.objects.get(commitment=commitment).tax == Decimal("600")
    assert "2024 年度实绩已登记。" in html_of(client.get(response.url))
    response = client.post(actual_url, {"actual-year": "2024", "actual-output": "1"})
    assert "2024 年度的实绩已经登记，请修改该年度的记录。" in html_of(response)
    response = client.post(actual_url, {"actual-year": "2026", "actual-output": "12345"})
    assert "不能登记未来年度的实绩。" in html_of(response) and 'value="12345"' in html_of(response)

    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "未达承诺" in html
    # 10,000 万元 ÷ 40 亩 = 250 per 亩 against 500 committed; tax 600 ÷ 40 = 15 against 30.
    assert re.search(r'data-gap="output">-250(\.00)?<', html) and re.search(r'data-gap="tax">-15(\.00)?<', html)
    milestones = html.split('id="land-milestones"')[1].split("</table>")[0]
    assert "2025-09-03" in milestones and "已逾期" in milestones  # 交地 03-03 + 6 months, not started
    assert "2027-03-03" in milestones and "未到期" in milestones  # completion within 24 months
    actuals = html.split('id="land-actuals"')[1].split("</table>")[0]
    assert "2024" in actuals and "250" in actuals

    assert pages["other_officer"].post(f"/projects/{project.pk}/land/", land_data()).status_code == 404
    assert pages["ent_user"].post(actual_url, {"actual-year": "2023"}).status_code == 403


def test_land_commitment_is_refused_for_leased_land(world, pages):
    project = world["anting_project"]
    services.update_project(actor=world["officer"], project=project, land_supply_mode="lease")
    html = html_of(pages["officer"].get(f"/projects/{project.pk}/"))
    assert "供地方式为“租赁”，没有土地出让合同的承诺。" in html and "登记用地承诺" not in html
    response = pages["officer"].post(f"/projects/{project.pk}/land/", land_data())
    assert response.status_code == 200
    assert "只有出让或先租后让用地的项目才有土地出让合同的承诺。" in html_of(response)
    # No commitment: nowhere to add a yearly actual.
    assert pages["officer"].post(f"/projects/{project.pk}/land/actuals/", {"actual-year": "2024"}).status_code == 404


def land_contract(world, project, actor):
    services.update_project(actor=actor, project=project, land_area=Decimal("40"), land_supply_mode="transfer")
    return services.create_land_commitment(
        actor=actor, project=project, handed_over_on=f.date("2023-03-03"), committed_tax_per_mu=Decimal("30")
    )


def test_staff_correct_a_yearly_actual_in_its_row(world, pages):
    project = world["anting_project"]
    commitment = land_contract(world, project, world["officer"])
    first, second = (
        services.add_land_actual(actor=world["officer"], commitment=commitment, year=year, output=Decimal("8000"))
        for year in (2023, 2024)
    )
    client = pages["officer"]
    url = f"/projects/{project.pk}/land/actuals/{second.pk}/"
    html = html_of(client.get(f"/projects/{project.pk}/"))
    actuals = html.split('id="land-actuals"')[1].split("</table>")[0]
    assert actuals.count("<details>") == 2 and f'action="{url}"' in actuals
    for actual in (first, second):  # each row's form has its own ids, and its labels point at them
        assert f'<label class="form-label" for="id_actual{actual.pk}-output">' in actuals
        assert f'id="id_actual{actual.pk}-output"' in actuals
    assert 'value="8000.00"' in actuals  # the form starts from the stored values

    response = client.post(url, {f"actual{second.pk}-year": "2023", f"actual{second.pk}-output": "9500"})
    assert response.status_code == 200
    html = html_of(response)
    assert "2023 年度的实绩已经登记，请修改该年度的记录。" in html
    row = html.split(f'id="land-actual-{second.pk}"')[1].split("</tr>")[0]
    assert "<details open>" in row and 'value="9500"' in row and 'value="2023"' in row
    response = client.post(url, {f"actual{second.pk}-year": "2024", f"actual{second.pk}-output": "很多"})
    assert response.status_code == 200 and "输入一个数字。" in html_of(response)
    assert 'value="很多"' in html_of(response)
    second.refresh_from_db()
    assert second.year == 2024 and second.output == Decimal("8000")

    data = {f"actual{second.pk}-year": "2024", f"actual{second.pk}-output": "9500", f"actual{second.pk}-tax": "320"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#land"
    second.refresh_from_db()
    assert (second.output, second.tax, second.jobs) == (Decimal("9500"), Decimal("320"), None)
    assert second.history.first().history_user == world["officer"]
    html = html_of(client.get(response.url))
    assert "2024 年度实绩已保存。" in html
    assert re.search(r'data-gap="tax">-22(\.00)?<', html)  # 320 ÷ 40 亩 = 8 against the committed 30

    # Another town's officer does not see the project; an actual of another project is not found here.
    assert pages["other_officer"].post(url, data).status_code == 404
    elsewhere = land_contract(world, world["nanxiang_project"], world["other_officer"])
    theirs = services.add_land_actual(actor=world["other_officer"], commitment=elsewhere, year=2024)
    assert client.post(f"/projects/{project.pk}/land/actuals/{theirs.pk}/", data).status_code == 404
    assert pages["ent_user"].post(url, data).status_code == 403
    second.refresh_from_db()
    assert second.output == Decimal("9500")


def test_manager_project_page_query_count_is_bounded(world, pages):
    project = world["anting_project"]
    services.update_project(
        actor=world["officer"], project=project, land_area=Decimal("40"), land_supply_mode="transfer"
    )
    commitment = services.create_land_commitment(
        actor=world["officer"], project=project, handed_over_on=f.date("2025-03-03"), start_within_months=6
    )
    finish(world, project, "admission")
    url = f"/projects/{project.pk}/"

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = pages["manager"].get(url)
        assert response.status_code == 200
        return len(captured), html_of(response)

    few, html = count()
    assert "/reopen/" in html and "/reassign/" in html and "/transfer/" in html and "登记年度实绩" in html
    for year in range(2015, 2025):
        services.add_land_actual(actor=world["officer"], commitment=commitment, year=year, output=Decimal(year))
    for _ in range(8):
        f.user(org_unit=world["anting"])
    finish(world, project, "registration", on="2025-02-20")
    many, html = count()
    assert few == many <= MANAGER_DETAIL_QUERIES, (few, many)
    assert html.count(f"/projects/{project.pk}/land/actuals/") == 11  # the add form and one form per year
    assert html.count("/reopen/") == 4  # 洽谈, 签约, 准入评估 and 注册落地


# --- investor search ------------------------------------------------------------------------------


def test_enterprise_options_search_only_visible_enterprises(world, pages, django_assert_max_num_queries):
    for i in range(55):
        f.enterprise(f"安亭检索测试{i:02d}有限公司", town=world["anting"])
    url = "/projects/enterprise-options/"

    with django_assert_max_num_queries(OPTIONS_QUERIES):
        response = pages["officer"].get(url, {"q": "安亭样例"})
    assert response.status_code == 200
    assert f'<option value="{world["enterprise"].pk}">安亭样例汽车零部件有限公司</option>' in html_of(response)
    assert options_of(html_of(pages["officer"].get(url, {"q": "91310114570796872f"}))) == [
        str(world["enterprise"].pk)
    ]  # the USCC, typed in lower case

    with django_assert_max_num_queries(OPTIONS_QUERIES):
        html = html_of(pages["officer"].get(url, {"q": "检索测试"}))
    assert len(options_of(html)) == 50  # capped

    # The chosen enterprise stays, selected, whatever the search.
    html = html_of(pages["officer"].get(url, {"q": "不存在的企业", "enterprise": world["enterprise"].pk}))
    assert options_of(html) == [str(world["enterprise"].pk)]
    assert f'<option value="{world["enterprise"].pk}" selected>' in html
    assert "没有名称或信用代码含" not in html
    assert "没有名称或信用代码含“不存在的企业”的企业" in html_of(pages["officer"].get(url, {"q": "不存在的企业"}))
    assert pages["officer"].get(url, {"q": "x", "enterprise": "abc"}).status_code == 200

    # Another town's officer gets none of 安亭镇's enterprises, even asking for one by id.
    html = html_of(pages["other_officer"].get(url, {"q": "安亭", "enterprise": world["enterprise"].pk}))
    assert options_of(html) == []
    assert pages["ent_user"].get(url, {"q": "安亭"}).status_code == 403
    assert Client().get(url).status_code == 302


def test_project_form_lists_a_few_investors_and_accepts_any_visible_one(world, pages):
    for i in range(55):
        f.enterprise(f"安亭表单测试{i:02d}有限公司", town=world["anting"])
    last = f.enterprise("鑫安亭末位精密有限公司", town=world["anting"])  # sorts after the others
    project = world["anting_project"]
    services.update_project(actor=world["officer"], project=project, enterprise=last)
    client = pages["officer"]

    html = html_of(client.get("/projects/new/"))
    assert 'hx-get="/projects/enterprise-options/"' in html and 'hx-target="#id_enterprise"' in html
    assert len(options_of(select_of(html, "enterprise"))) == 50

    html = html_of(client.get(f"/projects/{project.pk}/edit/"))
    investors = select_of(html, "enterprise")
    assert f'<option value="{last.pk}" selected>' in investors and len(options_of(investors)) == 51

    data = {
        "name": "末位投资方项目",
        "enterprise": last.pk,
        "town": world["anting"].pk,
        "leading_unit": world["anting"].pk,
        "source": "chain",
        "priority": "key",
        "status": "active",
        "officer": world["officer"].pk,
        "total_investment": "3000",
    }
    response = client.post("/projects/new/", data)
    assert response.status_code == 302
    assert Project.objects.get(name="末位投资方项目").enterprise == last
    # A bound form keeps the typed choice in the select, even when it is not among the first ones.
    html = html_of(client.post("/projects/new/", {**data, "name": ""}))
    assert f'<option value="{last.pk}" selected>' in select_of(html, "enterprise")
    nanxiang_enterprise = world["nanxiang_project"].enterprise
    html = html_of(client.post("/projects/new/", {**data, "enterprise": nanxiang_enterprise.pk}))
    assert "选择一个有效的选项" in html
