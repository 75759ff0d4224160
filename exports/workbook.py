"""One sheet of a list written row by row into an .xlsx, so that memory stays flat whatever the row count.

The sheet's XML is written as text straight into the deflated zip, a few hundred rows at a time, with its
text inline (no shared string table): nothing here grows with the rows but the running totals. Not a
library, which builds an object for every cell: written through xlsxwriter (constant-memory mode) the
export of 20,000 projects took 1.2 to 2 times xlsxwriter's own time for the same cells, since reading the
rows comes on top; written this way it takes about half of it (docs/benchmarks.md, figure 3).
The package's other parts are in exports.xlsx.
"""

import contextlib
import datetime
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from . import xlsx

TEXT, DATE, DATETIME, MONEY, INTEGER, YES_NO = "text", "date", "datetime", "money", "integer", "yes_no"
DEFAULT_WIDTHS = {TEXT: 16, DATE: 12, DATETIME: 17, MONEY: 14, INTEGER: 10, YES_NO: 8}
MAX_WIDTH = 50
# Excel keeps at most this many characters in a cell.
CELL_TEXT_LIMIT = 32767
# Text starting with these is read as a formula by Excel when typed or pasted: it is stored as text.
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Characters XML 1.0 cannot hold (control characters but tab and line breaks, U+FFFE, U+FFFF, halves of pairs).
ILLEGAL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel's day 0 (its 1900 calendar counts a 29 February 1900 that never was, so serials start here).
EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()
# Rows kept as text before they go to the zip.
ROWS_PER_WRITE = 500


@dataclass(frozen=True)
class Column:
    """A column of the sheet: its header, how to read its value from a row, and how to write it.

    A row is a dict of the list's values (a queryset's values()). `value` is the name of one of them, or a
    function of the row that reads the names in `reads`.
    `total`: "sum" adds the column up in the totals row, "count" counts its yes and its dates.
    `marked`: a red fill on the cell when it returns true for the row (an overdue date, say).
    """

    header: str
    value: str | Callable[[dict], Any]
    type: str = TEXT
    width: int | None = None
    total: str | None = None
    marked: Callable[[dict], bool] | None = None
    reads: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.value, *self.reads) if isinstance(self.value, str) else self.reads

    @property
    def getter(self) -> Callable[[dict], Any]:
        return itemgetter(self.value) if isinstance(self.value, str) else self.value


def display_width(text: str) -> int:
    """Columns of Excel's width unit a text takes: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def safe_text(value) -> str:
    """Text as Excel can hold it: no control characters, at most the length of a cell."""
    text = value if value.__class__ is str else str(value)
    if not text.isprintable():  # a quick test first: most text has nothing to remove
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text if len(text) <= CELL_TEXT_LIMIT else text[:CELL_TEXT_LIMIT]


def excel_date(value: datetime.date) -> int:
    return value.toordinal() - EXCEL_EPOCH


def excel_datetime(value: datetime.datetime) -> float:
    # Excel has no time zones: the local time of the district, as people read it.
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return excel_date(value) + seconds / 86400


def number_text(value) -> str:
    """A number as the file stores it: a Decimal keeps its digits (2.40 is 2.4, never 2.4000000000000004)."""
    if value.__class__ is Decimal:
        text = str(value)
        return text.rstrip("0").rstrip(".") if "." in text and "E" not in text else text
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SheetWriter:
    """Writes the header into `stream` (a binary file), then one row per row dict, then the totals row and
    an optional note."""

    def __init__(self, stream, title: str, columns: list[Column], freeze: str = "A2"):
        self.columns = columns
        self.sheet_name = title[:31]
        self.rows = 0
        self.yes, self.no = _("是"), _("否")
        self.letters = [get_column_letter(index) for index in range(1, len(columns) + 1)]
        self.getters = [column.getter for column in columns]
        self._cell_writers = {}
        self.writers = [self._cells(column.type) for column in columns]
        # Columns whose cells turn red on some rows (an overdue date): (index, test of the row, red writer).
        self.flagged = [(i, c.marked, self._cells(c.type, "marked")) for i, c in enumerate(columns) if c.marked]
        self.totals = [self._zero(column) for column in columns]
        self.summed = [i for i, column in enumerate(columns) if column.total == "sum"]
        self.counted = [i for i, column in enumerate(columns) if column.total == "count"]
        self.archive = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED)
        for name, text in xlsx.STATIC_PARTS.items():
            self.archive.writestr(name, text)
        self.archive.writestr("xl/_rels/workbook.xml.rels", xlsx.WORKBOOK_RELS)
        self.archive.writestr("xl/styles.xml", xlsx.STYLES_PART)
        self.archive.writestr("docProps/core.xml", xlsx.core_properties(title, _("招商项目管理系统"), timezone.now()))
        self.sheet = self.archive.open(xlsx.SHEET_PART, "w")
        self.pending = [xlsx.sheet_head([self._width(column) for column in columns], freeze), '<row r="1">']
        for letter, column in zip(self.letters, columns, strict=True):
            text = _xml_text(safe_text(column.header))
            self.pending.append(f'<c r="{letter}1" s="{xlsx.HEADER_STYLE}" t="inlineStr"><is><t>{text}</t></is></c>')
        self.pending.append("</row>")

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

    def append(self, row: dict):
        self.rows += 1
        number = self.rows + 1  # the header is row 1
        values = [get(row) for get in self.getters]
        cells = [f'<row r="{number}">']
        writers = self._writers_for(row) if self.flagged else self.writers
        for value, write, letter in zip(values, writers, self.letters, strict=True):
            if value is not None and value != "":
                cells.append(write(f"{letter}{number}", value))
        cells.append("</row>")
        self.pending.append("".join(cells))
        if len(self.pending) >= ROWS_PER_WRITE:
            self._flush()
        totals = self.totals
        for index in self.summed:
            if values[index] is not None:
                totals[index] += values[index]
        for index in self.counted:
            value = values[index]
            if value is True or isinstance(value, datetime.date):
                totals[index] += 1

    def _writers_for(self, row: dict) -> list:
        writers = list(self.writers)
        for index, is_marked, red in self.flagged:
            if is_marked(row):
                writers[index] = red
        return writers

    def save(self, note: str | None = None) -> int:
        """Write the totals row (values, never formulas), the auto-filter over the data and the note."""
        last = self.rows + 1
        filter_range = f"A1:{self.letters[-1]}{last}"
        if any(column.total for column in self.columns):
            last += 1
            self.pending.append(self._totals_row(last))
        if note:
            last += 2  # after an empty row
            self.pending.append(f'<row r="{last}">{self._cells(TEXT)(f"A{last}", note)}</row>')
        self.pending.append(xlsx.sheet_tail(filter_range))
        self._flush()
        self.sheet.close()
        self.archive.writestr("xl/workbook.xml", xlsx.workbook(self.sheet_name, filter_range))
        self.archive.close()
        return self.rows

    def discard(self):
        """Give up a sheet half written: close the zip (the caller throws the stream away)."""
        for part in (self.sheet, self.archive):
            with contextlib.suppress(Exception):  # the error that stopped the sheet is the one that matters
                part.close()

    def _flush(self):
        self.sheet.write("".join(self.pending).encode())
        self.pending.clear()

    def _totals_row(self, number) -> str:
        label = _("合计（%(count)d 行）") % {"count": self.rows}
        cells = [f'<row r="{number}">', self._cells(TEXT, "totals")(f"A{number}", label)]
        for index, column in enumerate(self.columns):
            if index > 0 and self.totals[index] is not None:
                kind = MONEY if column.type == MONEY and column.total == "sum" else INTEGER
                cells.append(self._cells(kind, "totals")(f"{self.letters[index]}{number}", self.totals[index]))
        cells.append("</row>")
        return "".join(cells)

    # --- Cells ----------------------------------------------------------------------------------

    def _cells(self, kind: str, look: str = "plain") -> Callable[[str, Any], str]:
        """The XML of cells of `kind` looking `look`: text as text, numbers and dates with their format."""
        if (kind, look) not in self._cell_writers:
            self._cell_writers[kind, look] = self._new_cells(kind, look)
        return self._cell_writers[kind, look]

    def _new_cells(self, kind: str, look: str) -> Callable[[str, Any], str]:
        # The innermost loop of an export: one function per kind of cell, each step inlined.
        def style(of_kind):
            index = xlsx.STYLES[look, of_kind]
            return f' s="{index}"' if index else ""

        text_style, quoted_style = style("text"), style("quoted")
        date_style, datetime_style = style("date"), style("datetime")
        yes, no = self.yes, self.no

        def text(ref, value):
            value = safe_text(value)
            if not value:  # it held only characters a sheet cannot
                return ""
            attributes = quoted_style if value.startswith(FORMULA_PREFIXES) else text_style
            space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
            return f'<c r="{ref}"{attributes} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'

        def dated(ref, value):
            if value.__class__ is str:
                return text(ref, value)
            if isinstance(value, datetime.datetime):
                return f'<c r="{ref}"{datetime_style}><v>{excel_datetime(value)!r}</v></c>'
            if isinstance(value, datetime.date):
                return f'<c r="{ref}"{date_style}><v>{excel_date(value)}</v></c>'
            return text(ref, value)

        if kind == YES_NO:
            return lambda ref, value: text(ref, yes if value else no)
        if kind in (MONEY, INTEGER):
            number_style = style(kind)

            def numeric(ref, value):
                if value.__class__ is str:
                    return text(ref, value)
                return f'<c r="{ref}"{number_style}><v>{number_text(value)}</v></c>'

            return numeric
        return dated
