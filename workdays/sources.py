"""The two libraries the calendar is filled from, reduced to the rows the SpecialDay table holds.

- chinesecalendar carries the State Council's published arrangements (holidays and 调休 working
  weekends) for the years it covers.
- holidays.China estimates the statutory holidays of any year 1950..2100 from the lunar calendar; we
  keep only the statutory days, never the 调休 swaps it may know, because without the matching
  working weekends those would make a year shorter than it will be.

Only rows that change the weekend rule are returned: weekday holidays and weekend working days.
"""

import datetime as dt
from functools import lru_cache
from importlib.metadata import version

import chinese_calendar
import holidays

HOLIDAY = "holiday"
WORKDAY = "workday"

# chinesecalendar names its holidays in English (the values of chinese_calendar.Holiday).
# The names are data stored in SpecialDay.name, in the source language of the project.
_CHINESECALENDAR_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

# The statutory holidays (《全国年节及纪念日放假办法》) as holidays.China names them in zh_CN.
_STATUTORY = {"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}


def _is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def published_years() -> set[int]:
    """The years whose official arrangement chinesecalendar holds."""
    return {day.year for day in chinese_calendar.holidays}


def published_source() -> str:
    return f"chinesecalendar {version('chinesecalendar')}"


def estimated_source() -> str:
    return f"holidays {holidays.__version__}（估算）"


def published_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """{date: (kind, name)} of the official arrangement of `year`; {} if chinesecalendar lacks it."""
    rows = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and not _is_weekend(day):
            rows[day] = (HOLIDAY, _chinese_name(name))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and _is_weekend(day):
            rows[day] = (WORKDAY, _chinese_name(name))
    return rows


@lru_cache(maxsize=512)
def estimated_holidays(year: int) -> dict[dt.date, str]:
    """{date: name} of the statutory holidays of `year` that fall on a weekday (none outside 1950..2100)."""
    estimate = holidays.China(years=year, observed=False, language="zh_CN")
    rows = {}
    for day, names in estimate.items():
        statutory = [name for name in names.split("; ") if name.split("（")[0] in _STATUTORY]
        if statutory and not _is_weekend(day):
            rows[day] = "、".join(statutory)
    return rows


def _chinese_name(name) -> str:
    name = getattr(name, "value", name)  # an enum member in some chinesecalendar releases
    return _CHINESECALENDAR_NAMES.get(name, name)
