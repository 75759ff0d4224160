"""The Excel pages: exporting a list (at once when small, by a job when long) and importing a workbook
(a checked dry run, its report, then the confirmed import)."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.messages import get_messages

from companies.models import IndustryChain
from exports.models import ExportJob
from imports.models import ImportJob
from projects.models import Project
from tests import factories as f
from tests.imports.workbooks import project_rows, upload, uscc, workbook_bytes

pytestmark = pytest.mark.django_db

EXPORT = "/exports/"
IMPORT = "/imports/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def sheet_rows(content: bytes) -> list[list]:
    """The data rows of an exported sheet: between the header and the totals row."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if isinstance(values[0], str) and values[0].startswith("合计"):
            break
        rows.append(dict(zip(header, values, strict=True)))
    return rows


# --- Exports ----------------------------------------------------------------------------------


@pytest.fixture
def sensors(world):
    """安亭镇 projects of the sensors chain, one more signed each week, and one in 南翔镇 (hidden from
    安亭镇's officer); the world's own projects are of the automotive chain."""
    chain = IndustryChain.objects.get(code="sensors_ic")

    def add(count, start=0):
        return [
            f.project(
                actor=world["officer"],
                name=f"传感器项目{n:02d}",
                leading_unit=world["anting"],
                officer=world["officer"],
                industry_chain=chain,
                signed_on=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=n),
                total_investment=Decimal("1000.50") + n,
            )
            for n in range(start, start + count)
        ]

    f.project(actor=world["other_officer"], leading_unit=world["nanxiang"], industry_chain=chain, name="南翔传感器项目")
    return add


def export(client, query, kind="projects", **extra):
    return client.post(EXPORT, {"kind": kind, "query": query}, **extra)


def test_a_small_filtered_list_downloads_at_once_with_the_lists_rows(
    pages, world, sensors, django_assert_max_num_queries
):
    sensors(3)
    with django_assert_max_num_queries(6):
        response = export(pages["officer"], "industry_chain=sensors_ic&page=2")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert f"filename*=utf-8''{quote('招商项目_')}" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert [row["项目名称"] for row in rows] == ["传感器项目02", "传感器项目01", "传感器项目00"]
    assert rows[0]["总投资（万元）"] == pytest.approx(1002.50)
    job = ExportJob.objects.get(requested_by=world["officer"])
    assert job.state == "done" and job.row_count == 3 and job.filters == {"industry_chain": "sensors_ic"}

    sensors(6, start=3)
    with django_assert_max_num_queries(6):
        response = export(pages["officer"], "industry_chain=sensors_ic")
    assert len(sheet_rows(response.content)) == 9


def test_several_values_of_a_filter_are_kept(pages, world, sensors):
    sensors(2)
    Project.objects.filter(name="传感器项目00").update(status=Project.Status.PAUSED)
    response = export(pages["officer"], "status=paused&status=active&industry_chain=sensors_ic")
    assert len(sheet_rows(response.content)) == 2
    assert ExportJob.objects.get().filters["status"] == ["paused", "active"]


def test_invalid_filters_go_back_to_the_list_with_a_message(pages, world):
    referer = "/projects/?colour=red"
    response = export(pages["officer"], "colour=red", HTTP_REFERER=referer)
    assert response.status_code == 302 and response["Location"] == referer
    [message] = messages_of(response)
    assert "无法导出：筛选条件有误" in message and "colour" in message
    assert not ExportJob.objects.exists()


def test_a_long_list_is_exported_by_a_job_whose_page_shows_its_progress(
    pages, world, sensors, settings, eager_tasks, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    settings.EXPORT_DIRECT_MAX_ROWS = 2
    sensors(4)
    client = pages["officer"]
    with django_capture_on_commit_callbacks() as queued:
        response = export(client, "industry_chain=sensors_ic")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"

    with django_assert_max_num_queries(4):
        page = client.get(response["Location"])
    html = page.content.decode()
    assert job.state == "pending" and "<progress" in html
    assert "产业链代码：sensors_ic" in html  # the filters, by the list's labels
    assert f'hx-get="/exports/{job.pk}/progress/"' in html and 'hx-trigger="every 1s"' in html

    for send in queued:  # the broker's message; eager mode runs the task here
        send()
    with django_assert_max_num_queries(4):
        partial = client.get(f"/exports/{job.pk}/progress/")
    html = partial.content.decode()
    assert "导出完成，共 4 行" in html and "hx-trigger" not in html and "<html" not in html
    assert f'href="/exports/{job.pk}/download/"' in html

    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert "filename*=utf-8''" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert [row["项目名称"] for row in sheet_rows(content)] == [f"传感器项目{n:02d}" for n in (3, 2, 1, 0)]


def test_a_failed_export_shows_its_error(pages, world):
    job = ExportJob.objects.create(
        requested_by=world["officer"], kind="projects", state="failed", error="筛选条件已失效：town：请重新筛选。"
    )
    html = pages["officer"].get(f"/exports/{job.pk}/").content.decode()
    assert "导出失败" in html and "筛选条件已失效" in html and "hx-trigger" not in html
    assert pages["officer"].get(f"/exports/{job.pk}/download/").status_code == 404


def test_nobody_else_sees_or_downloads_an_export(pages, world, settings):
    settings.EXPORT_DIRECT_MAX_ROWS = 0
    job_url = export(pages["officer"], "")["Location"]
    for name in ("other_officer", "manager"):
        assert pages[name].get(job_url).status_code == 404
        assert pages[name].get(job_url + "progress/").status_code == 404
        assert pages[name].get(job_url + "download/").status_code == 404


def test_enterprise_users_may_not_use_the_export_pages(pages, world, settings):
    assert export(pages["ent_user"], "").status_code == 403
    job = ExportJob.objects.create(requested_by=world["ent_user"], kind="projects")
    assert pages["ent_user"].get(f"/exports/{job.pk}/").status_code == 403
    assert ExportJob.objects.count() == 1


# --- Imports ----------------------------------------------------------------------------------


def good_rows(count=3):
    return [
        [f"页面导入项目{n}", f"上海页面导入{n}号有限公司", uscc(200 + n), f"{n},000", "汽车", "安亭镇", "2025-01-06"]
        for n in range(1, count + 1)
    ]


def post_file(client, content, kind="projects", name="签约项目.xlsx"):
    return client.post(IMPORT, {"kind": kind, "file": upload(content, name=name)})


def test_the_upload_page_offers_the_templates(pages, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = pages["officer"].get(IMPORT)
    html = response.content.decode()
    assert response.status_code == 200 and "签约项目清单" in html and "上传并校验" in html
    assert "/api/v1/imports/template/?kind=projects" in html and "/api/v1/imports/template/?kind=enterprises" in html
    assert pages["officer"].get("/api/v1/imports/template/?kind=projects")["Content-Type"] == XLSX


def test_a_file_that_is_not_a_workbook_is_refused_on_the_form(pages, world):
    response = post_file(pages["officer"], b"name,total\n", kind="enterprises", name="企业.xlsx")
    html = response.content.decode()
    assert response.status_code == 200
    assert "这不是 Excel 工作簿（.xlsx）文件" in html and 'id="field-file"' in html
    assert '<option value="enterprises" selected>' in html
    assert not ImportJob.objects.exists()


def test_a_bad_row_is_reported_with_its_row_and_nothing_is_written(pages, world, django_assert_max_num_queries):
    rows = good_rows(5)
    rows[2][3] = "不详"
    before = Project.objects.count()
    response = post_file(pages["officer"], workbook_bytes(project_rows(*rows), title="2025年签约项目"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.dry_run and job.state == "done"

    with django_assert_max_num_queries(4):
        html = pages["officer"].get(response["Location"]).content.decode()
    assert "发现 1 处错误，没有写入任何数据" in html
    errors = html[html.index('id="import-errors"') :]
    assert '<td class="num">5</td>' in errors and "总投资" in errors  # title row, header, then rows 3..7
    assert job.errors[0]["message"] in html
    assert "确认导入" not in html and f'href="/imports/{job.pk}/marked/"' in html
    assert Project.objects.count() == before

    marked = pages["officer"].get(f"/imports/{job.pk}/marked/")
    assert marked.status_code == 200 and "filename*=utf-8''" in marked["Content-Disposition"]
    assert pages["other_officer"].get(f"/imports/{job.pk}/marked/").status_code == 404

    refused = pages["officer"].post(f"/imports/{job.pk}/confirm/")
    assert "只有校验完成且没有错误的试导入才能确认导入" in messages_of(refused)[0]
    assert Project.objects.count() == before and ImportJob.objects.count() == 1


def test_a_good_file_is_imported_after_confirmation(pages, world):
    client = pages["officer"]
    before = Project.objects.count()
    dry_run = ImportJob.objects.get(
        pk=int(post_file(client, workbook_bytes(project_rows(*good_rows())))["Location"].split("/")[-2])
    )
    html = client.get(f"/imports/{dry_run.pk}/").content.decode()
    assert "校验通过，尚未写入任何数据" in html and "确认导入" in html and "将新增" in html
    assert Project.objects.count() == before

    response = client.post(f"/imports/{dry_run.pk}/confirm/")
    job = ImportJob.objects.exclude(pk=dry_run.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert not job.dry_run and job.state == "done" and job.created_count == 3
    assert Project.objects.count() == before + 3
    assert Project.objects.get(name="页面导入项目2").total_investment == Decimal("2000")
    html = client.get(response["Location"]).content.decode()
    assert "导入完成" in html and "确认导入" not in html


def test_the_report_page_does_not_grow_with_the_errors(pages, world, django_assert_max_num_queries):
    rows = good_rows(30)
    for row in rows:
        row[3] = "不详"
    job_url = post_file(pages["officer"], workbook_bytes(project_rows(*rows)))["Location"]
    with django_assert_max_num_queries(4):
        html = pages["officer"].get(job_url).content.decode()
    assert "发现 30 处错误" in html


def test_a_large_file_is_checked_by_a_job_whose_page_polls_its_progress(
    pages, world, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 2
    client = pages["officer"]
    with django_capture_on_commit_callbacks() as queued:
        job_url = post_file(client, workbook_bytes(project_rows(*good_rows(4))))["Location"]
    html = client.get(job_url).content.decode()
    assert "<progress" in html and 'hx-trigger="every 1s"' in html and f'hx-get="{job_url}progress/"' in html

    for send in queued:
        send()
    partial = client.get(job_url + "progress/").content.decode()
    assert "hx-trigger" not in partial and "校验通过" in partial and "确认导入" in partial
    assert "<html" not in partial


def test_nobody_else_sees_or_confirms_an_import(pages, world):
    job_url = post_file(pages["officer"], workbook_bytes(project_rows(*good_rows())))["Location"]
    other = pages["other_officer"]
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "progress/").status_code == 404
    assert other.post(job_url + "confirm/").status_code == 404
    assert ImportJob.objects.count() == 1


def test_enterprise_users_may_not_import(pages, world):
    client = pages["ent_user"]
    assert client.get(IMPORT).status_code == 403
    assert post_file(client, workbook_bytes(project_rows(*good_rows()))).status_code == 403
    assert not ImportJob.objects.exists()
