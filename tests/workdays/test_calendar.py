import datetime as dt

import chinese_calendar
import pytest

from workdays.calendar import CountResult, WorkdayResult, add_workdays, count_workdays, is_workday

D = dt.date.fromisoformat


def _cc_count(start, end):
    """Working days counted independently, day by day, with chinesecalendar."""
    return sum(chinese_calendar.is_workday(start + dt.timedelta(n)) for n in range((end - start).days + 1))


@pytest.mark.parametrize("day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
def test_adjusted_weekend_days_of_2026_are_working_days(day):
    assert is_workday(D(day))


@pytest.mark.parametrize(
    "day",
    # Spring Festival 2026-02-15..02-23 and National Day 2026-10-01..10-08, weekends included.
    [f"2026-02-{d}" for d in range(15, 24)] + [f"2026-10-0{d}" for d in range(1, 8)],
)
def test_spring_festival_and_national_day_weeks_are_not_working_days(day):
    assert not is_workday(D(day))


def test_ordinary_days():
    assert is_workday(D("2026-03-10"))  # Tuesday
    assert not is_workday(D("2026-03-14"))  # Saturday
    assert is_workday(D("2026-10-08"))  # Thursday after National Day


def test_known_figures_of_2026():
    assert count_workdays(D("2026-01-01"), D("2026-12-31")) == CountResult(248, False)
    assert count_workdays(D("2026-10-01"), D("2026-10-31")).workdays == 18
    assert count_workdays(D("2026-02-01"), D("2026-02-28")).workdays == 16


@pytest.mark.parametrize("year", range(2004, 2027))
def test_whole_years_and_months_agree_with_chinesecalendar(year):
    assert count_workdays(D(f"{year}-01-01"), D(f"{year}-12-31")).workdays == _cc_count(
        D(f"{year}-01-01"), D(f"{year}-12-31")
    )
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        assert count_workdays(first, last) == CountResult(_cc_count(first, last), False), first


def test_count_single_day_and_reversed_range():
    assert count_workdays(D("2026-10-09"), D("2026-10-09")).workdays == 1
    assert count_workdays(D("2026-10-01"), D("2026-10-01")).workdays == 0
    with pytest.raises(ValueError, match="开始日期不能晚于结束日期"):
        count_workdays(D("2026-10-02"), D("2026-10-01"))


def test_add_across_spring_festival():
    assert add_workdays(D("2026-02-13"), 1) == WorkdayResult(D("2026-02-14"), False)  # 调休 Saturday
    assert add_workdays(D("2026-02-14"), 1) == WorkdayResult(D("2026-02-24"), False)
    assert add_workdays(D("2026-02-12"), 3).date == D("2026-02-24")
    assert add_workdays(D("2026-02-24"), 4).date == D("2026-02-28")  # 调休 Saturday again


def test_add_zero_days():
    assert add_workdays(D("2026-10-01"), 0) == WorkdayResult(D("2026-10-08"), False)
    assert add_workdays(D("2026-10-09"), 0).date == D("2026-10-09")
    assert add_workdays(D("2026-10-10"), 0).date == D("2026-10-10")  # a worked Saturday
    assert add_workdays(D("2026-03-14"), 0).date == D("2026-03-16")  # an ordinary Saturday


def test_add_agrees_with_count():
    start = D("2025-06-01")
    for days in (1, 5, 20, 226, 293, 1000):
        result = add_workdays(start, days)
        assert count_workdays(start + dt.timedelta(days=1), result.date).workdays == days
        assert is_workday(result.date)


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="不能为负数"):
        add_workdays(D("2026-01-05"), -1)


def test_results_unpack_like_tuples():
    day, provisional = add_workdays(D("2026-10-09"), 1)
    assert (day, provisional) == (D("2026-10-10"), False)
    workdays, provisional = count_workdays(D("2026-10-01"), D("2026-10-31"))
    assert (workdays, provisional) == (18, False)


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        is_workday(dt.datetime(2026, 1, 5, 9, 0))


def test_unpublished_year_2027_is_estimated_and_provisional():
    assert not is_workday(D("2027-10-01"))  # Friday, National Day
    assert not is_workday(D("2027-02-08"))  # Monday, Spring Festival
    assert is_workday(D("2027-03-10"))  # an ordinary Wednesday
    assert is_workday(D("2027-10-04"))  # no 调休 is estimated: the Monday after National Day is worked
    assert add_workdays(D("2027-09-30"), 1) == WorkdayResult(D("2027-10-04"), True)
    assert add_workdays(D("2027-03-10"), 0) == WorkdayResult(D("2027-03-10"), True)
    assert count_workdays(D("2027-01-01"), D("2027-12-31")).provisional
    # 261 weekdays in 2027, minus the statutory holidays that fall on one.
    assert count_workdays(D("2027-01-01"), D("2027-12-31")).workdays == 261 - 7


def test_crossing_into_an_unpublished_year_is_provisional():
    assert add_workdays(D("2026-12-31"), 1) == WorkdayResult(D("2027-01-04"), True)
    assert count_workdays(D("2026-12-01"), D("2027-01-01")).provisional
    assert not count_workdays(D("2026-12-01"), D("2026-12-31")).provisional


def test_years_outside_the_table_never_crash():
    assert not is_workday(D("2060-10-01"))  # estimated in memory, past the filled years
    assert is_workday(D("2150-06-01"))  # past the lunar tables: weekends only
    assert count_workdays(D("1900-01-01"), D("1999-12-31")).provisional
    assert add_workdays(D("2200-12-31"), 3650).provisional
    with pytest.raises(ValueError):
        add_workdays(dt.date.max - dt.timedelta(days=3), 10)


def test_ten_years_take_a_couple_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert count_workdays(D("2017-01-01"), D("2026-12-31")).workdays == _cc_count(D("2017-01-01"), D("2026-12-31"))
    with django_assert_max_num_queries(2):
        add_workdays(D("2017-01-01"), 3650)
