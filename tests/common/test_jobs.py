"""Background job rows: one claim at a time, a lost claim cannot finish, and no job retries forever."""

import datetime as dt

import pytest
from django.utils import timezone

from common import jobs
from exports.models import ExportJob
from exports.tasks import run_export
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return ExportJob.objects.create(requested_by=f.user("officer_a"), kind="projects")


def test_only_one_worker_claims_a_job_and_a_lost_claim_cannot_finish_it(job, settings):
    first = jobs.claim(ExportJob, job.pk)
    assert first is not None and jobs.claim(ExportJob, job.pk) is None
    # The first worker stops reporting; after the stale time another takes the job over.
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=600))
    second = jobs.claim(ExportJob, job.pk)
    assert second is not None and second.claim != first.claim
    assert jobs.heartbeat(first) is False
    assert jobs.finish(first, row_count=1) is False
    assert jobs.finish(second, row_count=2) is True
    job.refresh_from_db()
    assert (job.state, job.row_count, job.attempts) == ("done", 2, 2)


def test_a_job_whose_worker_keeps_dying_fails_instead_of_running_forever(job, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - dt.timedelta(seconds=600)
    ExportJob.objects.filter(pk=job.pk).update(state="running", attempts=3, heartbeat_at=long_ago)
    assert jobs.claim(ExportJob, job.pk) is None
    assert jobs.recover(ExportJob, run_export) == {"republished": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == "failed" and "多次尝试" in job.error
