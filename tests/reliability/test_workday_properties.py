"""Properties of the working-day arithmetic (workdays.calendar), checked against the holiday table.

The reference here is the table itself, read once: a SpecialDay decides its date (holiday: not
worked; workday: a worked weekend day, 调休), every other day is worked Monday to Friday, and a year
without a CalendarYear row takes the estimated statutory holidays. add_workdays and count_workdays
must agree with that day-by-day reading and with each other, over the years the table covers.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workdays import sources
from workdays.calendar import add_workdays, count_workdays, is_workday
from workdays.models import CalendarYear, SpecialDay
from workdays.sources import published_years
from workdays.sync import default_last_year, sync_calendar

from . import examples, full_scale

ONE_DAY = dt.timedelta(days=1)
FIRST_YEAR, LAST_YEAR = min(published_years()), default_last_year()
# Starting days anywhere in the table; additions may run past its last year (estimated in memory).
days = st.dates(min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(LAST_YEAR, 12, 31))
workday_counts = st.integers(min_value=0, max_value=750 if full_scale() else 300)
positive_counts = st.integers(min_value=1, max_value=750 if full_scale() else 300)
spans = st.integers(min_value=0, max_value=400 if full_scale() else 120)


@dataclass
class HolidayTable:
    special: dict  # date -> kind
    years: dict  # year -> is_published

    @classmethod
    def read(cls):
        return cls(
            special=dict(SpecialDay.objects.values_list("date", "kind")),
            years=dict(CalendarYear.objects.values_list("year", "is_published")),
        )

    def is_workday(self, day: dt.date) -> bool:
        kind = self.special.get(day)
        if kind is None and day.year not in self.years and day in sources.estimated_holidays(day.year):
            kind = sources.HOLIDAY
        if kind is None:
            return day.weekday() < 5
        return kind == sources.WORKDAY

    def count(self, start: dt.date, end: dt.date) -> int:
        return sum(self.is_workday(start + dt.timedelta(days=n)) for n in range((end - start).days + 1))

    def provisional(self, first: dt.date, last: dt.date) -> bool:
        return any(not self.years.get(year, False) for year in range(first.year, last.year + 1))


@pytest.fixture
def table(db):
    """The table as the data migration fills it (refilled if a transactional test emptied it)."""
    sync_calendar(FIRST_YEAR, LAST_YEAR)
    table = HolidayTable.read()
    assert set(range(FIRST_YEAR, LAST_YEAR + 1)) <= set(table.years)
    return table


def test_every_day_of_the_table_is_worked_as_its_kind_says(table):
    """Exhaustive over the table: a holiday is never worked, a 调休 weekend day always is."""
    wrong = [
        (day, kind)
        for day, kind in table.special.items()
        if count_workdays(day, day).workdays != (kind == SpecialDay.Kind.WORKDAY)
    ]
    assert not wrong
    holidays = [day for day, kind in table.special.items() if kind == SpecialDay.Kind.HOLIDAY]
    adjusted = [day for day, kind in table.special.items() if kind == SpecialDay.Kind.WORKDAY]
    assert len(holidays) > 100 and len(adjusted) > 50  # the table is really filled
    assert not any(is_workday(day) for day in holidays[:: max(len(holidays) // 50, 1)])
    assert all(is_workday(day) for day in adjusted[:: max(len(adjusted) // 50, 1)])


@examples(quick=150, full=3000)
@given(start=days, length=spans)
def test_count_agrees_with_the_table_day_by_day(table, start, length):
    end = start + dt.timedelta(days=length)
    counted = count_workdays(start, end)
    assert counted.workdays == table.count(start, end)
    assert counted.provisional == table.provisional(start, end)


@examples(quick=150, full=3000)
@given(start=days, n=workday_counts)
def test_adding_lands_on_a_working_day_that_count_agrees_with(table, start, n):
    landed = add_workdays(start, n)
    assert table.is_workday(landed.date)
    assert landed.provisional == table.provisional(start, landed.date)
    if n == 0:
        # `start` itself when worked, else the next working day: nothing worked in between.
        assert landed.date >= start and table.count(start, landed.date) == 1
    else:
        # The n-th working day after `start`: exactly n working days in (start, landed].
        assert landed.date > start
        assert count_workdays(start + ONE_DAY, landed.date).workdays == n
        assert table.count(start + ONE_DAY, landed.date - ONE_DAY) == n - 1


@examples(quick=100, full=2000)
@given(start=days, n=positive_counts, m=workday_counts)
def test_adding_twice_is_adding_the_sum(table, start, n, m):
    """From the n-th working day after `start` (n >= 1, so a working day), m more are n + m in all."""
    assert add_workdays(add_workdays(start, n).date, m).date == add_workdays(start, n + m).date


@examples(quick=100, full=2000)
@given(start=days, n=positive_counts, later_by=st.integers(1, 60), more=st.integers(1, 60))
def test_adding_is_monotonic(table, start, n, later_by, more):
    """More working days land later; a later start lands no earlier. (For 0 days, a day off and the
    working day after it both land on that working day, so 0 and 1 may agree.)"""
    landed = add_workdays(start, n).date
    assert add_workdays(start, n + more).date > landed
    assert add_workdays(start + dt.timedelta(days=later_by), n).date >= landed


@examples(quick=100, full=2000)
@given(start=days, n=positive_counts)
def test_counting_back_from_the_result_undoes_the_addition(table, start, n):
    """Add n working days, then step back over n working days of the table: the start's next
    working day at the latest, never earlier than the start."""
    day, remaining = add_workdays(start, n).date, n
    while remaining:
        remaining -= table.is_workday(day)
        day -= ONE_DAY
    assert day >= start
    assert table.count(start + ONE_DAY, day) == 0


@examples(quick=150, full=3000)
@given(start=days, first=spans, second=spans)
def test_counts_of_adjacent_spans_add_up(table, start, first, second):
    middle = start + dt.timedelta(days=first)
    end = middle + dt.timedelta(days=second + 1)
    whole = count_workdays(start, end).workdays
    assert whole == count_workdays(start, middle).workdays + count_workdays(middle + ONE_DAY, end).workdays
