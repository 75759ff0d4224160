"""Writing a list into an .xlsx: the job and the pages that hand a small list straight to the browser use it."""

from collections.abc import Iterator
from itertools import islice

from django.utils import timezone

from .kinds import KINDS, Kind
from .selectors import export_rows
from .workbook import Column, SheetWriter

# Rows read from the database at a time; memory holds about one chunk, whatever the row count.
CHUNK_SIZE = 1000


class ExportInterrupted(Exception):
    """The progress callback asked to stop: the run lost its job to another worker."""


def download_name(kind: str) -> str:
    """The file name people see: the list's Chinese title and the local time, e.g. 招商项目_20250106_1030.xlsx."""
    return f"{KINDS[kind].title}_{timezone.localtime():%Y%m%d_%H%M}.xlsx"


def row_chunks(spec: Kind, columns: list[Column], rows, chunk_size: int) -> Iterator[list[dict]]:
    """The list's rows as dicts of the values its columns read (no model instances), a chunk at a time."""
    fields = dict.fromkeys(["id", *(field for column in columns for field in column.fields)])
    values = rows.values(*fields).iterator(chunk_size=chunk_size)
    while chunk := list(islice(values, chunk_size)):
        if spec.attach is not None:
            spec.attach(chunk)
        yield chunk


def write_export(kind: str, user, filters: dict, stream, *, progress=None, chunk_size: int | None = None) -> int:
    """Write the list `kind` as `user` sees it with `filters` to `stream` (a binary file: seekable, e.g. a
    temporary file or BytesIO); return the number of rows.

    `progress(done, total)` is called after every chunk of rows; when it returns False the writing stops
    with ExportInterrupted. Raises InvalidFilters and PermissionDeniedError before writing anything.
    """
    spec = KINDS[kind]
    chunk_size = chunk_size or CHUNK_SIZE
    rows = export_rows(kind, user, filters)
    total = rows.count() if progress is not None else None
    columns = spec.columns()
    sheet = SheetWriter(stream, str(spec.title), columns, freeze=spec.freeze)
    try:
        for chunk in row_chunks(spec, columns, rows, chunk_size):
            for row in chunk:
                sheet.append(row)
            if progress is not None and sheet.rows % chunk_size == 0 and progress(sheet.rows, total) is False:
                raise ExportInterrupted()
        return sheet.save(note=spec.note() if spec.note else None)
    except BaseException:
        sheet.discard()
        raise
