"""Celery tasks: write an export's file, hand lost exports to a worker again, remove old exports."""

import logging
import os
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import PermissionDeniedError
from common.jobs import claim, fail, finish, heartbeat, recover

from . import services
from .filters import InvalidFilters
from .models import ExportJob
from .writer import ExportInterrupted, download_name, write_export

logger = logging.getLogger(__name__)


def stored_name(job: ExportJob) -> str:
    """Relative to MEDIA_ROOT, and carrying the run's claim: two runs of one job never share a file."""
    return f"{services.EXPORTS_DIR}/{timezone.localdate():%Y/%m}/{job.pk}-{job.claim.hex}.xlsx"


@shared_task(bind=True, acks_late=True)
def run_export(self, job_id):
    """Write export `job_id` as its requester sees the list now; a duplicated or late message does nothing."""
    job = claim(ExportJob, job_id)
    if job is None:
        return
    name = stored_name(job)
    path = Path(settings.MEDIA_ROOT) / name
    partial = path.with_name(path.name + ".part")

    def progress(done, total):
        return heartbeat(job, min(99, 100 * done // total) if total else 0)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as stream:
            rows = write_export(job.kind, job.requested_by, job.filters, stream, progress=progress)
        os.replace(partial, path)
    except ExportInterrupted:
        partial.unlink(missing_ok=True)
        logger.info("export %s: another worker holds the job now; this run stops", job.pk)
        return
    except (OperationalError, InterfaceError):
        # The database is away: the job stays running, and the recovery hands it to a worker later.
        partial.unlink(missing_ok=True)
        raise
    except InvalidFilters as error:
        partial.unlink(missing_ok=True)
        fail(job, _("筛选条件已失效：%(errors)s 请在列表中重新筛选后再导出。") % {"errors": " ".join(error.messages)})
        return
    except PermissionDeniedError as error:
        partial.unlink(missing_ok=True)
        fail(job, error.message)
        return
    except Exception:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", job.pk)
        fail(job, _("导出失败：生成文件时出错，请重新发起。"))
        return
    if not finish(job, file=name, file_name=download_name(job.kind), row_count=rows):
        # Another run was handed the job meanwhile: its file is the one that counts.
        path.unlink(missing_ok=True)
        logger.info("export %s: finished by another run; this run's file removed", job.pk)
        return
    services.log_export(job)


@shared_task(bind=True, acks_late=True)
def recover_exports(self):
    return recover(ExportJob, run_export)


@shared_task(bind=True, acks_late=True)
def delete_old_exports(self):
    return services.delete_old_exports()
