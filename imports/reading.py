"""Reading an officer's sheet: find the header row, map the columns, and keep the rows that hold data.

Officers' sheets have a title above the header, a 序号 column, blank rows, a totals row and notes
under the data; all of them are recognised here, so that the importer sees only data rows.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .cleaning import clean_text, display, header_key, is_blank, match_key
from .columns import IGNORED_HEADERS, ColumnSet

HEADER_SEARCH_ROWS = 5
TOTALS_WORDS = ("合计", "总计", "小计")  # the first text of a totals row
# 注：…, 注1. …, 备注：…, 说明：… (after NFKC the full-width colon is ":").
NOTE_START = re.compile(r"^(注|备注|说明)(\d|[:.、]|$)")


@dataclass(frozen=True)
class SheetColumn:
    key: str
    index: int  # 0-based position in the row
    header: str  # the header text as in the file


@dataclass
class SheetRow:
    number: int  # the row number Excel shows
    values: dict  # column key -> the cell's value, for the mapped columns that are not blank


@dataclass
class Sheet:
    header_row: int | None = None
    header_width: int = 0
    columns: dict = field(default_factory=dict)  # column key -> SheetColumn
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (row, SheetColumn | None, message): the file cannot be imported
    warnings: list = field(default_factory=list)

    def column(self, key) -> SheetColumn | None:
        return self.columns.get(key)


def read_sheet(source, column_set: ColumnSet, progress=None) -> Sheet:
    """Read the first worksheet of `source`. `progress(done, estimate)` is called every few hundred rows."""
    sheet = Sheet()
    workbook = load_workbook(source, read_only=True, data_only=False)
    try:
        worksheet = workbook.worksheets[0]
        estimate = worksheet.max_row or 0
        # Some programs write a wrong size into the sheet; read every row there is.
        worksheet.reset_dimensions()
        rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        head = []
        for number, values in rows:
            head.append((number, values))
            if number >= HEADER_SEARCH_ROWS:
                break
        header = _find_header(head, column_set)
        if header is None:
            sheet.errors.append((None, None, _no_header_message(column_set)))
            return sheet
        sheet.header_row, header_values = header
        _map_columns(sheet, header_values, column_set)
        if sheet.errors:
            return sheet
        collector = _RowCollector(sheet)
        for number, values in head:
            if number > sheet.header_row:
                collector.add(number, values)
        for number, values in rows:
            collector.add(number, values)
            if progress and number % 500 == 0:
                progress(number, estimate)
    finally:
        workbook.close()
    return sheet


def _find_header(head, column_set):
    """The row among the first five that names the most known columns (at least two)."""
    best, best_count = None, 1
    for number, values in head:
        matched = (column_set.match(value) for value in values if not is_blank(value))
        count = len({column.key for column in matched if column is not None})
        if count > best_count:
            best, best_count = (number, values), count
    return best


def _no_header_message(column_set):
    required = "、".join(f"“{c.header}”" for c in column_set if c.required)
    return _("在前 %(rows)d 行中没有找到表头：表头行应包含 %(required)s 等列名。") % {
        "rows": HEADER_SEARCH_ROWS,
        "required": required,
    }


def _map_columns(sheet, header_values, column_set):
    sheet.header_width = len(header_values)
    for index, value in enumerate(header_values):
        if is_blank(value):
            continue
        text = str(value).strip()
        column = column_set.match(text)
        if column is None:
            if header_key(text) not in IGNORED_HEADERS:
                sheet.warnings.append(
                    (sheet.header_row, None, _("“%(header)s”列不是导入所需的列，已忽略。") % {"header": display(text)})
                )
            continue
        if column.key in sheet.columns:
            first = sheet.columns[column.key]
            sheet.errors.append(
                (
                    sheet.header_row,
                    None,
                    _("“%(first)s”和“%(second)s”是同一列，请只保留一列。") % {"first": first.header, "second": text},
                )
            )
            continue
        sheet.columns[column.key] = SheetColumn(column.key, index, text)
    for column in column_set:
        if not column.required or column.key in sheet.columns or column.alternative in sheet.columns:
            continue
        if column.alternative:
            alternative = column_set.by_key[column.alternative]
            message = _("缺少必填列“%(header)s”（也可用“%(alternative)s”列）。") % {
                "header": column.header,
                "alternative": alternative.header,
            }
        else:
            message = _("缺少必填列“%(header)s”。") % {"header": column.header}
        sheet.errors.append((sheet.header_row, None, message))


class _RowCollector:
    """Keeps the data rows; skips blank rows, totals rows and the notes under the data."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.note_column = None

    def add(self, number, values):
        filled = [(index, value) for index, value in enumerate(values) if not is_blank(value)]
        if not filled:
            return
        first_index, first_value = filled[0]
        first_key = match_key(first_value) if isinstance(first_value, str) else ""
        first_text = next((match_key(value) for _index, value in filled if isinstance(value, str)), "")
        if first_text.startswith(TOTALS_WORDS):
            self.sheet.warnings.append((number, None, _("第 %(row)d 行是合计行，已跳过。") % {"row": number}))
            return
        if first_key and NOTE_START.match(first_key):
            if self.note_column is None:
                self.sheet.warnings.append((number, None, _("第 %(row)d 行起是表后说明，已跳过。") % {"row": number}))
            self.note_column = first_index
            return
        if self.note_column is not None and len(filled) == 1 and first_index == self.note_column:
            return  # a further line of the notes
        self.note_column = None
        mapped = {}
        for key, column in self.sheet.columns.items():
            if column.index < len(values) and not is_blank(values[column.index]):
                value = values[column.index]
                mapped[key] = clean_text(value) if isinstance(value, str) else value
        if mapped:
            self.sheet.rows.append(SheetRow(number, mapped))
