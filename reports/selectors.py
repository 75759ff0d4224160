"""The pipeline report: how a selection of projects stands, by group, in SQL aggregates.

The selection comes from projects.selectors.visible_projects (and the project list's filters), so
the report never shows more than the caller may see. Rates follow the field's definitions, over
all projects of the selection, terminated ones included:
落地率 = share past 注册落地, 开工率 = past 施工许可/开工, 投产率 = past 投产,
资金到位率 = funds in place ÷ total investment.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from accounts.selectors import is_staff_member
from companies.models import IndustryChain
from projects.models import Project, ProjectStage, SigningEvent, StageType
from projects.selectors import first_marked_orders, furthest_done_order, has_overdue_stage, ratio
from workdays import calendar

ZERO = Decimal("0.00")


def _chains(ids) -> dict:
    return {c.pk: (c.code, c.name, c.order) for c in IndustryChain.objects.filter(pk__in=ids)}


def _units(ids) -> dict:
    return {u.pk: (u.pk, u.name, u.path) for u in OrgUnit.objects.filter(pk__in=ids)}


def _events(ids) -> dict:
    return {e.pk: (e.pk, e.name, e.date) for e in SigningEvent.objects.filter(pk__in=ids)}


def _years(years) -> dict:
    return {year: (year, year, year) for year in years}


@dataclass(frozen=True)
class Grouping:
    """Projects grouped by `field` (a column of the project, or an annotation); `describe` gives, for the
    values found, each one's (key shown, label, sort value)."""

    field: str
    describe: Callable
    annotate: dict = dataclass_field(default_factory=dict)


GROUPINGS = {
    "industry_chain": Grouping("industry_chain_id", _chains),
    "town": Grouping("town_id", _units),
    "leading_unit": Grouping("leading_unit_id", _units),
    "signing_event": Grouping("signing_event_id", _events),
    "signing_year": Grouping("signed_year", _years, {"signed_year": ExtractYear("signed_on")}),
}


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
    """The report for `projects` (a queryset the caller may see), grouped by `group_by` or not at all."""
    return pipeline_reports(projects, [group_by], today, with_durations=with_durations)[group_by]


def pipeline_reports(projects, group_bys, today: datetime.date | None = None, *, with_durations: bool = True) -> dict:
    """The report for `projects` (a queryset the caller may see) grouped by each of `group_bys` (None:
    not grouped), keyed by it. The stage durations do not depend on the grouping; with_durations=False
    leaves them out ("durations" is then None).

    A constant number of queries however many projects, groups or groupings: the stage types, one
    query for the figures grouped by every grouping's column at once and by each project's furthest
    finished stage (one correlated subquery per project answers all three "past the stage" counts),
    one for the current stages, one per grouping for its labels, and the stage durations (see below).
    The groupings are summed up from those rows here.
    """
    today = today or timezone.localdate()
    groupings = {group_by: GROUPINGS[group_by] for group_by in group_bys if group_by}
    # Re-selected by id, so that the filters' annotations and DISTINCT never reach the GROUP BY.
    selection = Project.objects.filter(pk__in=projects.order_by().values("pk"))
    annotated = selection.annotate(**{k: v for g in groupings.values() for k, v in g.annotate.items()})
    columns = list(dict.fromkeys(g.field for g in groupings.values()))
    stage_types = list(StageType.objects.order_by("order"))
    marks = first_marked_orders(stage_types)

    rows = list(
        annotated.annotate(furthest=furthest_done_order())
        .values(*columns, "furthest")
        .annotate(**_metrics(today))
        .order_by()
    )
    stage_rows = list(
        annotated.values(*columns, "current_stage_id")
        .annotate(n=Count("pk"), amount=Sum("total_investment"))
        .order_by()
    )
    reports = {}
    for group_by in group_bys:
        grouping = groupings.get(group_by)
        key_of = (lambda row: "total") if grouping is None else (lambda row, f=grouping.field: row[f])
        sums = _summed(rows, key_of, marks)
        by_stage = {}
        for row in stage_rows:
            found = by_stage.setdefault((key_of(row), row["current_stage_id"]), {"n": 0, "amount": ZERO})
            found["n"] += row["n"]
            found["amount"] += row["amount"] or ZERO
        if grouping is None:
            described = {"total": ("total", _("合计"), 0)}
            sums = sums or {"total": _empty_sums()}
        else:
            described = grouping.describe([key for key in sums if key is not None])
        groups = []
        for key, figures in sums.items():
            shown, label, sort = described.get(key, (None, None, None))
            groups.append(_group(key, shown, label, sort, figures, stage_types, by_stage))
        groups.sort(key=lambda group: group.pop("_sort"))
        reports[group_by] = {
            "group_by": group_by,
            "as_of": today,
            "groups": groups,
            "total": groups[0] if grouping is None else _sum_groups(groups, stage_types),
            "durations": None,
        }
    if with_durations:
        durations = stage_durations(selection, stage_types)
        for report in reports.values():
            report["durations"] = durations
    return reports


def _summed(rows, key_of, marks) -> dict:
    """The figures of each group: the rows of its key summed, the flags counted from the furthest stage."""
    sums = {}
    for row in rows:
        group = sums.setdefault(key_of(row), _empty_sums())
        for name in ("project_count", "terminated_count", "overdue_count"):
            group[name] += row[name]
        for name in SUMS:
            group[name] += row[name] or ZERO
        for name, flag in PAST_COUNTS.items():
            reached = row["furthest"] is not None and marks[flag] is not None and row["furthest"] >= marks[flag]
            group[name] += row["project_count"] if reached else 0
    return sums


def _empty_sums() -> dict:
    return {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(SUMS, ZERO)}


def _group(key, shown, label, sort, figures, stage_types, by_stage) -> dict:
    group = {
        "key": None if shown is None else str(shown),
        "label": label if label is not None else _("未填写"),
        **figures,
        "stages": [],
        "_sort": (sort is None, sort if sort is not None else 0, str(shown)),  # the unfilled group last
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
