"""Due dates of a project's stages.

The government's steps are due a number of working days after the previous stage finishes; the
enterprise's steps after land handover are due a number of calendar months after the handover, as
the land contract commits (or the stage type's default). A stage not yet finished is assumed to
finish on its due date, so a late finish moves every later due date.
"""

import calendar
import datetime
from dataclasses import dataclass

from workdays.calendar import Calendar

from .models import LandCommitment, ProjectStage, StageType


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clipped to the month's end (2024-01-31 + 1 month = 2024-02-29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PlannedDue:
    due_on: datetime.date | None
    provisional: bool = False


def _months_for(stage_type: StageType, commitment: LandCommitment | None) -> int:
    if commitment is not None and stage_type.commitment_field:
        committed = getattr(commitment, stage_type.commitment_field, None)
        if committed:
            return committed
    return stage_type.target_months


def plan(
    stages: list[ProjectStage], commitment: LandCommitment | None = None, calendar: Calendar | None = None
) -> dict[int, PlannedDue]:
    """Return the due date of every open stage, keyed by stage id; closed stages keep theirs."""
    if calendar is None:
        known = [s.finished_on for s in stages if s.finished_on] or [datetime.date.today()]
        calendar = Calendar(min(known).year, max(known).year + 2)
    anchor = None
    handover = commitment.handed_over_on if commitment is not None else None
    planned = {}
    for stage in sorted(stages, key=lambda s: s.stage_type.order):
        stage_type = stage.stage_type
        if stage.status == ProjectStage.Status.DONE:
            anchor = stage.finished_on
            if stage_type.is_land_handover and handover is None:
                handover = stage.finished_on
            continue
        if stage.status == ProjectStage.Status.SKIPPED:
            continue
        if stage_type.due_basis == StageType.DueBasis.MONTHS_AFTER_LAND and handover is None:
            # A project without a land stage (a rented standard factory) counts from its last step.
            handover = anchor
        due = _due_for(stage_type, anchor, handover, commitment, calendar)
        planned[stage.pk] = due
        if due.due_on is not None:
            anchor = due.due_on
            if stage_type.is_land_handover and handover is None:
                handover = due.due_on
    return planned


def _due_for(stage_type, anchor, handover, commitment, calendar) -> PlannedDue:
    basis = stage_type.due_basis
    if basis == StageType.DueBasis.WORKDAYS and anchor is not None:
        result = calendar.add(anchor, stage_type.target_workdays)
        return PlannedDue(result.date, result.provisional)
    if basis == StageType.DueBasis.MONTHS_AFTER_LAND and handover is not None:
        return PlannedDue(add_months(handover, _months_for(stage_type, commitment)))
    return PlannedDue(None)
