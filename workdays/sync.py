"""Fill the calendar tables from the libraries (the data migration and `manage.py sync_workdays`).

The unit of ownership is the year, so that an administrator's work is never overwritten:

- A **published** year (CalendarYear.is_published) belongs to the administrators: the sync never
  touches it or its SpecialDays, whoever entered them.
- A year **missing** from CalendarYear is created: published, with chinesecalendar's arrangement,
  when the library has it; otherwise unpublished, with the statutory holidays estimated by
  holidays.China. Rows an administrator already entered on those dates are kept.
- An **unpublished** year is upgraded when chinesecalendar publishes it: its rows (the estimates and
  any edits to them) are replaced by the official arrangement and the year is marked published.
  Otherwise it is left as it is, so an edited estimate is not re-estimated.

Running it twice changes nothing.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from . import sources


@dataclass
class SyncReport:
    published: list[int] = field(default_factory=list)
    upgraded: list[int] = field(default_factory=list)
    estimated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def default_last_year(today: dt.date | None = None) -> int:
    return max(2035, (today or dt.date.today()).year + 10)


def sync_calendar(first_year: int, last_year: int, *, calendar_year_model=None, special_day_model=None) -> SyncReport:
    """Bring the years first_year..last_year up to date; the models may be a migration's historical ones."""
    if calendar_year_model is None or special_day_model is None:
        from .models import CalendarYear, SpecialDay

        calendar_year_model, special_day_model = CalendarYear, SpecialDay
    report = SyncReport()
    published_years = sources.published_years()
    with transaction.atomic():
        existing = {
            row.year: row
            for row in calendar_year_model.objects.select_for_update().filter(year__range=(first_year, last_year))
        }
        for year in range(first_year, last_year + 1):
            row = existing.get(year)
            publishable = year in published_years
            if row is not None and (row.is_published or not publishable):
                report.unchanged.append(year)
            elif not publishable:
                estimate = {day: (sources.HOLIDAY, name) for day, name in sources.estimated_holidays(year).items()}
                _create_missing(special_day_model, year, estimate)
                calendar_year_model.objects.create(year=year, is_published=False, source=sources.estimated_source())
                report.estimated.append(year)
            elif row is None:
                _create_missing(special_day_model, year, sources.published_days(year))
                calendar_year_model.objects.create(year=year, is_published=True, source=sources.published_source())
                report.published.append(year)
            else:
                special_day_model.objects.filter(date__year=year).delete()
                _create_missing(special_day_model, year, sources.published_days(year))
                row.is_published, row.source = True, sources.published_source()
                row.save(update_fields=["is_published", "source"])
                report.upgraded.append(year)
    return report


def _create_missing(special_day_model, year: int, days: dict[dt.date, tuple[str, str]]) -> None:
    taken = set(special_day_model.objects.filter(date__year=year).values_list("date", flat=True))
    special_day_model.objects.bulk_create(
        special_day_model(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(days.items())
        if day not in taken
    )
