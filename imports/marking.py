"""A copy of the imported sheet with its errors marked: bad cells filled red with the message as a
comment, and a last column "错误说明" holding every message of the row.

Written row by row (openpyxl's write-only mode), so a large sheet needs little memory; every row of
the original is copied, so the row numbers are those of the report.
"""

import datetime
import io
from collections import defaultdict

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

NOTE_HEADER = "错误说明"  # a column name of the file, like the import headers: not translated
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
BOLD = Font(bold=True)


def marked_workbook(source, sheet, report) -> bytes:
    by_row = defaultdict(lambda: defaultdict(list))
    for (row, column), messages in report.marks.items():
        by_row[row][column].extend(messages)
    headers = {column.index: column.header for column in sheet.columns.values()}
    note_row = sheet.header_row or 1
    file_messages = [issue["message"] for issue in report.errors if issue["row"] is None]
    widest = max((column for marks in by_row.values() for column in marks if column is not None), default=-1)

    original = load_workbook(source, read_only=True, data_only=False)
    try:
        worksheet = original.worksheets[0]
        worksheet.reset_dimensions()
        note_index = max(sheet.header_width, widest + 1)
        out = Workbook(write_only=True)
        target = out.create_sheet(worksheet.title)
        target.column_dimensions[get_column_letter(note_index + 1)].width = 60
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            marks = by_row.get(number, {})
            cells = [_cell(target, value) for value in values]
            cells.extend(_cell(target, None) for _ in range(note_index - len(cells)))
            notes = []
            for index, messages in sorted(marks.items(), key=lambda item: -1 if item[0] is None else item[0]):
                if index is not None:
                    _mark(cells[index], messages)
                    notes.extend(f"【{headers.get(index, get_column_letter(index + 1))}】{m}" for m in messages)
                else:
                    notes.extend(messages)
            if number == note_row:
                notes = file_messages + notes
                note = _cell(target, f"{NOTE_HEADER}：" + "；".join(notes) if notes else NOTE_HEADER)
                note.font = BOLD
            else:
                note = _cell(target, "；".join(notes) if notes else None)
            if notes:
                note.fill, note.font = BAD_FILL, BAD_FONT
            cells.append(note)
            target.append(cells)
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        original.close()


def _cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # the text as typed, never a formula
    elif isinstance(value, datetime.datetime) and value.time() == datetime.time():
        cell.number_format = "yyyy-mm-dd"
    return cell


def _mark(cell, messages):
    cell.fill, cell.font = BAD_FILL, BAD_FONT
    cell.comment = Comment("\n".join(messages), _("导入检查"), width=300, height=120)
    return cell
