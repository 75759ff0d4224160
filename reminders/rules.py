"""When an item with a due date is reminded, in working days: the rules, free of any storage.

Every rule asks "has the moment passed?" rather than "is it exactly the day?", so a sweep that did not
run one day (a holiday of the servers, a stopped scheduler) is caught up by the next; the reminder's
key then makes sure it is sent once.
"""

import datetime as dt
from dataclasses import dataclass

from workdays.calendar import Calendar

ONE_DAY = dt.timedelta(days=1)
WORKING_WEEK = 5


@dataclass(frozen=True)
class Occasion:
    name: str  # "before", "due", "overdue" or "escalation"
    workdays: int  # working days left before the due date, or working days late
    step: int = 0  # the lead time reminded ("before"), or the escalation's number (0 first, then weekly)

    def key(self, item_key: str, due_on: dt.date) -> str:
        step = f":{self.step}" if self.name in ("before", "escalation") else ""
        return f"{item_key}:{self.name}{step}:{due_on.isoformat()}"


class Clock:
    """Working days between a sweep's day and the due dates it meets; each distinct date counted once."""

    def __init__(self, today: dt.date, calendar: Calendar | None = None):
        self.today = today
        self.calendar = calendar or Calendar(today.year - 1, today.year + 1)
        self._left: dict[dt.date, int] = {}
        self._late: dict[dt.date, int] = {}

    def workdays_left(self, due_on: dt.date) -> int:
        """Working days after today up to and including the due date."""
        if due_on <= self.today:
            return 0
        if due_on not in self._left:
            self._left[due_on] = self.calendar.count(self.today + ONE_DAY, due_on).workdays
        return self._left[due_on]

    def workdays_late(self, due_on: dt.date) -> int:
        """Working days after the due date up to and including today."""
        if due_on >= self.today:
            return 0
        if due_on not in self._late:
            self._late[due_on] = self.calendar.count(due_on + ONE_DAY, self.today).workdays
        return self._late[due_on]


def last_due_date_reminded(clock: Clock, longest_lead: int) -> dt.date:
    """The latest due date an owner whose longest lead time is `longest_lead` is reminded of today:
    the day before the (`longest_lead` + 1)-th working day after today."""
    return clock.calendar.add(clock.today, longest_lead + 1).date - ONE_DAY


def owner_occasion(due_on: dt.date, clock: Clock, lead_days) -> Occasion | None:
    """What the item's owner is told today: the tightest lead time reached, the due day, or overdue."""
    if due_on > clock.today:
        left = clock.workdays_left(due_on)
        reached = [lead for lead in lead_days if left <= lead]
        return Occasion("before", left, min(reached)) if reached else None
    if due_on == clock.today:
        return Occasion("due", 0)
    return Occasion("overdue", clock.workdays_late(due_on))


def escalation_occasion(due_on: dt.date, clock: Clock, after_workdays: int) -> Occasion | None:
    """Escalate to the owner's managers once `after_workdays` working days late, then every working week."""
    if due_on >= clock.today:
        return None
    late = clock.workdays_late(due_on)
    if late < after_workdays:
        return None
    return Occasion("escalation", late, (late - after_workdays) // WORKING_WEEK)
