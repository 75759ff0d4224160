from decimal import Decimal

import pytest
from django.utils import translation

from common.templatetags.pages import money, percent, wan, workdays_left


@pytest.mark.parametrize(
    "amount, shown",
    [
        (Decimal("3000"), "3,000 万元"),
        (Decimal("9999.99"), "9,999.99 万元"),
        (Decimal("10000"), "1 亿元"),
        (Decimal("52000"), "5.2 亿元"),
        (Decimal("3656300.00"), "365.63 亿元"),
        (None, "—"),
    ],
)
def test_amounts_in_wan_yuan_are_written_as_the_seeds_write_them(amount, shown):
    with translation.override("zh-hans"):
        assert money(amount) == shown


def test_numbers_for_columns_headed_in_wan_yuan_are_grouped_and_rates_are_percentages():
    assert wan(Decimal("12345.50")) == "12,345.5"
    assert wan("not a number") == "—"
    assert percent(Decimal("0.8534")) == "85.3%"
    assert percent(None) == "—"


def test_countdowns_say_working_days_left_due_today_or_overdue():
    with translation.override("zh-hans"):
        assert "剩 3 个工作日" in workdays_left(3)
        assert "今天到期" in workdays_left(0)
        assert "逾期 2 个工作日" in workdays_left(-2) and "text-bg-danger" in workdays_left(-2)
    with translation.override("en"):
        assert "overdue" in workdays_left(-2).lower()
