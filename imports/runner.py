"""Running a claimed import job: read the sheet, try every row through the services, keep all or nothing.

Every row is tried inside one transaction (by the importer: row by row in savepoints, or all rows
checked first and written together), so that a bad row is reported and the next rows are still
checked against everything before them. At the end the transaction
commits only when no row failed and this is not a dry run; the job's finishing UPDATE, guarded by
the run's claim, is part of that same transaction, so a run that lost its claim to another (its
worker presumed dead) writes nothing, and an import can never be applied twice.

While the rows are imported the job's heartbeat is kept from a thread with its own database
connection: the transaction's own writes stay invisible until it commits, and a worker silent for
that long would be presumed dead and its job handed to another.
"""

import logging
import threading

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.utils.translation import gettext as _

from common.jobs import fail, finish, heartbeat

from .importers import CREATED, IMPORTERS, UPDATED, Outcome
from .marking import marked_workbook
from .reading import read_sheet
from .report import Report

logger = logging.getLogger(__name__)

READING_SHARE = 30  # of the progress bar; the rest is the rows' import


class ClaimLost(Exception):
    """Another run holds the job now; this one stops and leaves no trace."""


class Pulse(threading.Thread):
    """Beats the job's heartbeat, with its progress, every quarter of the stale time."""

    def __init__(self, job):
        super().__init__(name=f"import-{job.pk}-heartbeat", daemon=True)
        self.job = job
        self.progress = 0
        self.lost = False
        self.interval = max(settings.JOB_STALE_SECONDS / 4, 0.05)
        self._stopped = threading.Event()

    def run(self):
        try:
            while not self._stopped.wait(self.interval):
                try:
                    if not heartbeat(self.job, self.progress) and self._taken_over():
                        self.lost = True
                        return
                except DatabaseError:  # e.g. SQLite, locked by the import's own transaction
                    logger.info("import job %s: heartbeat postponed", self.job.pk, exc_info=True)
        finally:
            connections.close_all()

    def _taken_over(self) -> bool:
        """The job's row, seen from this connection, is another run's or finished. A row this
        connection cannot see yet (created in a transaction still open) has not been taken over."""
        return type(self.job).objects.filter(pk=self.job.pk).exists()

    def check(self, progress):
        self.progress = int(progress)
        if self.lost:
            raise ClaimLost

    def stop(self):
        self._stopped.set()
        # A beat waiting on a database lock finishes on its own; the import need not wait for it.
        self.join(timeout=10)


def run_claimed(job) -> bool:
    """Run a claimed job; an unexpected failure is recorded on the job, never left running."""
    try:
        return run(job)
    except Exception:  # noqa: BLE001 - whatever went wrong, the job must say that it failed
        logger.exception("import job %s failed", job.pk)
        fail(job, _("导入时发生意外错误，没有写入任何数据。请检查文件后重试，或联系管理员。"))
        return False


def run(job) -> bool:
    """Import the file of `job`, claimed by the caller. True when this run finished the job."""
    importer = IMPORTERS[job.kind](job.requested_by, dry_run=job.dry_run)
    report = Report()
    if not heartbeat(job, 0):
        return False
    pulse = Pulse(job)
    pulse.start()
    try:
        with job.file.open("rb") as source:
            sheet = read_sheet(
                source, importer.columns, lambda done, estimate: pulse.check(READING_SHARE * done / max(estimate, done))
            )
        for row, column, message in sheet.errors:
            report.error(row, column, message)
        for row, column, message in sheet.warnings:
            report.warn(row, column, message)
        report.rows_read = len(sheet.rows)
        if not sheet.errors and not sheet.rows:
            report.warn(None, None, _("表头下面没有数据行。"))
        if _import_rows(job, importer, sheet, report, pulse):
            return True
    except ClaimLost:
        logger.info("import job %s: claim lost, this run stops", job.pk)
        return False
    finally:
        pulse.stop()
    return _finish_without_writing(job, sheet, report)


def _import_rows(job, importer, sheet, report, pulse) -> bool:
    """Try every row; commit together with the job's finish when all went well. True: committed."""
    with transaction.atomic():
        results = importer.import_rows(
            sheet.rows, lambda done, total: pulse.check(READING_SHARE + (99 - READING_SHARE) * done / max(total, 1))
        )
        for row, result in results:
            _report_row(importer, sheet, row, result, report)
        for message in importer.summary_warnings():
            report.warn(None, None, message)
        if report.errors or job.dry_run:
            transaction.set_rollback(True)
            return False
        if not finish(job, **report.job_fields()):
            raise ClaimLost
    return True


def _report_row(importer, sheet, row, result, report):
    if not isinstance(result, Outcome):
        for key, message in result:
            report.error(row.number, sheet.column(key) if key else None, message)
        return
    importer.record(result)
    for key, message in result.warnings:
        report.warn(row.number, sheet.column(key) if key else None, message)
    if result.result == CREATED:
        report.created += 1
    elif result.result == UPDATED:
        report.updated += 1
    else:
        report.skipped += 1


def _finish_without_writing(job, sheet, report) -> bool:
    """A dry run, or a file with errors: nothing was kept; record the report and the marked copy."""
    marked_name = ""
    if report.errors:
        with job.file.open("rb") as source:
            content = marked_workbook(source, sheet, report)
        storage = job.marked_file.storage
        marked_name = storage.save(f"imports/marked/{job.pk}-{job.claim.hex}.xlsx", ContentFile(content))
    if finish(job, **report.job_fields(), marked_file=marked_name):
        return True
    if marked_name:
        storage.delete(marked_name)
    return False
