"""Background imports of large files, and the recovery of those whose message or worker was lost."""

from celery import shared_task

from common.jobs import claim, recover

from .models import ImportJob
from .runner import run_claimed


@shared_task(bind=True, acks_late=True)
def run_import(self, job_id):
    """Claim the job, import its file and finish it. A duplicated or redelivered message finds the
    job claimed or finished and does nothing; the commit and the finish are one transaction."""
    job = claim(ImportJob, job_id)
    if job is None:
        return
    run_claimed(job)


@shared_task(acks_late=True)
def recover_imports():
    return recover(ImportJob, run_import)
