"""Asking for an export, writing one straight away, and removing old ones.

Every export is kept as an ExportJob row and written to the log (who, what, with which filters, how
many rows): the row and the log are the record of what left the system.
"""

import contextlib
import datetime
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.jobs import JobState, publish

from . import filters as export_filters
from .kinds import KINDS
from .models import ExportJob
from .selectors import check_can_export, export_rows
from .writer import download_name, write_export

logger = logging.getLogger(__name__)

EXPORTS_DIR = "exports"


def validated_filters(*, actor, kind: str, filters) -> dict:
    """The filters as the list reads them; PermissionDeniedError or InvalidFilters (→ 400) otherwise."""
    check_can_export(actor, kind)
    clean = export_filters.normalize(KINDS[kind].filterset_class, filters)
    export_rows(kind, actor, clean)  # the FilterSet's checks; the query itself runs in the job
    return clean


def request_export(*, actor, kind: str, filters=None) -> ExportJob:
    """Queue the export of a list: the job runs as `actor`, who alone can download the file."""
    clean = validated_filters(actor=actor, kind=kind, filters=filters or {})
    # Imported here: the task module builds on this one.
    from .tasks import run_export

    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=actor, kind=kind, filters=clean)
        publish(run_export, job.pk)
    logger.info("export %s requested by %s (id %s): %s %s", job.pk, actor.username, actor.pk, kind, clean)
    return job


def export_directly(*, actor, kind: str, filters, stream) -> ExportJob:
    """Write a (small) list to `stream` now, for a page to hand to the browser; recorded like a job."""
    clean = validated_filters(actor=actor, kind=kind, filters=filters or {})
    started = timezone.now()
    rows = write_export(kind, actor, clean, stream)
    job = ExportJob.objects.create(
        requested_by=actor,
        kind=kind,
        filters=clean,
        state=JobState.DONE,
        progress=100,
        row_count=rows,
        file_name=download_name(kind),
        started_at=started,
        finished_at=timezone.now(),
    )
    log_export(job)
    return job


def log_export(job: ExportJob):
    user = job.requested_by
    logger.info(
        "export %s by %s (id %s): %s %s, %s rows", job.pk, user.username, user.pk, job.kind, job.filters, job.row_count
    )


def delete_old_exports(now=None) -> dict:
    """Remove finished exports older than EXPORT_RETENTION_DAYS, their files, and any file left behind
    in the exports folder for as long (by a run that died between writing and finishing)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    old = ExportJob.objects.filter(created_at__lt=cutoff, state__in=[JobState.DONE, JobState.FAILED])
    files = 0
    for job in old.exclude(file="").only("pk", "file").iterator(chunk_size=500):
        job.file.delete(save=False)
        files += 1
    rows, _per_model = old.delete()
    files += _delete_stray_files(cutoff)
    if rows or files:
        logger.info("old exports removed: %d rows, %d files", rows, files)
    return {"rows": rows, "files": files}


def _delete_stray_files(cutoff) -> int:
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_DIR
    if not folder.is_dir():
        return 0
    deleted = 0
    limit = cutoff.timestamp()
    for path in sorted(folder.rglob("*"), reverse=True):  # children before their folders
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            deleted += 1
        elif path.is_dir() and path.stat().st_mtime < limit and not any(path.iterdir()):
            # An old empty folder only: a current one may be about to receive a run's file.
            with contextlib.suppress(OSError):
                os.rmdir(path)
    return deleted
