"""Large files go to a background job that reaches the same report; jobs are their requester's own."""

import datetime
import time
from types import SimpleNamespace

import pytest
from django.utils import timezone

from common.jobs import claim
from imports import runner
from imports.models import ImportJob
from imports.tasks import recover_imports, run_import
from projects.models import Project
from tests.api.conftest import client_for

from .workbooks import project_rows, upload, uscc, workbook_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"
REPORT_FIELDS = ("kind", "rows_read", "created", "updated", "skipped", "errors", "warnings")


def five_projects(bad_row=False):
    rows = [
        [f"批量项目{n}", f"上海批量{n}号有限公司", uscc(100 + n), f"{n},000", "汽车", "安亭镇", "2025-01-06"]
        for n in range(1, 6)
    ]
    if bad_row:
        rows[2][3] = "不详"
    return workbook_bytes(project_rows(*rows), title="批量导入")


def post(client, content, **extra):
    return client.post(URL, {"file": upload(content), "kind": "projects", **extra}, format="multipart")


def test_a_large_file_answers_202_and_the_task_reaches_the_same_report(as_officer, people, settings):
    small = post(as_officer, five_projects(), dry_run="true").json()
    settings.IMPORT_SYNC_MAX_ROWS = 3
    response = post(as_officer, five_projects())
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "pending" and Project.objects.count() == 0

    run_import(job["id"])

    report = as_officer.get(f"{URL}{job['id']}/").json()
    assert report["state"] == "done" and report["progress"] == 100
    assert {k: report[k] for k in REPORT_FIELDS} == {k: small[k] for k in REPORT_FIELDS}
    assert report["created"] == 5 and Project.objects.count() == 5
    assert report["finished_at"] is not None


def test_a_redelivered_message_does_not_import_twice(as_officer, people, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    job_id = post(as_officer, five_projects()).json()["id"]
    run_import(job_id)
    run_import(job_id)
    assert Project.objects.count() == 5


def test_a_run_that_lost_its_claim_writes_nothing(as_officer, people, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    job_id = post(as_officer, five_projects()).json()["id"]
    first = claim(ImportJob, job_id)
    # The first worker is presumed dead; recovery hands the job to a second one.
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    second = claim(ImportJob, job_id)
    assert second is not None and second.claim != first.claim

    assert runner.run(first) is False
    assert Project.objects.count() == 0
    assert runner.run(second) is True
    assert Project.objects.count() == 5
    assert ImportJob.objects.get(pk=job_id).state == "done"


def test_a_run_whose_finish_finds_another_claim_rolls_its_writes_back(as_officer, people, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    job_id = post(as_officer, five_projects()).json()["id"]
    first = claim(ImportJob, job_id)
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    claim(ImportJob, job_id)
    # The first run does not notice on the way (its heartbeats succeed) and meets the guard at the end.
    monkeypatch.setattr(runner, "heartbeat", lambda job, progress=None: True)
    assert runner.run(first) is False
    assert Project.objects.count() == 0
    assert ImportJob.objects.get(pk=job_id).state == "running"


def test_a_large_file_with_a_bad_row_writes_nothing_and_is_marked(as_officer, people, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    job_id = post(as_officer, five_projects(bad_row=True)).json()["id"]
    run_import(job_id)
    report = as_officer.get(f"{URL}{job_id}/").json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(5, "总投资(万元)*")]
    assert Project.objects.count() == 0
    assert as_officer.get(report["marked_file_url"]).status_code == 200


def test_recovery_republishes_a_lost_job(as_officer, people, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 3
    job_id = post(as_officer, five_projects()).json()["id"]
    ImportJob.objects.filter(pk=job_id).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    sent = []
    monkeypatch.setattr(run_import, "apply_async", lambda args, **kwargs: sent.append(args))
    assert recover_imports() == {"republished": 1, "failed": 0}
    assert sent == [(job_id,)]


def test_a_sync_import_is_recorded_as_a_finished_job(as_officer, people):
    job_id = post(as_officer, five_projects()).json()["id"]
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "done" and job.requested_by == people["officer"] and job.created_count == 5
    assert job.file.name.startswith("imports/")
    assert as_officer.get(f"{URL}{job_id}/").json()["created"] == 5


def test_only_the_requester_sees_the_job_and_its_marked_file(as_officer, people):
    job = post(as_officer, five_projects(bad_row=True)).json()
    for user in ("other_officer", "manager", "ent_user"):
        client = client_for(people[user])
        assert client.get(f"{URL}{job['id']}/").status_code == 404
        assert client.get(f"{URL}{job['id']}/marked/").status_code == 404
    assert client_for(people["other_officer"]).get(URL).json()["count"] == 0
    listed = as_officer.get(URL).json()
    assert [j["id"] for j in listed["results"]] == [job["id"]]


def test_a_job_without_errors_has_no_marked_file(as_officer, people):
    job = post(as_officer, five_projects()).json()
    assert job["marked_file_url"] is None
    assert as_officer.get(f"{URL}{job['id']}/marked/").status_code == 404


def test_the_heartbeat_thread_reports_progress_and_notices_a_takeover(monkeypatch, settings):
    settings.JOB_STALE_SECONDS = 0.2
    beats = []
    monkeypatch.setattr(runner, "heartbeat", lambda job, progress=None: beats.append(progress) or len(beats) < 2)
    monkeypatch.setattr(runner.Pulse, "_taken_over", lambda self: True)
    pulse = runner.Pulse(SimpleNamespace(pk=1))
    pulse.check(42)
    pulse.start()
    time.sleep(0.4)
    with pytest.raises(runner.ClaimLost):
        pulse.check(50)
    pulse.stop()
    assert beats == [42, 42]
