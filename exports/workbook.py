"""One sheet of a list written row by row into an .xlsx, so that memory stays flat whatever the row count.

openpyxl's write-only mode streams the rows to a temporary file and writes strings inline (no shared
string table), so nothing here grows with the rows but the running totals.
"""

import contextlib
import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

TEXT, DATE, DATETIME, MONEY, INTEGER, YES_NO = "text", "date", "datetime", "money", "integer", "yes_no"
NUMBER_FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm", MONEY: "#,##0.00", INTEGER: "#,##0"}
DEFAULT_WIDTHS = {TEXT: 16, DATE: 12, DATETIME: 17, MONEY: 14, INTEGER: 10, YES_NO: 8}
MAX_WIDTH = 50
# Excel keeps at most this many characters in a cell.
CELL_TEXT_LIMIT = 32767
# Text starting with these is read as a formula by Excel when typed or pasted: it is stored as text.
FORMULA_PREFIXES = ("=", "+", "-", "@")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_BORDER = Border(bottom=Side(style="thin"))
TOTALS_FONT = Font(bold=True)
MARKED_FILL = PatternFill("solid", fgColor="FFC7CE")
MARKED_FONT = Font(color="9C0006")


@dataclass(frozen=True)
class Column:
    """A column of the sheet: its header, how to read its value from a row's object, and how to write it.

    `total`: "sum" adds the column up in the totals row, "count" counts its yes and its dates.
    `marked`: a red fill on the cell when it returns true (an overdue date, say).
    """

    header: str
    value: Callable[[Any], Any]
    type: str = TEXT
    width: int | None = None
    total: str | None = None
    marked: Callable[[Any], bool] | None = None


def display_width(text: str) -> int:
    """Columns of Excel's width unit a text takes: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def safe_text(value) -> str:
    """Text as Excel can hold it: no control characters, at most the length of a cell."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:CELL_TEXT_LIMIT]


class SheetWriter:
    """Writes the header, then one row per object, then the totals row and an optional note."""

    def __init__(self, title: str, columns: list[Column], freeze: str = "A2"):
        self.columns = columns
        self.workbook = Workbook(write_only=True)
        self.workbook.properties.title = title
        self.workbook.properties.creator = _("招商项目管理系统")
        self.sheet = self.workbook.create_sheet(title=title[:31])
        self.rows = 0
        self.totals = [self._zero(column) for column in columns]
        # Widths and panes go into the sheet's head: they must be set before the first row.
        for index, column in enumerate(columns, 1):
            self.sheet.column_dimensions[get_column_letter(index)].width = self._width(column)
        self.sheet.freeze_panes = freeze
        self.sheet.append([self._header_cell(column.header) for column in columns])

    @staticmethod
    def _zero(column):
        if column.total == "sum":
            return Decimal("0") if column.type == MONEY else 0
        if column.total == "count":
            return 0
        return None

    @staticmethod
    def _width(column) -> int:
        if column.width is not None:
            return column.width
        wanted = max(DEFAULT_WIDTHS[column.type], display_width(column.header) + 2)
        return min(wanted, MAX_WIDTH)

    def append(self, obj):
        cells = []
        for index, column in enumerate(self.columns):
            value = column.value(obj)
            cell = self._cell(value, column.type)
            if cell is not None and column.marked is not None and column.marked(obj):
                cell.fill, cell.font = MARKED_FILL, MARKED_FONT
            cells.append(cell)
            self._add_to_total(index, column, value)
        self.sheet.append(cells)
        self.rows += 1

    def _add_to_total(self, index, column, value):
        if column.total == "sum" and value is not None:
            self.totals[index] += value
        elif column.total == "count" and (value is True or isinstance(value, datetime.date)):
            self.totals[index] += 1

    def save(self, stream, note: str | None = None) -> int:
        """Write the totals row (values, never formulas), the auto-filter over the data and the note."""
        last_column = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last_column}{self.rows + 1}"
        if any(column.total for column in self.columns):
            self.sheet.append(self._totals_row())
        if note:
            self.sheet.append([])
            self.sheet.append([self._text_cell(note)])
        self.workbook.save(stream)
        return self.rows

    def discard(self):
        """Give up a sheet half written: finish and remove its temporary file (openpyxl leaves it otherwise)."""
        writer = self.sheet._writer
        with contextlib.suppress(Exception):
            self.sheet.close()
        if writer is not None:
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()

    def _totals_row(self):
        cells = []
        for index, column in enumerate(self.columns):
            total = self.totals[index]
            if index == 0:
                cell = self._text_cell(_("合计（%(count)d 行）") % {"count": self.rows})
            elif total is None:
                cell = None
            elif column.total == "sum":
                cell = self._cell(total, column.type)
            else:
                cell = self._cell(total, INTEGER)
            if cell is not None:
                cell.font = TOTALS_FONT
            cells.append(cell)
        return cells

    # --- Cells ----------------------------------------------------------------------------------

    def _header_cell(self, text):
        cell = self._text_cell(text)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT, HEADER_BORDER
        return cell

    def _cell(self, value, kind):
        if value is None or value == "":
            return None
        if kind == YES_NO:
            return self._text_cell(_("是") if value else _("否"))
        if isinstance(value, str):
            return self._text_cell(value)
        if kind == MONEY:
            return self._number_cell(value if isinstance(value, Decimal) else Decimal(value), MONEY)
        if kind == INTEGER:
            return self._number_cell(value, INTEGER)
        if isinstance(value, datetime.datetime):
            # Excel has no time zones: the local time of the district, as people read it.
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return self._number_cell(local.replace(tzinfo=None), DATETIME)
        if isinstance(value, datetime.date):
            return self._number_cell(value, DATE)
        return self._text_cell(value)

    def _number_cell(self, value, kind):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = NUMBER_FORMATS[kind]
        return cell

    def _text_cell(self, value):
        text = safe_text(value)
        cell = WriteOnlyCell(self.sheet, value=text)
        # openpyxl takes text starting with "=" for a formula and "#N/A" for an error: always a string here.
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            # Excel keeps it text even when the cell is edited.
            cell.quotePrefix = True
        return cell
