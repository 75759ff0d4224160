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

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import is_staff_member
from projects.models import Project, ProjectStage, StageType
from projects.selectors import has_overdue_stage, past_stage, ratio
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


def can_view_reports(user) -> bool:
    """Reports are for government staff; an enterprise user follows its own projects instead."""
    return is_staff_member(user)


def _metrics(today):
    def past(flag):
        return Count("pk", filter=Q(past_stage(flag)))

    return {
        "project_count": Count("pk"),
        "terminated_count": Count("pk", filter=Q(status=Project.Status.TERMINATED)),
        "total_investment": Sum("total_investment"),
        "funds_in_place": Sum("funds_in_place"),
        "landed_count": past("marks_landed"),
        "construction_started_count": past("marks_construction"),
        "in_production_count": past("marks_production"),
        "overdue_count": Count("pk", filter=Q(has_overdue_stage(today))),
    }


COUNTS = [
    "project_count",
    "terminated_count",
    "landed_count",
    "construction_started_count",
    "in_production_count",
    "overdue_count",
]
SUMS = ["total_investment", "funds_in_place"]


def pipeline_report(projects, group_by: str | None = None, today: datetime.date | None = None) -> dict:
    """The report for `projects` (a queryset the caller may see), grouped by `group_by` or not at all.

    A constant number of queries however many projects or groups: the stage types, one grouped
    query for the figures, one for the current stages, and the stage durations (see below).
    """
    today = today or timezone.localdate()
    grouping = GROUPINGS[group_by] if group_by else None
    # Re-selected by id, so that the filters' annotations and DISTINCT never reach the GROUP BY.
    selection = Project.objects.filter(pk__in=projects.order_by().values("pk"))
    stage_types = list(StageType.objects.order_by("order"))

    if grouping is None:
        rows = [{"_key": "total", "_label": _("合计"), "_sort": 0, **selection.aggregate(**_metrics(today))}]
        stage_rows = selection.values("current_stage_id").annotate(n=Count("pk"), amount=Sum("total_investment"))
        stage_rows = [{**row, "_key": "total"} for row in stage_rows]
    else:
        grouped = selection.annotate(**grouping.annotate)
        fields = [grouping.key, grouping.sort] + ([grouping.label] if grouping.label else [])
        rows = [
            {
                **row,
                "_key": row[grouping.key],
                "_label": row[grouping.label] if grouping.label else row[grouping.key],
                "_sort": row[grouping.sort],
            }
            for row in grouped.values(*fields).annotate(**_metrics(today))
        ]
        stage_rows = [
            {**row, "_key": row[grouping.key]}
            for row in grouped.values(grouping.key, "current_stage_id").annotate(
                n=Count("pk"), amount=Sum("total_investment")
            )
        ]
    by_stage = {(row["_key"], row["current_stage_id"]): row for row in stage_rows}
    groups = [_group(row, stage_types, by_stage) for row in sorted(rows, key=_order)]
    return {
        "group_by": group_by,
        "as_of": today,
        "groups": groups,
        "total": groups[0] if grouping is None else _sum_groups(groups, stage_types),
        "durations": stage_durations(selection, stage_types),
    }


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
    (through the calendar's own span loader, so the rules stay in one place) and answers each pair
    from running totals.
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

    def count(self, start: datetime.date, end: datetime.date) -> int:
        return self.running[(end - self.first).days + 1] - self.running[(start - self.first).days]

    def provisional(self, start: datetime.date, end: datetime.date) -> bool:
        return any(year not in self.published for year in range(start.year, end.year + 1))


def stage_durations(projects, stage_types) -> dict:
    """Average working days from start to finish of each finished stage, against its target.

    The government's steps are the stages due in working days (准入评估 to 施工许可); the sum of their
    averages is compared with the sum of their targets (226 working days after the district's reform).
    """
    rows = list(
        ProjectStage.objects.filter(
            project__in=projects.values("pk"),
            status=ProjectStage.Status.DONE,
            started_on__isnull=False,
            finished_on__isnull=False,
        ).values_list("stage_type_id", "started_on", "finished_on")
    )
    spent: dict[int, list[int]] = {}
    provisional = False
    if rows:
        counter = WorkdayCounter(min(r[1] for r in rows), max(r[2] for r in rows))
        for stage_type_id, started_on, finished_on in rows:
            spent.setdefault(stage_type_id, []).append(counter.count(started_on, finished_on))
            provisional = provisional or counter.provisional(started_on, finished_on)
    stages, government_average, government_target = [], None, 0
    for stage_type in stage_types:
        days = spent.get(stage_type.pk, [])
        average = (Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")) if days else None
        target = stage_type.target_workdays
        stages.append(
            {
                "code": stage_type.code,
                "name": stage_type.name,
                "party": stage_type.party,
                "target_workdays": target,
                "finished_count": len(days),
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
