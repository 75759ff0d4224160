import datetime as dt

import pytest
from django.core.management import call_command

from workdays.calendar import is_workday
from workdays.models import CalendarYear, SpecialDay
from workdays.sources import estimated_holidays, published_days
from workdays.sync import sync_calendar


def _snapshot():
    return (
        list(CalendarYear.objects.order_by("year").values_list("year", "is_published", "source")),
        list(SpecialDay.objects.order_by("date").values_list("id", "date", "kind", "name")),
    )


def test_the_migration_filled_published_and_estimated_years():
    assert CalendarYear.objects.get(year=2026).is_published
    assert not CalendarYear.objects.get(year=2027).is_published
    assert CalendarYear.objects.filter(year=2035, is_published=False).exists()
    assert SpecialDay.objects.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    assert SpecialDay.objects.get(date=dt.date(2026, 2, 14)).kind == SpecialDay.Kind.WORKDAY
    assert SpecialDay.objects.get(date=dt.date(2027, 10, 1)).name == "国庆节"
    assert not SpecialDay.objects.filter(date__year=2027, kind=SpecialDay.Kind.WORKDAY).exists()
    # Only rows that change the weekend rule are stored.
    assert not SpecialDay.objects.filter(date=dt.date(2026, 10, 3)).exists()


def test_sync_workdays_twice_changes_nothing():
    before = _snapshot()
    call_command("sync_workdays")
    call_command("sync_workdays", "--from", "2004", "--to", "2040")
    assert _snapshot()[0][: len(before[0])] == before[0]
    after = _snapshot()
    call_command("sync_workdays", "--from", "2004", "--to", "2040")
    assert _snapshot() == after


def test_a_published_year_is_upgraded_from_an_estimate():
    """As when a new chinesecalendar release publishes a year that was estimated until then."""
    SpecialDay.objects.filter(date__year=2026).delete()
    SpecialDay.objects.bulk_create(
        SpecialDay(date=day, kind=SpecialDay.Kind.HOLIDAY, name=name) for day, name in estimated_holidays(2026).items()
    )
    CalendarYear.objects.filter(year=2026).update(is_published=False, source="estimate")
    # The estimate knows only the statutory days: no bridge day off, no worked Saturday.
    assert is_workday(dt.date(2026, 1, 2))
    assert not is_workday(dt.date(2026, 2, 14))

    report = sync_calendar(2026, 2026)

    assert report.upgraded == [2026]
    assert CalendarYear.objects.get(year=2026).is_published
    stored = {row.date: (row.kind, row.name) for row in SpecialDay.objects.filter(date__year=2026)}
    assert stored == published_days(2026)
    assert is_workday(dt.date(2026, 2, 14))
    assert not is_workday(dt.date(2026, 1, 2))


def test_an_administrators_edit_of_a_published_year_survives_a_sync():
    SpecialDay.objects.filter(date=dt.date(2026, 10, 7)).update(kind=SpecialDay.Kind.WORKDAY, name="区里加班")
    SpecialDay.objects.create(date=dt.date(2026, 12, 31), kind=SpecialDay.Kind.HOLIDAY, name="区庆")
    call_command("sync_workdays", "--from", "2026", "--to", "2026")
    assert SpecialDay.objects.get(date=dt.date(2026, 10, 7)).name == "区里加班"
    assert SpecialDay.objects.filter(date=dt.date(2026, 12, 31)).exists()


def test_an_edited_estimate_is_not_re_estimated():
    SpecialDay.objects.filter(date=dt.date(2027, 9, 15)).delete()  # the administrator removed 中秋节
    call_command("sync_workdays", "--from", "2027", "--to", "2027")
    assert not SpecialDay.objects.filter(date=dt.date(2027, 9, 15)).exists()


def test_a_new_estimated_year_keeps_rows_already_entered():
    year = 2090  # past the years the migration fills
    entered = min(estimated_holidays(year))
    SpecialDay.objects.create(date=entered, kind=SpecialDay.Kind.WORKDAY, name="手工录入")
    report = sync_calendar(year, year)
    assert report.estimated == [year]
    assert SpecialDay.objects.get(date=entered).name == "手工录入"
    stored = set(SpecialDay.objects.filter(date__year=year).values_list("date", flat=True))
    assert stored == set(estimated_holidays(year))
    assert not CalendarYear.objects.get(year=year).is_published


def test_sync_workdays_refuses_a_bad_range():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("sync_workdays", "--from", "2030", "--to", "2020")
