"""Reads with rules: above all, which projects a user may see and what they may do to them."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Func, IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, Role
from accounts.selectors import is_staff_member, unit_subtree_q, units_in_scope

from .models import (
    AnnualTarget,
    Assessment,
    AssessmentDimension,
    LandCommitment,
    LandYearlyActual,
    Project,
    ProjectDocument,
    ProjectStage,
    SigningEvent,
    StageType,
)
from .planning import add_months


def visible_projects(user, queryset=None):
    """The one rule for who sees which project; lists, details, reports and exports all use it.

    A project is seen from its leading unit, from its landing town's unit and from the units
    above them, by its officer and its team; district managers and administrators see all;
    an enterprise user sees its own enterprise's projects.
    """
    queryset = Project.objects.all() if queryset is None else queryset
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset
    if user.role == Role.ENTERPRISE:
        return queryset.filter(enterprise_id=user.enterprise_id) if user.enterprise_id else queryset.none()
    on_team = Project.team.through.objects.filter(project_id=OuterRef("pk"), user_id=user.pk)
    return queryset.filter(unit_subtree_q(user, "leading_unit", "town") | Q(officer=user) | Q(Exists(on_team)))


def with_overdue(queryset, today=None):
    """Annotate `is_overdue`: whether the project has an open stage due before today."""
    return queryset.annotate(is_overdue=has_overdue_stage(today or timezone.localdate()))


def project_list(user):
    """The projects the project list shows `user`, in its default order: the list and exports share it."""
    queryset = visible_projects(user).select_related(
        "enterprise", "signing_event", "industry_chain", "town", "leading_unit", "officer", "current_stage"
    )
    return with_overdue(queryset).order_by("-signed_on", "-id")


def can_edit_project(user, project) -> bool:
    """Staff who see a project may work on it; enterprise users only read its progress."""
    return user.is_authenticated and user.role != Role.ENTERPRISE


def can_manage_project(user, project) -> bool:
    """Reopening stages, reassigning and transferring are for managers and administrators."""
    return user.is_authenticated and (user.is_superuser or user.role in (Role.MANAGER, Role.ADMIN))


def stages_of(project):
    return (
        ProjectStage.objects.filter(project=project).select_related("stage_type", "owner").order_by("stage_type__order")
    )


def signing_events_with_totals(queryset=None):
    """Signing events with their project count and total investment, computed, never typed."""
    queryset = SigningEvent.objects.all() if queryset is None else queryset
    return queryset.annotate(
        project_count=Count("projects", distinct=True), total_investment=Sum("projects__total_investment")
    )


# --- Planning data: progress marks, signing events, targets, land use, assessments, documents ---


def _first_marked_order(flag: str):
    """The order of the first stage type carrying `flag` (marks_landed, marks_construction, ...)."""
    return Subquery(StageType.objects.filter(**{flag: True}).order_by("order").values("order")[:1])


def _done_from(order, project_ref: str):
    return ProjectStage.objects.filter(
        project=OuterRef(project_ref), status=ProjectStage.Status.DONE, stage_type__order__gte=order
    )


def past_stage(flag: str, project_ref: str = "pk"):
    """Whether a project is past the stage marked `flag`: that stage or a later one is done.

    A skipped stage alone does not count (a skipped land stage is not a landing); a later finished
    stage does, since the project cannot have got there without passing it.
    """
    return Exists(_done_from(_first_marked_order(flag), project_ref))


def furthest_done_order(project_ref: str = "pk"):
    """The order of a project's furthest finished stage (None before any): past_stage(flag) holds exactly
    when it reaches the flag's first stage type. One value per project, for reports that count
    several flags at once."""
    done = ProjectStage.objects.filter(project=OuterRef(project_ref), status=ProjectStage.Status.DONE)
    # MAX as a plain function, not an aggregate, so that the subquery has no GROUP BY to plan.
    top = Func(F("stage_type__order"), function="MAX", output_field=IntegerField())
    return Subquery(done.order_by().annotate(top=top).values("top")[:1])


def first_marked_orders(stage_types) -> dict[str, int | None]:
    """For each stage flag, the order of the first of `stage_types` (all of them, by order) carrying it."""
    return {
        flag: next((t.order for t in stage_types if getattr(t, flag)), None)
        for flag in ("marks_landed", "marks_construction", "marks_production")
    }


def passed_order_on(order, project_ref: str = "pk"):
    done = _done_from(order, project_ref).order_by().values("project").annotate(first=Min("finished_on"))
    return Subquery(done.values("first")[:1])


def has_overdue_stage(today, project_ref: str = "pk"):
    """Whether a project has an open stage due before `today`."""
    return Exists(
        ProjectStage.objects.filter(
            project=OuterRef(project_ref),
            status__in=[ProjectStage.Status.PENDING, ProjectStage.Status.IN_PROGRESS],
            due_on__lt=today,
        )
    )


def ratio(numerator, denominator, places: str = "0.0001", scale: int = 1) -> Decimal | None:
    """numerator ÷ denominator (× scale) rounded half up; None without a denominator."""
    if numerator is None or not denominator:
        return None
    value = Decimal(numerator) * scale / Decimal(denominator)
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def can_manage_planning(user) -> bool:
    """Signing events and annual targets are written by managers and administrators."""
    return can_manage_project(user, None)


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def _staff_only(user, queryset):
    return queryset if is_staff_member(user) and user.is_active else queryset.none()


def visible_signing_events(user, queryset=None):
    """Every signing event for staff (its totals are the event's own); none for enterprise users."""
    return _staff_only(user, SigningEvent.objects.all() if queryset is None else queryset)


def signing_events_with_progress(queryset=None):
    """Events with their totals and how many of their projects have landed, started and produce."""

    def past(flag):
        return Count("projects", distinct=True, filter=Q(past_stage(flag, "projects")))

    return signing_events_with_totals(queryset).annotate(
        landed=past("marks_landed"),
        construction_started=past("marks_construction"),
        in_production=past("marks_production"),
    )


def visible_stage_types(user):
    return _staff_only(user, StageType.objects.order_by("order"))


def visible_annual_targets(user, queryset=None):
    queryset = AnnualTarget.objects.all() if queryset is None else queryset
    if not is_staff_member(user) or not user.is_active:
        return queryset.none()
    return queryset.filter(org_unit__in=units_in_scope(user).values("pk"))


COMPLETION = [
    "signed_investment_done",
    "signed_projects_done",
    "funds_in_place_done",
    "construction_starts_done",
    "production_starts_done",
]


def annual_targets_with_completion(targets) -> list:
    """The targets (an iterable of AnnualTarget), each given what its unit's projects achieved that year.

    A project counts once, for its leading unit (牵头单位) and the units above it, however many
    units helped. Signed figures are those of the projects signed in the year; funds in place are
    the cumulative funds of those same projects (the data holds no dated payments); construction
    and production starts are the projects that got past those stages in the year.

    The figures are computed per leading unit and year in three grouped queries (not one subquery
    per target and project) and summed up each target's unit tree here.
    """
    targets = list(targets)
    by_unit_year: dict[tuple[int, int], dict] = {}

    def add(leading_unit_id, year, **figures):
        row = by_unit_year.setdefault((leading_unit_id, year), dict.fromkeys(COMPLETION, 0))
        for name, value in figures.items():
            row[name] += value or 0

    years = sorted({target.year for target in targets})
    signed = (
        Project.objects.filter(signed_on__year__in=years, leading_unit__isnull=False)
        .values("leading_unit_id", year=ExtractYear("signed_on"))
        .annotate(n=Count("pk"), investment=Sum("total_investment"), funds=Sum("funds_in_place"))
        .order_by()
    )
    for row in signed:
        add(
            row["leading_unit_id"],
            row["year"],
            signed_projects_done=row["n"],
            signed_investment_done=row["investment"],
            funds_in_place_done=row["funds"],
        )
    for name, flag in (
        ("construction_starts_done", "marks_construction"),
        ("production_starts_done", "marks_production"),
    ):
        for leading_unit_id, passed_on in _first_passed_on(flag, years):
            if passed_on.year in years:
                add(leading_unit_id, passed_on.year, **{name: 1})

    paths = dict(OrgUnit.objects.filter(pk__in={unit for unit, _year in by_unit_year}).values_list("pk", "path"))
    for target in targets:
        totals = dict.fromkeys(COMPLETION, 0)
        for (unit, year), figures in by_unit_year.items():
            if year == target.year and paths[unit].startswith(target.org_unit.path):
                for name in COMPLETION:
                    totals[name] += figures[name]
        for name in COMPLETION:
            value = totals[name]
            setattr(target, name, Decimal(value) if name.endswith(("investment_done", "place_done")) else value)
    return targets


def _first_passed_on(flag: str, years: list[int]):
    """(leading unit, date) of each project with a leading unit that got past the stage marked `flag` in
    one of `years` (or between them): the earliest finish from that stage on, one grouped query."""
    if not years:
        return []
    first = (
        ProjectStage.objects.filter(
            status=ProjectStage.Status.DONE,
            stage_type__order__gte=_first_marked_order(flag),
            project__leading_unit__isnull=False,
        )
        .values("project_id", "project__leading_unit_id")
        .annotate(passed_on=Min("finished_on"))
        .filter(passed_on__gte=datetime.date(min(years), 1, 1), passed_on__lte=datetime.date(max(years), 12, 31))
        .order_by()
    )
    return first.values_list("project__leading_unit_id", "passed_on")


def visible_land_commitments(user, queryset=None):
    """The land commitments of the projects a staff member sees; none for enterprise users."""
    queryset = LandCommitment.objects.all() if queryset is None else queryset
    if not is_staff_member(user):
        return queryset.none()
    return queryset.filter(project__in=visible_projects(user).values("pk"))


# Milestones of a land contract: (key, commitment field, label). A milestone is met when the project
# gets past the stage the commitment field governs (the construction stage for the start date).
LAND_MILESTONES = [
    ("start", "start_within_months", _("开工")),
    ("completion", "complete_within_months", _("竣工")),
    ("production", "production_within_months", _("投产")),
    ("full_production", "full_production_within_months", _("达产")),
]


def _milestone_order(field: str):
    governed = StageType.objects.filter(commitment_field=field).order_by("order").values("order")[:1]
    if field == "start_within_months":
        return Coalesce(Subquery(governed), _first_marked_order("marks_construction"))
    return Subquery(governed)


def land_commitments_with_facts(queryset):
    """Commitments with the facts their gaps are computed from, in one query."""
    latest = LandYearlyActual.objects.filter(commitment=OuterRef("pk")).order_by("-year")
    return queryset.select_related("project").annotate(
        **{
            f"{key}_reached_on": passed_order_on(_milestone_order(field), "project_id")
            for key, field, _label in LAND_MILESTONES
        },
        latest_year=Subquery(latest.values("year")[:1]),
        latest_output=Subquery(latest.values("output")[:1]),
        latest_tax=Subquery(latest.values("tax")[:1]),
    )


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    committed_by: datetime.date | None
    reached_on: datetime.date | None
    state: str  # met, late, overdue, pending, unknown


@dataclass(frozen=True)
class LandGaps:
    milestones: list[Milestone]
    actual_investment_intensity: Decimal | None
    latest_output_per_mu: Decimal | None
    latest_tax_per_mu: Decimal | None
    output_per_mu_gap: Decimal | None
    tax_per_mu_gap: Decimal | None

    @property
    def dates_behind(self) -> bool:
        return any(m.state in ("late", "overdue") for m in self.milestones)

    @property
    def output_behind(self) -> bool:
        return any(gap is not None and gap < 0 for gap in (self.output_per_mu_gap, self.tax_per_mu_gap))

    @property
    def is_behind(self) -> bool:
        return self.dates_behind or self.output_behind


def _per_mu(amount, area):
    if amount is None or not area:
        return None
    return (Decimal(amount) / Decimal(area)).quantize(Decimal("0.01"))


def _gap(actual, committed):
    if actual is None or committed is None:
        return None
    return actual - committed


def land_gaps(commitment, today) -> LandGaps:
    """Committed against actual, for a commitment from land_commitments_with_facts().

    A date is met when the project got past the stage by the committed date (handover + months),
    late when it did so afterwards, overdue when it has not and the date is past. Output and tax per
    亩 are those of the latest year recorded.
    """
    milestones = []
    for key, field, label in LAND_MILESTONES:
        months = getattr(commitment, field)
        reached = getattr(commitment, f"{key}_reached_on", None)
        due = add_months(commitment.handed_over_on, months) if commitment.handed_over_on and months else None
        if due is None:
            state = "unknown"
        elif reached is not None:
            state = "met" if reached <= due else "late"
        else:
            state = "overdue" if due < today else "pending"
        milestones.append(Milestone(key, str(label), due, reached, state))
    area = commitment.project.land_area
    output = _per_mu(getattr(commitment, "latest_output", None), area)
    tax = _per_mu(getattr(commitment, "latest_tax", None), area)
    return LandGaps(
        milestones=milestones,
        actual_investment_intensity=commitment.project.investment_intensity,
        latest_output_per_mu=output,
        latest_tax_per_mu=tax,
        output_per_mu_gap=_gap(output, commitment.committed_output_per_mu),
        tax_per_mu_gap=_gap(tax, commitment.committed_tax_per_mu),
    )


def land_actuals_of(commitment):
    return LandYearlyActual.objects.filter(commitment=commitment).select_related("commitment__project")


def visible_dimensions(user):
    """Assessment dimensions, for staff."""
    return _staff_only(user, AssessmentDimension.objects.all())


def visible_assessments(user, queryset=None):
    """Assessments of the projects a staff member sees: admission is internal, not for enterprises."""
    queryset = Assessment.objects.all() if queryset is None else queryset
    if not is_staff_member(user):
        return queryset.none()
    return queryset.filter(project__in=visible_projects(user).values("pk"))


def weighted_score(scores) -> tuple[Decimal | None, Decimal | None]:
    """(Σ score × weight, Σ max score × weight) of an assessment's scores; never stored."""
    scores = list(scores)
    if not scores:
        return None, None
    total = sum((s.score * s.dimension.weight for s in scores), Decimal("0"))
    maximum = sum((s.dimension.max_score * s.dimension.weight for s in scores), Decimal("0"))
    return total.quantize(Decimal("0.01")), maximum.quantize(Decimal("0.01"))


def visible_documents(user, project):
    """A project's documents, for whoever sees the project (its enterprise's users included)."""
    return ProjectDocument.objects.filter(project=project, project__in=visible_projects(user).values("pk"))


def can_upload_documents(user, project) -> bool:
    return can_edit_project(user, project)
