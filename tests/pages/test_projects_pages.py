"""The project pages: list, board, detail with the stage timeline, finish and skip, new and edit."""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies import services as company_services
from projects import services
from projects import views as project_views
from projects.models import AssessmentDimension, Project, ProjectDocument, ProjectStage
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST_QUERIES = 13
BOARD_QUERIES = 13
DETAIL_QUERIES = 18
FORM_QUERIES = 11


def html_of(response) -> str:
    return response.content.decode()


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def anting_projects(world, count, **fields):
    fields.setdefault("leading_unit", world["anting"])
    fields.setdefault("officer", world["officer"])
    fields.setdefault("signed_on", f.date("2025-02-10"))
    return [f.project(actor=world["officer"], **fields) for _ in range(count)]


def stage(project, code) -> ProjectStage:
    return ProjectStage.objects.select_related("stage_type", "project").get(project=project, stage_type__code=code)


def codes_in_order(html) -> list[str]:
    return re.findall(r'<td class="nowrap">(JD-\d{4}-\d{4})</td>', html)


def total_cell(html) -> str:
    """The tfoot's total investment, digits only (grouping commas are the number format's business)."""
    return re.search(r"<td class=\"num\" data-total-investment>([^<]*)</td>", html).group(1).replace(",", "")


def edit_data(project, **changes) -> dict:
    """What the edit form posts for `project`, with `changes`."""
    data = {
        "name": project.name,
        "enterprise": project.enterprise_id,
        "signing_event": project.signing_event_id or "",
        "signed_on": project.signed_on.isoformat() if project.signed_on else "",
        "industry_chain": project.industry_chain_id or "",
        "town": project.town_id or "",
        "source": project.source,
        "priority": project.priority,
        "status": project.status,
        "team": [u.pk for u in project.team.all()],
        "version": project.version,
    }
    for name in (
        "total_investment",
        "fixed_asset_investment",
        "registered_capital",
        "foreign_capital",
        "funds_in_place",
        "land_area",
        "land_supply_mode",
        "expected_annual_output",
        "expected_annual_tax",
        "expected_jobs",
        "notes",
    ):
        value = getattr(project, name)
        data[name] = "" if value is None else str(value)
    data.update(changes)
    return data


# --- list -------------------------------------------------------------------------------------


def test_list_shows_the_visible_projects_with_columns_totals_and_buttons(world, pages):
    project = world["anting_project"]
    html = html_of(pages["officer"].get("/projects/"))
    assert f'href="/projects/{project.pk}/"' in html and project.code in html
    assert "安亭样例汽车零部件有限公司" in html and "准入评估" in html and "2025-01-06" in html
    assert world["nanxiang_project"].code not in html
    assert "筛选结果合计：1 个项目" in html
    assert total_cell(html) == "10000"
    assert 'name="kind" value="projects"' in html  # the export button
    assert 'href="/projects/new/"' in html and 'href="/projects/board/' in html
    assert 'name="q"' in html and 'name="stage"' in html and 'value="admission"' in html  # the filter bar


def test_list_filters_search_and_totals_cover_the_whole_filtered_list(world, pages):
    anting_projects(world, 27, total_investment=Decimal("100.50"))
    big = f.project(
        actor=world["officer"],
        name="智能传感器总部项目",
        leading_unit=world["anting"],
        total_investment=Decimal("88000"),
    )
    client = pages["officer"]

    html = html_of(client.get("/projects/?page_size=25"))
    assert "筛选结果合计：29 个项目" in html
    # 10,000 + 27 × 100.50 + 88,000: the sum of all 29 projects, not of the 25 on the page.
    assert total_cell(html) == "100713.5"
    assert len(codes_in_order(html)) == 25
    assert len(codes_in_order(html_of(client.get("/projects/?page_size=25&page=2")))) == 4

    html = html_of(client.get("/projects/?q=传感器总部"))
    assert codes_in_order(html) == [big.code] and "筛选结果合计：1 个项目" in html
    html = html_of(client.get("/projects/?q=安亭样例"))
    assert codes_in_order(html) == [world["anting_project"].code]

    html = html_of(client.get("/projects/?ordering=-total_investment"))
    assert codes_in_order(html)[:2] == [big.code, world["anting_project"].code]
    assert 'aria-sort="descending"' in html and "ordering=total_investment" in html  # the header flips

    html = html_of(client.get("/projects/?stage=negotiation"))  # no signing date: still negotiating
    assert codes_in_order(html) == [big.code]


def test_list_filters_by_status_overdue_and_town(world, pages):
    paused = anting_projects(world, 1)[0]
    services.update_project(actor=world["manager"], project=paused, status=Project.Status.PAUSED)
    late = world["anting_project"]
    ProjectStage.objects.filter(pk=stage(late, "admission").pk).update(due_on=f.date("2025-02-01"))
    client = pages["manager"]

    assert codes_in_order(html_of(client.get("/projects/?status=paused"))) == [paused.code]
    with mock.patch("django.utils.timezone.localdate", return_value=f.date("2025-02-15")):
        html = html_of(client.get("/projects/?overdue=true"))
    assert late.code in codes_in_order(html) and paused.code not in codes_in_order(html)
    assert '<span class="badge text-bg-danger">逾期</span>' in html
    html = html_of(client.get(f"/projects/?town={world['nanxiang'].pk}"))
    assert codes_in_order(html) == [world["nanxiang_project"].code]


def test_list_shows_a_bad_filter_as_a_form_error_not_a_500(world, pages):
    response = pages["officer"].get("/projects/?signed_year=abc&q=安亭")
    assert response.status_code == 200
    html = html_of(response)
    assert "部分筛选条件无效" in html and "输入一个数字" in html
    assert world["anting_project"].code in html  # the valid filters still apply


def test_list_and_board_queries_do_not_grow_with_the_rows(world, pages):
    anting_projects(world, 2)
    small = (queries_of(pages["officer"], "/projects/"), queries_of(pages["officer"], "/projects/board/"))
    anting_projects(world, 12)
    large = (queries_of(pages["officer"], "/projects/"), queries_of(pages["officer"], "/projects/board/"))
    assert small == large, (small, large)
    assert large[0] <= LIST_QUERIES and large[1] <= BOARD_QUERIES, large


def test_list_query_count_is_bounded(world, pages, django_assert_max_num_queries):
    anting_projects(world, 15)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert pages["officer"].get("/projects/?ordering=stage&status=active").status_code == 200


# --- board ------------------------------------------------------------------------------------


def test_board_shows_projects_by_stage_with_counts_and_a_cap(world, pages, monkeypatch):
    monkeypatch.setattr(project_views, "BOARD_CARDS_PER_COLUMN", 2)
    anting_projects(world, 3)  # signed: at 准入评估 with the world's Anting project
    unsigned = anting_projects(world, 1, signed_on=None)[0]
    html = html_of(pages["officer"].get("/projects/board/"))
    columns = re.findall(r'id="column-(\w+)"', html)
    assert columns[:4] == ["negotiation", "signing", "admission", "registration"]
    admission = html.split('id="column-admission"')[1].split("</section>")[0]
    assert 'data-count="4"' in admission
    assert admission.count('class="card shadow-sm') == 2
    assert "还有 2 个，在列表中查看" in admission and "stage=admission" in admission
    negotiation = html.split('id="column-negotiation"')[1].split("</section>")[0]
    assert unsigned.name in negotiation and 'data-count="1"' in negotiation
    assert world["nanxiang_project"].name not in html


def test_board_uses_the_list_filters(world, pages, django_assert_max_num_queries):
    anting_projects(world, 2, priority=Project.Priority.MAJOR)
    with django_assert_max_num_queries(BOARD_QUERIES):
        html = html_of(pages["officer"].get("/projects/board/?priority=major"))
    admission = html.split('id="column-admission"')[1].split("</section>")[0]
    assert 'data-count="2"' in admission and world["anting_project"].name not in html

    small, big = (
        anting_projects(world, 2, total_investment=Decimal("1")),
        f.project(
            actor=world["officer"], leading_unit=world["anting"], signed_on=f.date("2025-02-10"), total_investment=90000
        ),
    )
    for ordering, first in (("-total_investment", big), ("total_investment", small[0])):
        html = html_of(pages["officer"].get(f"/projects/board/?ordering={ordering}"))
        admission = html.split('id="column-admission"')[1]
        assert admission.index(first.name) < admission.index(world["anting_project"].name)
    assert pages["officer"].get("/projects/board/?ordering=stage").status_code == 200


# --- detail -----------------------------------------------------------------------------------


def test_detail_shows_facts_timeline_and_working_day_figures(world, pages, django_assert_max_num_queries):
    project = world["anting_project"]
    admission = stage(project, "admission")
    services.finish_stage(actor=world["officer"], stage=admission, finished_on=f.date("2025-02-12"))
    # Due Friday 2025-02-07, finished Wednesday 02-12: the Saturday 02-08 was a working day (调休),
    # so 4 working days late, where Monday-to-Friday would say 3.
    ProjectStage.objects.filter(pk=admission.pk).update(due_on=f.date("2025-02-07"))
    # Open stage due Thursday 2025-10-09, seen on Friday 09-26: Sunday 09-28 works, 10-01..08 are holidays.
    ProjectStage.objects.filter(pk=stage(project, "registration").pk).update(due_on=f.date("2025-10-09"))
    with (
        mock.patch("django.utils.timezone.localdate", return_value=f.date("2025-09-26")),
        django_assert_max_num_queries(DETAIL_QUERIES),
    ):
        response = pages["officer"].get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    html = html_of(response)
    assert "1 亿元" in html  # 10,000 万元
    assert re.search(r"6,?000 万元", html) and "安亭镇" in html and "汽车" in html
    assert "逾期 4 个工作日完成" in html
    assert "剩 4 个工作日" in html
    timeline = html.split('class="timeline')[1].split("</ol>")[0]
    assert timeline.index("洽谈") < timeline.index("准入评估") < timeline.index("达产")
    assert "推进当前阶段：注册落地" in html
    assert "变更记录" in html and "完成阶段" in html and "officer_a" in html


def assess_and_visit(world, project, n):
    dimensions = list(AssessmentDimension.objects.order_by("order")[:3])
    for i in range(n):
        services.create_assessment(
            actor=world["officer"],
            project=project,
            assessed_on=f.date("2025-01-20"),
            conclusion="recommended",
            scores=[{"dimension": d, "score": Decimal(8)} for d in dimensions],
        )
        company_services.record_visit(
            actor=world["officer"], enterprise=project.enterprise, visited_on=f.date("2025-01-15"), topic=f"走访{i}"
        )
        services.update_project(actor=world["officer"], project=project, notes=f"第{i}次修改")
        project.refresh_from_db()


def test_detail_shows_overdue_open_stage_and_counts_do_not_grow(world, pages):
    project = world["anting_project"]
    with mock.patch("django.utils.timezone.localdate", return_value=f.date("2025-10-09")):
        assess_and_visit(world, project, 1)
        ProjectStage.objects.filter(pk=stage(project, "admission").pk).update(due_on=f.date("2025-09-30"))
        html = html_of(pages["officer"].get(f"/projects/{project.pk}/"))
        few = queries_of(pages["officer"], f"/projects/{project.pk}/")
        assess_and_visit(world, project, 6)
        many = queries_of(pages["officer"], f"/projects/{project.pk}/")
    # After Tuesday 09-30 come the National Day holidays (10-01..08); Thursday 10-09 is the first late day.
    assert "逾期 1 个工作日" in html and '<li class="overdue"' in html
    assert "24.00 / 30.00" in html and "建议准入" in html  # weighted score of three dimensions of weight 1
    assert "走访0" in html
    assert few == many and many <= DETAIL_QUERIES, (few, many)


def test_detail_for_other_towns_officer_is_404_and_enterprise_user_403(world, pages):
    project = world["anting_project"]
    admission = stage(project, "admission")
    for url in (f"/projects/{project.pk}/", f"/projects/{project.pk}/edit/"):
        assert pages["other_officer"].get(url).status_code == 404
    response = pages["other_officer"].post(
        f"/projects/{project.pk}/stages/{admission.pk}/finish/", {"finish-finished_on": "2025-02-01"}
    )
    assert response.status_code == 404
    for url in ("/projects/", "/projects/board/", "/projects/new/", f"/projects/{project.pk}/"):
        assert pages["ent_user"].get(url).status_code == 403
    assert pages["ent_user"].post(f"/projects/{project.pk}/stages/{admission.pk}/skip/").status_code == 403
    assert pages["town_manager"].get(f"/projects/{project.pk}/").status_code == 200


# --- finishing and skipping stages ------------------------------------------------------------


def test_finish_with_missing_facts_names_them_then_succeeds_after_the_edit(world, pages):
    client = pages["officer"]
    project = anting_projects(world, 1, fixed_asset_investment=None)[0]
    admission = stage(project, "admission")
    url = f"/projects/{project.pk}/stages/{admission.pk}/finish/"

    response = client.post(url, {"finish-finished_on": "2025-03-05", "finish-notes": "评估会通过"})
    assert response.status_code == 200
    html = html_of(response)
    assert "阶段“准入评估”还缺少以下信息，不能完成：固定资产投资（万元）。" in html
    assert 'value="2025-03-05"' in html and "评估会通过" in html  # the typed values stay
    assert f'href="/projects/{project.pk}/edit/#field-fixed_asset_investment"' in html
    assert stage(project, "admission").status != ProjectStage.Status.DONE

    response = client.post(f"/projects/{project.pk}/edit/", edit_data(project, fixed_asset_investment="8000"))
    assert response.status_code == 302

    response = client.post(url, {"finish-finished_on": "2025-03-05", "finish-notes": "评估会通过"})
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/"
    done = stage(project, "admission")
    assert done.status == ProjectStage.Status.DONE and done.finished_on == f.date("2025-03-05")
    assert done.notes == "评估会通过"
    assert stage(project, "registration").status == ProjectStage.Status.IN_PROGRESS
    html = html_of(client.get(response.url))
    assert "阶段“准入评估”已完成。" in html and "推进当前阶段：注册落地" in html


def test_finish_refuses_a_future_date_with_the_services_message(world, pages):
    project = world["anting_project"]
    admission = stage(project, "admission")
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = pages["officer"].post(
        f"/projects/{project.pk}/stages/{admission.pk}/finish/", {"finish-finished_on": future}
    )
    assert response.status_code == 200
    assert "完成日期不能晚于今天。" in html_of(response) and f'value="{future}"' in html_of(response)


def test_skip_needs_a_reason(world, pages):
    project = world["anting_project"]
    admission = stage(project, "admission")
    url = f"/projects/{project.pk}/stages/{admission.pk}/skip/"
    response = pages["officer"].post(url, {"skip-reason": "  "})
    assert response.status_code == 200 and "跳过阶段必须说明原因。" in html_of(response)
    assert stage(project, "admission").status != ProjectStage.Status.SKIPPED

    response = pages["officer"].post(url, {"skip-reason": "已在区级联审中完成"})
    assert response.status_code == 302
    skipped = stage(project, "admission")
    assert skipped.status == ProjectStage.Status.SKIPPED and skipped.skip_reason == "已在区级联审中完成"
    html = html_of(pages["officer"].get(f"/projects/{project.pk}/"))
    assert "跳过原因：已在区级联审中完成" in html and "跳过阶段：已在区级联审中完成" in html  # timeline and history


def test_upload_and_download_a_document(world, pages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = world["anting_project"]
    upload = SimpleUploadedFile("投资协议.txt", "协议正文".encode(), content_type="text/plain")
    response = pages["officer"].post(
        f"/projects/{project.pk}/documents/", {"doc-kind": "contract", "doc-title": "", "doc-file": upload}
    )
    assert response.status_code == 302
    document = ProjectDocument.objects.get(project=project)
    assert document.title == "投资协议.txt" and document.uploaded_by == world["officer"]
    html = html_of(pages["officer"].get(f"/projects/{project.pk}/"))
    assert f'href="/projects/{project.pk}/documents/{document.pk}/"' in html and "合同协议" in html
    download = pages["officer"].get(f"/projects/{project.pk}/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).decode() == "协议正文"
    assert pages["other_officer"].get(f"/projects/{project.pk}/documents/{document.pk}/").status_code == 404

    bad = SimpleUploadedFile("run.exe", b"MZ....", content_type="application/octet-stream")
    response = pages["officer"].post(f"/projects/{project.pk}/documents/", {"doc-kind": "other", "doc-file": bad})
    assert response.status_code == 200 and "不支持的文件类型“exe”" in html_of(response)


# --- create and edit --------------------------------------------------------------------------


def test_create_keeps_the_input_on_error_then_succeeds(world, pages):
    client = pages["officer"]
    page = html_of(client.get("/projects/new/"))
    assert "新建项目" in page and f'<option value="{world["officer"].pk}" selected>' in page
    assert world["nanxiang"].name not in page.split('name="leading_unit"')[1].split("</select>")[0]
    data = {
        "name": "新能源汽车电驱系统项目",
        "enterprise": world["enterprise"].pk,
        "signed_on": "2025-04-02",
        "industry_chain": world["anting_project"].industry_chain_id,
        "town": world["anting"].pk,
        "leading_unit": world["anting"].pk,
        "source": "chain",
        "priority": "key",
        "status": "active",
        "officer": world["officer"].pk,
        "total_investment": "5000",
        "fixed_asset_investment": "9000",
        "land_area": "30",
    }
    response = client.post("/projects/new/", data)
    assert response.status_code == 200
    html = html_of(response)
    assert "固定资产投资不能超过总投资。" in html
    assert 'value="新能源汽车电驱系统项目"' in html and 'value="9000"' in html
    assert not Project.objects.filter(name="新能源汽车电驱系统项目").exists()

    response = client.post("/projects/new/", {**data, "enterprise": ""})
    assert "该字段是必填项。" in html_of(response)

    response = client.post("/projects/new/", {**data, "fixed_asset_investment": "4500"})
    project = Project.objects.get(name="新能源汽车电驱系统项目")
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/"
    assert project.code.startswith("JD-2025-") and project.fixed_asset_investment == Decimal("4500")
    assert project.current_stage.code == "admission"  # signed: 洽谈 and 签约 finished on the signing date
    assert project.history.first().history_user == world["officer"]


def test_form_pages_query_counts_are_bounded(world, pages, django_assert_max_num_queries):
    project = world["anting_project"]
    for _ in range(5):
        f.enterprise(town=world["anting"])
        f.user(org_unit=world["anting"])
    for url in ("/projects/new/", f"/projects/{project.pk}/edit/"):
        with django_assert_max_num_queries(FORM_QUERIES):
            assert pages["officer"].get(url).status_code == 200


def test_create_refuses_a_unit_out_of_scope(world, pages):
    response = pages["officer"].post(
        "/projects/new/",
        {"name": "越权项目", "enterprise": world["enterprise"].pk, "leading_unit": world["nanxiang"].pk},
    )
    assert response.status_code == 200 and "选择一个有效的选项" in html_of(response)
    assert not Project.objects.filter(name="越权项目").exists()


def test_edit_saves_through_the_service_and_refuses_a_stale_copy(world, pages):
    project = world["anting_project"]
    client = pages["officer"]
    html = html_of(client.get(f"/projects/{project.pk}/edit/"))
    assert f'name="version" value="{project.version}"' in html
    assert 'name="officer"' not in html and 'name="leading_unit"' not in html
    stale = edit_data(project, total_investment="12000")

    response = client.post(
        f"/projects/{project.pk}/edit/", edit_data(project, land_area="45.5", land_supply_mode="transfer")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.land_area == Decimal("45.5") and project.land_supply_mode == "transfer" and project.version == 2

    response = client.post(f"/projects/{project.pk}/edit/", stale)
    assert response.status_code == 200
    html = html_of(response)
    assert "项目已被他人修改（当前版本 2，您的版本 1），请刷新后重试。" in html and 'value="12000"' in html
    project.refresh_from_db()
    assert project.total_investment == Decimal("10000")

    html = html_of(client.get(f"/projects/{project.pk}/"))
    assert "45.5 亩" in html and "用地面积（亩）" in html  # the history names the changed fields
