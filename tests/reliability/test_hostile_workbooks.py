"""Every file of the hostile corpus, posted to POST /api/v1/imports/ as projects and as enterprises,
as a dry run and for real: refused cleanly, nothing imported, memory bounded.

A `refused` file is answered 400 with a Chinese message and leaves no row and no file behind. A
`reported` file is read and its job's report says what is wrong, in Chinese; nothing is imported,
and the only files kept are the job's own (the upload and its marked copy) under generated names.

Memory: the peak of Python's allocations (tracemalloc, which also sees zlib's and expat's buffers)
while the whole middleware stack handles the request. The request body is built before measuring,
as a server holds the upload it receives; the figure is what handling the file adds. A file that
becomes a background job is measured again while its job runs, and the larger peak is kept. The
seconds are measured under tracemalloc, which slows Python several times over: they compare the
cases with one another, not with production.
"""

import json
import re
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import ClientHandler
from knox.models import AuthToken
from rest_framework.test import APIRequestFactory

from companies.models import Enterprise
from imports.models import ImportJob
from imports.tasks import run_import
from projects.models import Project
from tests import factories as f

from . import report
from .hostile_files import CASES, REFUSED

pytestmark = pytest.mark.django_db

# What handling one file may add to the process' Python memory, whatever the file.
PEAK_LIMIT_MB = 96
CHINESE = re.compile(r"[\u4e00-\u9fff]")
GENERATED_NAME = re.compile(r"^[0-9a-f]{32}\.xlsx$|^\d+-[0-9a-f]{32}\.xlsx$")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(db, media):
    return f.user("hostile_officer", org_unit=f.unit("安亭镇"), display_name="李专员")


@pytest.fixture
def token(officer):
    return AuthToken.objects.create(officer)[1]


def measured(call):
    """(what `call` returns, the peak MB of Python allocations during it, its seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 2**20, seconds


def post(token: str, content: bytes, file_name: str, kind: str, dry_run: bool):
    """The server's handling of the upload through the whole middleware stack, measured. The body is
    built first: a server holds the upload it receives before handling it."""
    upload = SimpleUploadedFile(file_name, content, content_type="application/octet-stream")
    request = APIRequestFactory().post(
        "/api/v1/imports/",
        {"file": upload, "kind": kind, "dry_run": "true" if dry_run else "false"},
        format="multipart",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    return measured(lambda: ClientHandler(enforce_csrf_checks=False)(request.environ))


def refusal_messages(response) -> list[str]:
    body = json.loads(response.content)
    return unique(message for messages in body.values() for message in _listed(messages))


def report_messages(job: ImportJob) -> list[str]:
    return unique([issue["message"] for issue in job.errors] + [job.error])


def unique(messages) -> list[str]:
    return [message for message in dict.fromkeys(messages) if message]


def _listed(value):
    return value if isinstance(value, list) else [value]


def kept_files(media) -> list:
    return sorted(path.relative_to(media) for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "import"])
@pytest.mark.parametrize("kind", ["projects", "enterprises"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_hostile_file_is_refused_cleanly(case, kind, dry_run, officer, token, media, settings):
    for name, value in case.settings:
        setattr(settings, name, value)
    content = case.build(kind, officer)
    before = (Project.objects.count(), Enterprise.objects.count())

    response, peak_mb, seconds = post(token, content, case.file_name, kind, dry_run)
    if response.status_code == 202:
        # A large file: its job runs as the worker would run it, measured the same way.
        job_id = json.loads(response.content)["id"]
        _nothing, task_peak_mb, task_seconds = measured(lambda: run_import(job_id))
        peak_mb, seconds = max(peak_mb, task_peak_mb), seconds + task_seconds

    job = ImportJob.objects.first()
    messages = refusal_messages(response) if response.status_code == 400 else report_messages(job)
    shown = " ".join(messages)
    report(
        "hostile_workbooks",
        case=case.name,
        kind=kind,
        dry_run=dry_run,
        bytes=len(content),
        status=response.status_code,
        job=job.state if job else None,
        message=shown[:160],
        peak_mb=round(peak_mb, 1),
        seconds=round(seconds, 2),
    )
    assert (Project.objects.count(), Enterprise.objects.count()) == before, "rows were imported"
    assert case.says_for(kind) in shown and CHINESE.search(shown), (response.status_code, shown[:300])
    if case.outcome == REFUSED:
        assert response.status_code == 400
        assert job is None
        assert kept_files(media) == []
    else:
        assert response.status_code in (200, 202)
        assert ImportJob.objects.count() == 1 and job.is_finished
        assert job.created_count == job.updated_count == 0
        for path in kept_files(media):
            assert path.parts[0] == "imports" and GENERATED_NAME.match(path.name), path
    assert peak_mb < PEAK_LIMIT_MB, f"handling the file took {peak_mb:.0f} MB"
