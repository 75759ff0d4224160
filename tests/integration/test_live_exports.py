"""Exports through a live Celery worker, including a worker killed in the middle of one."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from companies.models import IndustryChain
from exports.models import ExportJob
from exports.tasks import recover_exports
from projects.models import Project
from tests import factories as f
from tests.api.conftest import client_for
from tests.live import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def many_projects(count, officer, town):
    enterprise = f.enterprise("嘉定样例批量投资有限公司", town=town)
    chain = IndustryChain.objects.get(code="auto")
    Project.objects.bulk_create(
        Project(
            code=f"JD-T{number:06d}",
            name=f"批量导出测试项目{number}",
            enterprise=enterprise,
            leading_unit=town,
            town=town,
            officer=officer,
            industry_chain=chain,
            total_investment=Decimal("1234.56"),
            signed_on=f.date("2025-06-30"),
        )
        for number in range(count)
    )


def job_of(response):
    assert response.status_code == 202, response.content
    return ExportJob.objects.get(pk=response.json()["id"])


def data_codes(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    code = header.index("项目编号")
    return [row[code] for row in rows[1:] if row[code] and str(row[code]).startswith("JD-")]


def test_an_export_of_a_filtered_list_equals_the_list(live_worker):
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    officer = f.user("officer_a", org_unit=anting)
    for number in range(7):
        f.project(actor=officer, officer=officer, name=f"安亭项目{number}", total_investment=Decimal(1000 + number))
    f.project(actor=officer, leading_unit=nanxiang, town=nanxiang, name="南翔项目")
    manager = f.user("manager_d", role="manager", org_unit=f.district())
    client = client_for(manager)
    live_worker.start()

    query = {"town": anting.pk, "ordering": "-total_investment"}
    job = job_of(client.post("/api/v1/exports/", {"kind": "projects", "filters": query}, format="json"))
    wait_for(lambda: client.get(f"/api/v1/exports/{job.pk}/").json()["state"] == "done", message="export done")

    listed = [p["code"] for p in client.get("/api/v1/projects/", {**query, "page_size": 200}).json()["results"]]
    download = client.get(client.get(f"/api/v1/exports/{job.pk}/").json()["download_url"])
    assert download.status_code == 200
    assert data_codes(b"".join(download.streaming_content)) == listed
    assert len(listed) == 7


def test_a_worker_killed_in_the_middle_of_an_export_sees_the_job_finish_once_after_recovery(live_worker, settings):
    settings.JOB_STALE_SECONDS = 3
    anting = f.unit("安亭镇")
    officer = f.user("officer_a", org_unit=anting)
    many_projects(20000, officer, anting)
    client = client_for(officer)
    live_worker.start()

    job = job_of(client.post("/api/v1/exports/", {"kind": "projects", "filters": {}}, format="json"))
    wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, state="running", progress__gt=0).exists(),
        message="the export under way",
    )
    live_worker.kill()
    job.refresh_from_db()
    assert job.state == "running" and job.progress < 100, "the export ended before the worker was killed"

    live_worker.start()

    def recovered():
        recover_exports()  # what the scheduler runs every two minutes
        return ExportJob.objects.filter(pk=job.pk, state__in=["done", "failed"]).exists()

    wait_for(recovered, timeout=120, interval=1, message="the job recovered")
    job.refresh_from_db()
    assert job.state == "done", (job.state, job.error, live_worker.log()[-2000:])
    assert job.attempts == 2 and job.row_count == 20000
    finished_files = [path for path in Path(settings.MEDIA_ROOT, "exports").rglob(f"{job.pk}-*.xlsx") if path.is_file()]
    assert [path.name for path in finished_files] == [Path(job.file.name).name]
    download = client.get(f"/api/v1/exports/{job.pk}/download/")
    assert len(data_codes(b"".join(download.streaming_content))) == 20000
