"""Starting an import: the checks that need no row, the job's record, then the import itself."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from common.exceptions import PermissionDeniedError, ServiceError
from common.jobs import claim, publish
from common.uploads import original_name

from . import runner
from .checks import inspect_upload
from .models import ImportJob, ImportKind
from .selectors import can_import
from .tasks import run_import


def start_import(*, actor, upload, kind: str, dry_run: bool = False) -> ImportJob:
    """Check `upload` and import it: at once when it is small, else by a background job.

    A file refused by the checks leaves no trace. Otherwise the job records the file and the report;
    a small file's job is finished when this returns, a large one's is pending.
    """
    if not can_import(actor):
        raise PermissionDeniedError(_("企业用户不能导入数据。"))
    if kind not in ImportKind.values:
        raise ServiceError({"kind": [_("导入类型应为 projects（项目）或 enterprises（企业）。")]})
    facts = inspect_upload(upload)
    job = ImportJob(requested_by=actor, kind=kind, dry_run=dry_run, original_name=original_name(upload.name))
    job.file.save("upload.xlsx", upload, save=False)
    try:
        job.save()
    except BaseException:
        job.file.delete(save=False)
        raise
    if facts.data_rows > settings.IMPORT_SYNC_MAX_ROWS:
        publish(run_import, job.pk)
        return job
    claimed = claim(ImportJob, job.pk)
    if claimed is not None:
        runner.run_claimed(claimed)
    job.refresh_from_db()
    return job


def confirm_import(*, actor, job: ImportJob) -> ImportJob:
    """Import for real the file of `actor`'s dry run that found no errors: a new job on the same file."""
    if job.requested_by_id != actor.pk:
        raise PermissionDeniedError(_("只能确认本人发起的导入。"))
    if not job.dry_run or job.state != job.State.DONE or job.errors:
        raise ServiceError(_("只有校验完成且没有错误的试导入才能确认导入。"))
    with job.file.open("rb") as stored:
        content = ContentFile(stored.read(), name=job.original_name)
    return start_import(actor=actor, upload=content, kind=job.kind, dry_run=False)
