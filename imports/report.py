"""The report of an import: counts, and the errors and warnings with the row and column they concern."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# A file with thousands of bad rows gets the first ones listed; the marked workbook has them all.
MAX_LISTED = 1000


@dataclass
class Report:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # (row, column index or None) -> messages, for the marked workbook
    marks: dict = field(default_factory=lambda: defaultdict(list))

    def error(self, row, column, message):
        """`column` is the SheetColumn concerned, or None for the whole row (or the whole file)."""
        self.errors.append(_issue(row, column, message))
        if row is not None:
            self.marks[(row, column.index if column else None)].append(str(message))

    def warn(self, row, column, message):
        self.warnings.append(_issue(row, column, message))

    def job_fields(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "created_count": self.created,
            "updated_count": self.updated,
            "skipped_count": self.skipped,
            "errors": _listed(self.errors, _("另有 %(count)d 处错误未列出，请下载标注了错误的文件查看。")),
            "warnings": _listed(self.warnings, _("另有 %(count)d 条提示未列出。")),
        }


def _issue(row, column, message) -> dict:
    return {"row": row, "column": column.header if column else None, "message": str(message)}


def _listed(issues, more_message):
    if len(issues) <= MAX_LISTED:
        return issues
    rest = len(issues) - MAX_LISTED
    return [*issues[:MAX_LISTED], {"row": None, "column": None, "message": more_message % {"count": rest}}]
