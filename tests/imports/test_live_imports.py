"""Large imports through a live Celery worker, including a worker killed in the middle of one."""

import pytest

from imports.models import ImportJob
from imports.tasks import recover_imports
from projects.models import Project
from tests.live import wait_for

from .workbooks import project_rows, upload, workbook_bytes

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def many_projects(count):
    rows = [
        [f"后台导入项目{n}", f"上海后台导入{n}号有限公司", "", f"{n},000", "汽车", "安亭镇", "2025-01-06"]
        for n in range(count)
    ]
    return workbook_bytes(project_rows(*rows))


def start(client, content):
    response = client.post("/api/v1/imports/", {"file": upload(content), "kind": "projects"}, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_a_large_import_runs_in_the_worker(live_worker, people, as_officer, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 5
    live_worker.start()
    job_id = start(as_officer, many_projects(12))
    wait_for(lambda: ImportJob.objects.filter(pk=job_id, state="done").exists(), message="import done")
    report = as_officer.get(f"/api/v1/imports/{job_id}/").json()
    assert (report["created"], report["errors"]) == (12, [])
    assert Project.objects.filter(name__startswith="后台导入项目").count() == 12


def test_a_worker_killed_in_the_middle_of_an_import_leaves_it_to_be_imported_once(
    live_worker, people, as_officer, settings
):
    settings.IMPORT_SYNC_MAX_ROWS = 5
    settings.JOB_STALE_SECONDS = 3
    # Enough rows for the worker to be caught mid-import: projects are created together, in seconds.
    rows = 3000
    live_worker.start()
    job_id = start(as_officer, many_projects(rows))
    wait_for(
        lambda: ImportJob.objects.filter(pk=job_id, state="running", progress__gt=40).exists(),
        timeout=120,
        message="the import under way",
    )
    live_worker.kill()
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "running", "the import ended before the worker was killed"
    assert Project.objects.count() == 0

    live_worker.start()

    def recovered():
        recover_imports()
        return ImportJob.objects.filter(pk=job_id, state__in=["done", "failed"]).exists()

    wait_for(recovered, timeout=300, interval=1, message="the job recovered")
    job.refresh_from_db()
    assert job.state == "done", (job.state, job.error, live_worker.log()[-2000:])
    assert job.attempts == 2 and job.created_count == rows
    assert Project.objects.filter(name__startswith="后台导入项目").count() == rows
