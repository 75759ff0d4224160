"""The pipeline report: how a selection of projects stands, by group, in SQL aggregates.

The selection comes from projects.selectors.visible_projects (and the project list's filters), so
the report never shows more than the caller may see. Rates follow the field's definitions, over
all projects of the selection, terminated ones included:
落地率 = share past 注册落地, 开工率 = past 施工许可/开工, 投产率 = past 投产,
资金到位率 = funds in place ÷ total investment.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import is_staff_member
from projects.models import Project, ProjectStage, StageType
from projects.selectors import first_marked_orders, furthest_done_order, has_overdue_stage, ratio
from workdays import calendar

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Grouping:
    key: str
    label: str | None
    sort: str
    annotate: dict = field(default_factory=dict)


GROUPINGS = {
    "industry_chain": Grouping("industry_chain__code", "industry_chain__name", "industry_chain__order"),
    "town": Grouping("town_id", "town__name", "town__path"),
    "leading_unit": Grouping("leading_unit_id", "leading_unit__name", "leading_unit__path"),
    "signing_event": Grouping("signing_event_id", "signing_event__name", "signing_event__date"),
    "signing_year": Grouping("signed_year", None, "signed_year", {"signed_year": ExtractYear("signed_on")}),
}
# No grouping: every project in one group, keyed by a constant.
TOTAL = Grouping("report_total", None, "report_total", {"report_total": Value(0)})


def can_view_reports(user) -> bool:
    """Reports are for government staff; an enterprise user follows its own projects instead."""
    return is_staff_member(user)


# Summed over the rows of one group; the stage flags are counted from each row's furthest stage.
COUNTS = [
    "project_count",
    "terminated_count",
    "landed_count",
    "construction_started_count",
    "in_production_count",
    "overdue_count",
]
SUMS = ["total_investment", "funds_in_place"]
PAST_COUNTS = {
    "landed_count": "marks_landed",
    "construction_started_count": "marks_construction",
    "in_production_count": "marks_production",
}


def _metrics(today):
    return {
        "project_count": Count("pk"),
        "terminated_count": Count("pk", filter=Q(status=Project.Status.TERMINATED)),
        "total_investment": Sum("total_investment"),
        "funds_in_place": Sum("funds_in_place"),
        "overdue_count": Count("pk", filter=Q(has_overdue_stage(today))),
    }


def pipeline_report(
    projects, group_by: str | None = None, today: datetime.date | None = None, *, with_durations: bool = True
) -> dict:
    """The report for `projects` (a queryset the caller may see), grouped by `group_by` or not at all.
    The stage durations do not depend on the grouping: a caller showing several groupings of the same
    projects asks for them once (with_durations=False for the others: "durations" is then None).

    A constant number of queries however many projects or groups: the stage types, one grouped
    query for the figures, one for the current stages, and the stage durations (see below). The
    figures are grouped by each project's furthest finished stage as well, so that one correlated
    subquery per project answers all three "past the stage" counts (summed up here).
    """
    today = today or timezone.localdate()
    grouping = GROUPINGS[group_by] if group_by else TOTAL
    # Re-selected by id, so that the filters' annotations and DISTINCT never reach the GROUP BY.
    selection = Project.objects.filter(pk__in=projects.order_by().values("pk"))
    stage_types = list(StageType.objects.order_by("order"))
    marks = first_marked_orders(stage_types)

    grouped = selection.annotate(**grouping.annotate, furthest=furthest_done_order())
    fields = [grouping.key, grouping.sort] + ([grouping.label] if grouping.label else [])
    rows: dict = {}
    for row in grouped.values(*fields, "furthest").annotate(**_metrics(today)).order_by():
        key = row[grouping.key]
        group = rows.setdefault(
            key,
            {
                "_key": key,
                "_label": row[grouping.label] if grouping.label else key,
                "_sort": row[grouping.sort],
                **dict.fromkeys(COUNTS, 0),
                **dict.fromkeys(SUMS, ZERO),
            },
        )
        for name in ("project_count", "terminated_count", "overdue_count"):
            group[name] += row[name]
        for name in SUMS:
            group[name] += row[name] or ZERO
        for name, flag in PAST_COUNTS.items():
            reached = row["furthest"] is not None and marks[flag] is not None and row["furthest"] >= marks[flag]
            group[name] += row["project_count"] if reached else 0
    stage_rows = selection.annotate(**grouping.annotate).values(grouping.key, "current_stage_id")
    by_stage = {
        (row[grouping.key], row["current_stage_id"]): row
        for row in stage_rows.annotate(n=Count("pk"), amount=Sum("total_investment")).order_by()
    }
    groups = [_group(row, stage_types, by_stage) for row in sorted(rows.values(), key=_order)]
    if group_by is None:
        groups = groups or [_group(_empty_total(), stage_types, by_stage)]
        for group in groups:
            group["key"], group["label"] = "total", _("合计")
    return {
        "group_by": group_by,
        "as_of": today,
        "groups": groups,
        "total": groups[0] if group_by is None else _sum_groups(groups, stage_types),
        "durations": stage_durations(selection, stage_types) if with_durations else None,
    }


def _empty_total() -> dict:
    return {"_key": None, "_label": None, "_sort": 0, **dict.fromkeys(COUNTS, 0), **dict.fromkeys(SUMS, ZERO)}


def _order(row):
    value = row["_sort"]
    return (value is None, value if value is not None else 0, str(row["_key"]))


def _group(row, stage_types, by_stage) -> dict:
    key = row["_key"]
    group = {
        "key": None if key is None else str(key),
        "label": row["_label"] if row["_label"] is not None else _("未填写"),
        **{name: row[name] or 0 for name in COUNTS},
        **{name: row[name] or ZERO for name in SUMS},
        "stages": [],
    }
    for stage_type in stage_types:
        found = by_stage.get((key, stage_type.pk), {})
        group["stages"].append(
            {
                "code": stage_type.code,
                "name": stage_type.name,
                "project_count": found.get("n") or 0,
                "total_investment": found.get("amount") or ZERO,
            }
        )
    return _with_rates(group)


def _with_rates(group: dict) -> dict:
    count = group["project_count"]
    group["landing_rate"] = ratio(group["landed_count"], count)
    group["construction_rate"] = ratio(group["construction_started_count"], count)
    group["production_rate"] = ratio(group["in_production_count"], count)
    group["funds_in_place_rate"] = ratio(group["funds_in_place"], group["total_investment"])
    return group


def _sum_groups(groups, stage_types) -> dict:
    total = {
        "key": "total",
        "label": _("合计"),
        **{name: sum(g[name] for g in groups) for name in COUNTS},
        **{name: sum((g[name] for g in groups), ZERO) for name in SUMS},
        "stages": [
            {
                "code": stage_type.code,
                "name": stage_type.name,
                "project_count": sum(g["stages"][i]["project_count"] for g in groups),
                "total_investment": sum((g["stages"][i]["total_investment"] for g in groups), ZERO),
            }
            for i, stage_type in enumerate(stage_types)
        ],
    }
    return _with_rates(total)


# --- Time spent in each stage -----------------------------------------------------------------


class WorkdayCounter:
    """Working days between many pairs of dates, both ends included, as workdays.calendar counts them.

    calendar.count_workdays reads the calendar on every call; this reads it once for the whole span
    (through the calendar's own span loader, so the rules stay in one place) and answers from running
    totals: before(day) is the number of working days from `first` up to the day before `day`.
    """

    def __init__(self, first: datetime.date, last: datetime.date):
        span = calendar.Calendar(first.year, last.year)
        self.first = first
        self.published = span.published
        self.running = [0]
        day = first
        while day <= last:
            self.running.append(self.running[-1] + span.is_workday(day))
            day += datetime.timedelta(days=1)

    def before(self, day: datetime.date) -> int:
        return self.running[(day - self.first).days]

    def through(self, day: datetime.date) -> int:
        return self.running[(day - self.first).days + 1]

    def count(self, start: datetime.date, end: datetime.date) -> int:
        return self.through(end) - self.before(start)

    def unpublished_years(self, first_year: int, last_year: int) -> list[int]:
        return [year for year in range(first_year, last_year + 1) if year not in self.published]

    def provisional(self, start: datetime.date, end: datetime.date) -> bool:
        return bool(self.unpublished_years(start.year, end.year))


def stage_durations(projects, stage_types) -> dict:
    """Average working days from start to finish of each finished stage, against its target.

    The government's steps are the stages due in working days (准入评估 to 施工许可); the sum of their
    averages is compared with the sum of their targets (226 working days after the district's reform).

    A stage's working days are through(finished_on) − before(started_on), so their sum per stage type
    needs only how many stages started and finished on each day: two grouped queries of a few thousand
    rows, whatever the number of stages.
    """
    finished = ProjectStage.objects.filter(
        project__in=projects.values("pk"),
        status=ProjectStage.Status.DONE,
        started_on__isnull=False,
        finished_on__isnull=False,
    ).order_by()
    starts = list(finished.values_list("stage_type_id", "started_on").annotate(n=Count("pk")))
    ends = list(finished.values_list("stage_type_id", "finished_on").annotate(n=Count("pk")))
    total: dict[int, int] = {}
    count: dict[int, int] = {}
    provisional = False
    if starts:
        days = [day for _t, day, _n in starts + ends]
        counter = WorkdayCounter(min(days), max(days))
        for stage_type_id, day, n in ends:
            total[stage_type_id] = total.get(stage_type_id, 0) + n * counter.through(day)
            count[stage_type_id] = count.get(stage_type_id, 0) + n
        for stage_type_id, day, n in starts:
            total[stage_type_id] -= n * counter.before(day)
        # Provisional when some finished stage spans a year whose calendar is not yet published.
        unpublished = counter.unpublished_years(min(days).year, max(days).year)
        if unpublished:
            touching = Q()
            for year in unpublished:
                touching |= Q(started_on__lte=datetime.date(year, 12, 31), finished_on__gte=datetime.date(year, 1, 1))
            provisional = finished.filter(touching).exists()
    stages, government_average, government_target = [], None, 0
    for stage_type in stage_types:
        finished_count = count.get(stage_type.pk, 0)
        average = (Decimal(total[stage_type.pk]) / finished_count).quantize(Decimal("0.1")) if finished_count else None
        target = stage_type.target_workdays
        stages.append(
            {
                "code": stage_type.code,
                "name": stage_type.name,
                "party": stage_type.party,
                "target_workdays": target,
                "finished_count": finished_count,
                "average_workdays": average,
                "exceeds_target": None if average is None or target is None else average > target,
            }
        )
        if stage_type.due_basis == StageType.DueBasis.WORKDAYS:
            government_target += target or 0
            if average is not None:
                government_average = (government_average or Decimal("0")) + average
    return {
        "stages": stages,
        "government_average_workdays": government_average,
        "government_target_workdays": government_target,
        "provisional": provisional,
    }
