"""The report's batch counter agrees with workdays.calendar.count_workdays, in a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.selectors import WorkdayCounter
from workdays.calendar import count_workdays

pytestmark = pytest.mark.django_db


def test_counts_match_the_calendar_across_holidays_and_makeup_days():
    first, last = datetime.date(2024, 9, 1), datetime.date(2026, 3, 31)
    with CaptureQueriesContext(connection) as queries:
        counter = WorkdayCounter(first, last)
    assert len(queries) == 2
    pairs = [
        ("2025-01-06", "2025-02-10", 22),  # Spring Festival: 6 weekdays off, 1-26 and 2-8 worked
        ("2025-09-01", "2025-10-09", 24),  # National Day: 6 weekdays off, 9-28 worked
        ("2024-12-04", "2025-01-06", 23),  # New Year's Day
        ("2025-10-11", "2025-10-11", 1),  # a Saturday worked
        ("2025-10-04", "2025-10-05", 0),  # a weekend inside the holiday
    ]
    with CaptureQueriesContext(connection) as queries:
        for start, end, expected in pairs:
            start, end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
            assert counter.count(start, end) == expected == count_workdays(start, end).workdays
            assert counter.provisional(start, end) is False
    assert len(queries) == 2 * len(pairs)  # only count_workdays, the oracle, reads the database


def test_every_span_of_a_year_matches():
    first = datetime.date(2025, 1, 1)
    counter = WorkdayCounter(first, datetime.date(2025, 12, 31))
    for offset in range(0, 365, 17):
        start = first + datetime.timedelta(days=offset)
        for length in (0, 6, 40, 120):
            end = min(start + datetime.timedelta(days=length), datetime.date(2025, 12, 31))
            assert counter.count(start, end) == count_workdays(start, end).workdays, (start, end)


def test_unpublished_years_are_provisional():
    counter = WorkdayCounter(datetime.date(2026, 12, 1), datetime.date(2030, 1, 31))
    start, end = datetime.date(2029, 12, 20), datetime.date(2030, 1, 10)
    assert counter.provisional(start, end) is True
    assert counter.count(start, end) == count_workdays(start, end).workdays
