"""Reading values as officers type them."""

import datetime
from decimal import Decimal

import pytest

from imports.cleaning import CellError, header_key, parse_date, parse_decimal

NOV_6 = datetime.date(2024, 11, 6)


@pytest.mark.parametrize(
    "value",
    [
        "2024-11-06",
        "2024/11/6",
        "2024.11.6",
        "2024年11月6日",
        "２０２４年１１月６日",
        " 2024 - 11 - 06 ",
        "2024-11-06 00:00:00",
        datetime.datetime(2024, 11, 6),
        NOV_6,
        45602,
    ],
)
def test_dates(value):
    assert parse_date(value) == NOV_6


@pytest.mark.parametrize("value", ["2024-02-30", "11/6/2024", "去年", 3.5, "2024-13-01"])
def test_not_dates(value):
    with pytest.raises(CellError):
        parse_date(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1,234.5", "1234.50"),
        ("１２，３４５", "12345.00"),
        (" 12 345 ", "12345.00"),
        (0.1 + 0.2, "0.30"),
        (1.005, "1.01"),
        (12, "12.00"),
        ("-3", "-3.00"),
    ],
)
def test_amounts_are_decimals_rounded_to_cents(value, expected):
    assert parse_decimal(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["abc", "1.2.3", "五千", True, float("nan"), "1e5"])
def test_not_amounts(value):
    with pytest.raises(CellError):
        parse_decimal(value)


def test_headers_match_in_any_width_with_line_breaks_and_a_trailing_star():
    assert header_key("总投资\n（万元）＊") == header_key("总投资(万元)*") == "总投资(万元)"
    assert header_key(" 项目 名称 * ") == "项目名称"
