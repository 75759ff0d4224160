"""Working days on the Chinese calendar: the one place they are computed.

A day is a working day if it is a SpecialDay of kind workday, or a Monday to Friday that is not a
SpecialDay of kind holiday. A year that has no CalendarYear row at all (before or after the years
the table was filled for) gets the statutory holidays estimated by holidays.China, computed in
memory; SpecialDay rows still win on their dates. An answer is `provisional` when a date it touched
lies in a year that is not a published CalendarYear.

Each call reads the tables afresh, in two queries for its whole span, so an administrator's edit
holds at once in every web process and worker; the only thing kept between calls is the
library's estimate per year, which never changes while the process runs.
"""

import datetime as dt
from typing import NamedTuple

from django.utils.translation import gettext as _

from . import sources
from .models import CalendarYear, SpecialDay

_ONE_DAY = dt.timedelta(days=1)
# Real years have about 250 working days; a lower bound sizes the span an addition loads at once.
_MIN_WORKDAYS_PER_YEAR = 200


class WorkdayResult(NamedTuple):
    date: dt.date
    provisional: bool


class CountResult(NamedTuple):
    workdays: int
    provisional: bool


def is_workday(day: dt.date) -> bool:
    day = _as_date(day)
    return Calendar(day.year, day.year).is_workday(day)


def add_workdays(start: dt.date, days: int) -> WorkdayResult:
    """The `days`-th working day after `start` (not counting `start`); for 0, `start` or the next working day."""
    start = _as_date(start)
    return Calendar(start.year, start.year + max(days, 0) // _MIN_WORKDAYS_PER_YEAR + 1).add(start, days)


def count_workdays(start: dt.date, end: dt.date) -> CountResult:
    """Working days from `start` to `end`, both included; ValueError if `start` is after `end`."""
    start, end = _as_date(start), _as_date(end)
    return Calendar(start.year, max(start.year, end.year)).count(start, end)


class Calendar:
    """The special days and published years of a run of years, read in two queries, extended on demand.

    For many computations in one go (a project's stage plan, a page of requests, a report), build
    one and call its methods; the module's functions build a fresh one per call.
    """

    def __init__(self, first_year: int, last_year: int):
        self.special: dict[dt.date, str] = {}
        self.published: set[int] = set()
        self.first, self.last = first_year, first_year - 1
        self._load(first_year, last_year)

    def _cover(self, first_year: int, last_year: int) -> None:
        if first_year < self.first:
            self._load(first_year, self.first - 1)
            self.first = first_year
        if last_year > self.last:
            self._load(self.last + 1, last_year)

    def is_workday(self, day: dt.date) -> bool:
        self._cover(day.year, day.year + (1 if day.year > self.last else 0))
        kind = self.special.get(day)
        if kind is None:
            return day.weekday() < 5
        return kind == sources.WORKDAY

    def add(self, start: dt.date, days: int) -> WorkdayResult:
        start = _as_date(start)
        if days < 0:
            raise ValueError(_("工作日天数不能为负数。"))
        day, remaining = start, days
        try:
            if remaining == 0:
                while not self.is_workday(day):
                    day += _ONE_DAY
            while remaining:
                day += _ONE_DAY
                if self.is_workday(day):
                    remaining -= 1
        except OverflowError:
            raise ValueError(_("计算结果超出了可以表示的日期范围。")) from None
        return WorkdayResult(day, self.provisional(start.year, day.year))

    def count(self, start: dt.date, end: dt.date) -> CountResult:
        start, end = _as_date(start), _as_date(end)
        if start > end:
            raise ValueError(_("开始日期不能晚于结束日期。"))
        self._cover(start.year, end.year)
        total = _weekdays_between(start, end)
        for day, kind in self.special.items():
            if start <= day <= end:
                weekend = day.weekday() >= 5
                if kind == sources.HOLIDAY and not weekend:
                    total -= 1
                elif kind == sources.WORKDAY and weekend:
                    total += 1
        return CountResult(total, self.provisional(start.year, end.year))

    def provisional(self, first_year: int, last_year: int) -> bool:
        return any(year not in self.published for year in range(first_year, last_year + 1))

    def _load(self, first_year: int, last_year: int) -> None:
        last_year = min(last_year, dt.MAXYEAR)
        if last_year < first_year:
            return
        years = dict(
            CalendarYear.objects.filter(year__range=(first_year, last_year)).values_list("year", "is_published")
        )
        self.published.update(year for year, published in years.items() if published)
        for year in range(first_year, last_year + 1):
            if year not in years:
                self.special.update(dict.fromkeys(sources.estimated_holidays(year), sources.HOLIDAY))
        rows = SpecialDay.objects.filter(date__range=(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)))
        self.special.update(rows.values_list("date", "kind"))
        self.last = max(self.last, last_year)


def _weekdays_between(start: dt.date, end: dt.date) -> int:
    weeks, rest = divmod((end - start).days + 1, 7)
    return weeks * 5 + sum(1 for offset in range(rest) if (start.weekday() + offset) % 7 < 5)


def _as_date(value) -> dt.date:
    # A datetime would silently miss every date key, and which date an aware one means is the caller's call.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return value
