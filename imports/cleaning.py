"""Turning what officers type into spreadsheets into values: text, amounts, dates and lookup keys.

Full-width digits, letters and brackets become their ASCII forms (NFKC) wherever a value is matched
or parsed, never in names that are stored: a company's registered name keeps its own brackets.
"""

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

CENTS = Decimal("0.01")
_SPACES = re.compile(r"\s+")
_QUOTES = re.compile(r"[\"'“”‘’「」『』《》]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# 2024-11-06, 2024/11/6, 2024.11.6, 2024年11月6日, with a time of day after it at most.
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
# Excel's day numbers for 1954 to 2119: a bare number in a date column within them is a date cell
# whose format was lost, anything else is not a date.
_SERIAL_DAYS = (20000, 80000)


class CellError(ValueError):
    """The cell's content cannot be read as the column requires; the message says why."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value) -> str:
    """A cell's content as a person reads it, for messages."""
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text if len(text) <= 40 else text[:40] + "…"


def clean_text(value) -> str:
    """Text as stored: surrounding spaces removed, inner runs of spaces and line breaks made one space."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _SPACES.sub(" ", str(value)).strip()


def match_key(value) -> str:
    """A key for matching names typed in different widths and spacing: NFKC, no spaces, no quotes."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    return _QUOTES.sub("", _SPACES.sub("", text)).casefold()


def header_key(value) -> str:
    """A header as matched: NFKC (full-width brackets become ASCII), no spaces or line breaks, no
    trailing * that marks a required column."""
    return match_key(value).rstrip("*")


def parse_number(value) -> Decimal:
    """A number as Decimal. Thousands separators, spaces and full-width digits are accepted in text;
    an Excel number is read through its shortest decimal form, never kept as a float."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s”不是数字。") % {"value": display(value)})
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = _SPACES.sub("", unicodedata.normalize("NFKC", value)).replace(",", "")
        if not _NUMBER.match(text):
            raise CellError(_("“%(value)s”不是有效的数字。") % {"value": display(value)})
        number = Decimal(text)
    else:
        raise CellError(_("“%(value)s”不是数字。") % {"value": display(value)})
    if not number.is_finite():
        raise CellError(_("“%(value)s”不是有效的数字。") % {"value": display(value)})
    return number


def round_cents(number: Decimal, source=None) -> Decimal:
    try:
        return number.quantize(CENTS, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise CellError(_("“%(value)s”超出了可以记录的范围。") % {"value": display(source or number)}) from None


def parse_decimal(value) -> Decimal:
    """An amount or area, rounded to two decimals."""
    return round_cents(parse_number(value), value)


def parse_date(value) -> datetime.date:
    """A date from an Excel date cell or from text such as 2024-11-06, 2024/11/6, 2024.11.6 or
    2024年11月6日 (full-width digits too)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_DAYS[0] <= value <= _SERIAL_DAYS[1]:
            return from_excel(value).date()
        raise CellError(_("“%(value)s”不是日期。") % {"value": display(value)})
    match = _DATE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if not match:
        raise CellError(
            _("“%(value)s”不是可识别的日期，请写成 2024-11-06、2024/11/6、2024.11.6 或 2024年11月6日。")
            % {"value": display(value)}
        )
    year, month, day = (int(part) for part in match.groups()[:3])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("“%(value)s”不是有效的日期。") % {"value": display(value)}) from None
