"""The export job under a real worker's conditions: redelivery, a lost claim, failures, cleanup."""

import datetime
import io
import logging
import os

import pytest
from django.utils import timezone

from common import jobs
from exports import tasks, writer
from exports.models import ExportJob
from exports.services import export_directly, request_export

from .conftest import PROJECTS, data_rows, in_anting, run, sheet_of


def files_under(media):
    return sorted(p.relative_to(media).as_posix() for p in (media / "exports").rglob("*") if p.is_file())


def steal(job_id):
    """Another worker takes the job over: this one's heartbeat is old, so the job is claimed anew."""
    ExportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    return jobs.claim(ExportJob, job_id)


def test_progress_is_reported_after_every_chunk(ex, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_SIZE", 5)
    beats = []
    real = jobs.heartbeat
    monkeypatch.setattr(tasks, "heartbeat", lambda job, progress: beats.append(progress) or real(job, progress))
    job = run(request_export(actor=ex["manager"], kind="projects", filters={}))
    assert job.state == "done" and job.row_count == PROJECTS == 16
    assert beats == [31, 62, 93]


def test_a_redelivered_message_after_finish_does_nothing(ex, media):
    job = run(request_export(actor=ex["officer"], kind="projects", filters={}))
    before = files_under(media)
    assert job.state == "done" and len(before) == 1
    run(job)
    again = ExportJob.objects.get(pk=job.pk)
    assert files_under(media) == before
    assert (again.file.name, again.finished_at, again.attempts, again.claim) == (
        job.file.name,
        job.finished_at,
        job.attempts,
        job.claim,
    )


def test_a_run_that_loses_its_claim_midway_stops_and_leaves_no_file(ex, media, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_SIZE", 5)
    job = request_export(actor=ex["manager"], kind="projects", filters={})
    stolen = {}
    real = jobs.heartbeat

    def heartbeat(current, progress):
        if not stolen:
            stolen["job"] = steal(current.pk)
        return real(current, progress)

    monkeypatch.setattr(tasks, "heartbeat", heartbeat)
    after = run(job)
    assert after.state == "running" and after.claim == stolen["job"].claim
    assert not after.file and after.row_count is None
    assert files_under(media) == []  # the half-written file (.part) is gone too


def test_a_run_that_lost_its_claim_before_finishing_neither_finishes_nor_keeps_its_file(ex, media, monkeypatch):
    job = request_export(actor=ex["manager"], kind="projects", filters={})
    real_finish = jobs.finish
    outcome = {}

    def finish(current, **fields):
        outcome["other"] = steal(current.pk)
        outcome["finished"] = real_finish(current, **fields)
        return outcome["finished"]

    monkeypatch.setattr(tasks, "finish", finish)
    after = run(job)
    assert outcome["finished"] is False
    assert after.state == "running" and after.claim == outcome["other"].claim and not after.file
    assert files_under(media) == []
    # The run that holds the job writes and finishes it.
    monkeypatch.setattr(tasks, "finish", real_finish)
    monkeypatch.setattr(tasks, "claim", lambda model, pk: outcome["other"])
    done = run(job)
    assert done.state == "done" and files_under(media) == [done.file.name]
    assert outcome["other"].claim.hex in done.file.name


def test_filters_no_longer_valid_fail_the_job_with_a_chinese_message(ex, media):
    job = ExportJob.objects.create(requested_by=ex["officer"], kind="projects", filters={"town": "999999"})
    after = run(job)
    assert after.state == "failed" and after.finished_at
    assert after.error.startswith("筛选条件已失效") and "town" in after.error
    assert files_under(media) == []


def test_an_unexpected_error_fails_the_job_and_leaves_no_file(ex, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "write_export", broken)
    after = run(request_export(actor=ex["officer"], kind="projects", filters={}))
    assert after.state == "failed" and after.error == "导出失败：生成文件时出错，请重新发起。"
    assert files_under(media) == []


def test_scope_is_that_of_the_requester_when_the_job_runs(ex):
    job = request_export(actor=ex["officer"], kind="projects", filters={})
    moved = ex["projects"][1]
    type(moved).objects.filter(pk=moved.pk).update(town=ex["nanxiang"], leading_unit=ex["nanxiang"], officer=None)
    codes = {row[0] for row in data_rows(sheet_of(run(job)))}
    assert moved.code not in codes and len(codes) == len(in_anting(ex)) - 1


def test_every_export_is_logged_and_kept_as_a_row(ex, caplog):
    caplog.set_level(logging.INFO, logger="exports")
    job = run(request_export(actor=ex["officer"], kind="service_requests", filters={"status": "submitted"}))
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith(f"export {job.pk} by"))
    assert "ex_officer" in line and "service_requests" in line and "'status': 'submitted'" in line
    assert f"{job.row_count} rows" in line


def test_a_list_written_straight_to_the_browser_is_recorded_too(ex, caplog):
    caplog.set_level(logging.INFO, logger="exports")
    stream = io.BytesIO()
    job = export_directly(actor=ex["officer"], kind="projects", filters={"ordering": "code"}, stream=stream)
    assert stream.getvalue().startswith(b"PK")
    assert job.state == "done" and job.row_count == len(in_anting(ex)) and not job.file
    assert job.file_name.startswith("招商项目_") and job.file_name.endswith(".xlsx")
    assert any(r.getMessage().startswith(f"export {job.pk} by ex_officer") for r in caplog.records)


def test_recovery_republishes_a_lost_export(ex, monkeypatch):
    job = request_export(actor=ex["officer"], kind="projects", filters={})
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    sent = []
    monkeypatch.setattr(tasks.run_export, "apply_async", lambda args, **kwargs: sent.append(args))
    assert tasks.recover_exports() == {"republished": 1, "failed": 0}
    assert sent == [(job.pk,)]


def test_cleanup_deletes_old_exports_their_files_and_stray_files(ex, media, settings):
    settings.EXPORT_RETENTION_DAYS = 7
    old = run(request_export(actor=ex["officer"], kind="projects", filters={}))
    recent = run(request_export(actor=ex["officer"], kind="enterprises", filters={}))
    failed = ExportJob.objects.create(requested_by=ex["officer"], kind="projects", state="failed")
    pending = ExportJob.objects.create(requested_by=ex["officer"], kind="projects")
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    ExportJob.objects.filter(pk__in=[old.pk, failed.pk, pending.pk]).update(created_at=ten_days_ago)
    stray = media / "exports" / "2020" / "01" / "1-dead.xlsx.part"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"partial")
    for path in (stray, media / old.file.name):
        os.utime(path, (ten_days_ago.timestamp(), ten_days_ago.timestamp()))

    assert tasks.delete_old_exports() == {"rows": 2, "files": 2}
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert files_under(media) == [recent.file.name]


@pytest.mark.parametrize("kind", ["projects", "enterprises", "service_requests", "stages"])
def test_an_empty_list_exports_a_header_and_zero_totals(ex, kind):
    filters = {"q": "没有这样的名称"} if kind != "service_requests" else {"q": "没有这样的标题"}
    job = run(request_export(actor=ex["manager"], kind=kind, filters=filters))
    assert job.state == "done" and job.row_count == 0
    assert data_rows(sheet_of(job)) == []
