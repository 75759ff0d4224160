"""The project pages: list, board, detail with the stage timeline, and the project form.

Reads go through projects.selectors (who sees what), writes through projects.services.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import active_staff
from common.exceptions import ServiceError
from common.uploads import serve
from common.views import add_service_error, paginate, run_service, staff_required
from companies.selectors import visible_visits
from workdays.calendar import Calendar

from .forms import (
    DocumentForm,
    FinishStageForm,
    LandActualForm,
    LandCommitmentForm,
    ProjectEditForm,
    ProjectForm,
    ProjectPageFilter,
    ReassignForm,
    ReopenStageForm,
    SkipStageForm,
    StageEditForm,
    TransferForm,
)
from .models import Project, ProjectStage
from .selectors import (
    can_edit_project,
    can_manage_project,
    can_upload_documents,
    land_actuals_of,
    land_commitments_with_facts,
    land_gaps,
    project_list,
    ratio,
    stages_of,
    visible_assessments,
    visible_documents,
    visible_land_commitments,
    visible_projects,
    visible_stage_types,
    weighted_score,
)
from .services import (
    CLOSED,
    LAND_CONTRACT_MODES,
    MissingFactsError,
    add_project_document,
    create_project,
    finish_stage,
    skip_stage,
    update_project,
)

BOARD_CARDS_PER_COLUMN = 30
HISTORY_SIZE = 30
RECENT_VISITS = 5


# --- List and board ---------------------------------------------------------------------------


def _filtered_projects(request):
    filterset = ProjectPageFilter(request.GET or None, queryset=project_list(request.user), request=request)
    return filterset, filterset.qs


@staff_required
def project_list_page(request):
    filterset, projects = _filtered_projects(request)
    page_obj = paginate(request, projects)
    # Totals of the whole filtered list, not of the page: one aggregate query.
    totals = projects.aggregate(count=Count("pk"), total_investment=Sum("total_investment"))
    return render(
        request,
        "projects/list.html",
        {"filterset": filterset, "page_obj": page_obj, "projects": page_obj.object_list, "totals": totals},
    )


@dataclass
class BoardColumn:
    stage_type: object
    count: int
    cards: list

    @property
    def more(self):
        return self.count - len(self.cards)


def _window_order(queryset):
    """The queryset's ordering as expressions a window function accepts."""
    order = []
    for name in queryset.query.order_by or ("-signed_on", "-id"):
        descending = name.startswith("-")
        expression = F(name.lstrip("-"))
        order.append(expression.desc() if descending else expression.asc())
    return order


@staff_required
def project_board_page(request):
    filterset, projects = _filtered_projects(request)
    counts = dict(projects.order_by().values_list("current_stage").annotate(n=Count("pk")))
    # Every column's first cards in one query: number the rows within each stage, keep the first ones.
    ranked = projects.annotate(
        board_rank=Window(RowNumber(), partition_by=F("current_stage"), order_by=_window_order(projects))
    )
    cards = {}
    for project in ranked.filter(board_rank__lte=BOARD_CARDS_PER_COLUMN):
        cards.setdefault(project.current_stage_id, []).append(project)
    columns = [
        BoardColumn(stage_type, counts.get(stage_type.pk, 0), cards.get(stage_type.pk, []))
        for stage_type in visible_stage_types(request.user)
    ]
    return render(
        request,
        "projects/board.html",
        {"filterset": filterset, "columns": columns, "total": sum(counts.values()), "cap": BOARD_CARDS_PER_COLUMN},
    )


# --- Detail -----------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    stage: ProjectStage
    css: str
    finished_late_by: int | None = None  # working days after the due date (negative: early)
    workdays_left: int | None = None  # open stages: working days to the due date (negative: overdue)
    edit_form: StageEditForm | None = None  # owner and notes, for staff, on open stages
    reopen_form: ReopenStageForm | None = None  # for managers, on finished and skipped stages

    @property
    def late_by(self):
        return self.finished_late_by if self.finished_late_by and self.finished_late_by > 0 else 0

    @property
    def early_by(self):
        return -self.finished_late_by if self.finished_late_by and self.finished_late_by < 0 else 0


def _workdays_after(calendar, start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    return calendar.count(start + datetime.timedelta(days=1), end).workdays


def stage_timeline(stages, today) -> list[TimelineRow]:
    """Each stage, planned against actual, in working days on the Chinese calendar (one calendar read)."""
    dates = [d for s in stages for d in (s.due_on, s.finished_on) if d] + [today]
    calendar = Calendar(min(dates).year, max(dates).year)
    rows = []
    for stage in stages:
        row = TimelineRow(stage, stage.status)
        if stage.status == ProjectStage.Status.DONE and stage.due_on and stage.finished_on:
            due, done = stage.due_on, stage.finished_on
            row.finished_late_by = _workdays_after(calendar, due, done) - _workdays_after(calendar, done, due)
        elif stage.is_open and stage.due_on:
            row.workdays_left = _workdays_after(calendar, today, stage.due_on) - _workdays_after(
                calendar, stage.due_on, today
            )
            if stage.due_on < today:
                row.css = "overdue"
        rows.append(row)
    return rows


def _tracked_fields(model, skip=("id", "created_at", "updated_at", "version", "project")):
    return [f for f in model._meta.concrete_fields if f.name not in skip]


def _with_changes(records, fields):
    """Pair each history record with the fields it changed, diffing against the object's previous record."""
    records = list(records)
    entries = []
    for index, record in enumerate(records):
        previous = next((r for r in records[index + 1 :] if r.id == record.id), None)
        changed = [f for f in fields if previous and getattr(record, f.attname) != getattr(previous, f.attname)]
        entries.append(
            {"record": record, "changed": [str(f.verbose_name) for f in changed], "names": {f.name for f in changed}}
        )
    return entries


REPLAN_FIELDS = {"due_on", "due_is_provisional"}


def _burst_kind(entry) -> str | None:
    """Stage records written together for many stages: the plan created, or due dates re-planned."""
    if not entry.get("stage"):
        return None
    if entry["record"].history_type == "+":
        return "created"
    if entry["names"] and entry["names"] <= REPLAN_FIELDS:
        return "replanned"
    return None


def _same_burst(a, b) -> bool:
    return (
        a.history_user_id == b.history_user_id
        and a.history_change_reason == b.history_change_reason
        and abs(a.history_date - b.history_date) < datetime.timedelta(seconds=5)
    )


def _fold_bursts(entries):
    """A new plan or a re-plan writes a record for every stage at once: show such a burst as one entry."""
    folded = []
    for entry in entries:
        kind = _burst_kind(entry)
        if kind:
            last = folded[-1] if folded else None
            if last and last.get("burst") == kind and _same_burst(last["record"], entry["record"]):
                last["stages"].insert(0, entry["stage"])
                continue
            entry = {**entry, "burst": kind, "stages": [entry["stage"]]}
        folded.append(entry)
    return folded


def project_history(project, size=HISTORY_SIZE):
    """The project's and its stages' changes, newest first: who, when, why and which fields."""
    project_records = project.history.select_related("history_user").order_by("-history_date", "-history_id")
    stage_records = (
        ProjectStage.history.filter(project_id=project.pk)
        .select_related("history_user", "stage_type")
        .order_by("-history_date", "-history_id")
    )
    # More records than shown, so most have a predecessor to diff and bursts can fold into one entry.
    entries = _with_changes(project_records[: size + 1], _tracked_fields(Project))
    entries += [
        {**entry, "stage": entry["record"].stage_type}
        for entry in _with_changes(stage_records[: size * 3], _tracked_fields(ProjectStage))
    ]
    entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
    return _fold_bursts(entries)[:size]


def _assessments(user, project):
    assessments = (
        visible_assessments(user, project.assessments.all())
        .select_related("assessor")
        .prefetch_related("scores__dimension")
    )
    return [(a, *weighted_score(a.scores.all())) for a in assessments[:10]]


def _visible_project(request, pk):
    queryset = visible_projects(request.user).select_related(
        "enterprise", "signing_event", "industry_chain", "town", "leading_unit", "officer", "current_stage"
    )
    return get_object_or_404(queryset.prefetch_related("team"), pk=pk)


def page_staff(user):
    """Who a stage or a project can be given to, read once for every form of the page."""
    return list(active_staff(user).order_by("display_name", "username"))


def stage_edit_form(stage, staff, data=None):
    return StageEditForm(
        data, prefix=f"stage{stage.pk}", staff=staff, initial={"owner": stage.owner_id, "notes": stage.notes}
    )


def reopen_form(stage, data=None):
    return ReopenStageForm(data, prefix=f"reopen{stage.pk}")


def _with_stage_forms(timeline, user, project, bound):
    """Put each stage's forms on its timeline row; `bound` holds a failing form by (kind, stage pk)."""
    may_edit, may_manage = can_edit_project(user, project), can_manage_project(user, project)
    staff = None
    for row in timeline:
        stage = row.stage
        row.edit_form = bound.get(("edit", stage.pk))
        if row.edit_form is None and may_edit and stage.is_open:
            staff = page_staff(user) if staff is None else staff
            row.edit_form = stage_edit_form(stage, staff)
        row.reopen_form = bound.get(("reopen", stage.pk))
        if row.reopen_form is None and may_manage and stage.status in CLOSED:
            row.reopen_form = reopen_form(stage)
    return staff


def land_commitment_of(user, project):
    """The project's land commitment with the facts its gaps are computed from; None if it has none."""
    return land_commitments_with_facts(visible_land_commitments(user).filter(project=project)).first()


def land_actual_edit_form(actual, data=None):
    """A yearly actual's own form: its prefix carries the actual's pk, so every row's ids are unique."""
    return LandActualForm(data, prefix=f"actual{actual.pk}", instance=actual)


def _land_actual_rows(commitment, may_edit, bound):
    """The yearly actuals, each with its edit form; `bound` holds a failing one by the actual's pk."""
    actuals = list(land_actuals_of(commitment).order_by("year"))
    for actual in actuals:
        actual.edit_form = bound.get(actual.pk)
        if actual.edit_form is None and may_edit:
            actual.edit_form = land_actual_edit_form(actual)
    return actuals


def _land_context(request, project, today, land_form, actual_form, actual_edit_forms):
    commitment = land_commitment_of(request.user, project)
    may_edit = can_edit_project(request.user, project)
    context = {
        "land_commitment": commitment,
        "land_applies": commitment is not None or project.land_supply_mode in LAND_CONTRACT_MODES,
        "land_form": land_form or (LandCommitmentForm(prefix="land", instance=commitment) if may_edit else None),
    }
    if commitment is not None:
        context["land_gaps"] = land_gaps(commitment, today)
        context["land_actuals"] = _land_actual_rows(commitment, may_edit, actual_edit_forms or {})
        context["actual_form"] = actual_form or (
            LandActualForm(prefix="actual", initial={"year": today.year - 1}) if may_edit else None
        )
    return context


def _manager_forms(request, project, staff, reassign_form, transfer_form):
    if not can_manage_project(request.user, project):
        return {}
    staff = page_staff(request.user) if staff is None else staff
    return {
        "reassign_form": reassign_form
        or ReassignForm(prefix="reassign", staff=staff, initial={"officer": project.officer_id}),
        "transfer_form": transfer_form
        or TransferForm(prefix="transfer", initial={"leading_unit": project.leading_unit_id}),
    }


def render_detail(
    request,
    project,
    *,
    finish_form=None,
    skip_form=None,
    document_form=None,
    missing=None,
    stage_forms=None,
    reassign_form=None,
    transfer_form=None,
    land_form=None,
    actual_form=None,
    actual_edit_forms=None,
):
    """The project page; a failing form of one of its actions is shown bound, with its errors."""
    today = timezone.localdate()
    stages = list(stages_of(project))
    current = next((s for s in stages if s.is_open), None)
    may_edit = can_edit_project(request.user, project)
    timeline = stage_timeline(stages, today)
    staff = _with_stage_forms(timeline, request.user, project, stage_forms or {})
    context = {
        "project": project,
        "timeline": timeline,
        "current_stage": current,
        "may_edit": may_edit,
        "finish_form": finish_form or FinishStageForm(prefix="finish", initial={"finished_on": today}),
        "skip_form": skip_form or SkipStageForm(prefix="skip"),
        "missing_facts": missing,
        "assessments": _assessments(request.user, project),
        "visits": visible_visits(request.user)
        .filter(enterprise_id=project.enterprise_id)
        .select_related("officer")[:RECENT_VISITS],
        "documents": visible_documents(request.user, project).select_related("uploaded_by")[:50],
        "may_upload": can_upload_documents(request.user, project),
        "document_form": document_form or DocumentForm(prefix="doc"),
        "history": project_history(project),
        "funds_rate": ratio(project.funds_in_place, project.total_investment),
        "today": today,
        **_land_context(request, project, today, land_form, actual_form, actual_edit_forms),
        **_manager_forms(request, project, staff, reassign_form, transfer_form),
    }
    return render(request, "projects/detail.html", context)


@staff_required
def project_detail_page(request, pk):
    return render_detail(request, _visible_project(request, pk))


def _stage_of(project, stage_pk):
    return get_object_or_404(ProjectStage.objects.select_related("stage_type", "project"), pk=stage_pk, project=project)


@staff_required
@require_POST
def finish_stage_page(request, pk, stage_pk):
    project = _visible_project(request, pk)
    stage = _stage_of(project, stage_pk)
    form = FinishStageForm(request.POST, prefix="finish")
    missing = None
    if form.is_valid():
        try:
            finish_stage(actor=request.user, stage=stage, **form.cleaned_data)
        except MissingFactsError as error:
            add_service_error(form, error)
            missing = error.missing
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("阶段“%(stage)s”已完成。") % {"stage": stage.stage_type.name})
            return redirect("projects:detail", pk=project.pk)
    return render_detail(request, project, finish_form=form, missing=missing)


@staff_required
@require_POST
def skip_stage_page(request, pk, stage_pk):
    project = _visible_project(request, pk)
    stage = _stage_of(project, stage_pk)
    form = SkipStageForm(request.POST, prefix="skip")
    if form.is_valid() and run_service(form, skip_stage, actor=request.user, stage=stage, **form.cleaned_data):
        messages.success(request, _("阶段“%(stage)s”已跳过。") % {"stage": stage.stage_type.name})
        return redirect("projects:detail", pk=project.pk)
    return render_detail(request, project, skip_form=form)


@staff_required
@require_POST
def upload_document_page(request, pk):
    project = _visible_project(request, pk)
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        data = form.cleaned_data
        document = run_service(
            form,
            add_project_document,
            actor=request.user,
            project=project,
            upload=data["file"],
            kind=data["kind"],
            title=data["title"],
        )
        if document:
            messages.success(request, _("文件“%(name)s”已上传。") % {"name": document.original_name})
            return redirect("projects:detail", pk=project.pk)
    return render_detail(request, project, document_form=form)


@staff_required
def download_document_page(request, pk, document_pk):
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    document = get_object_or_404(visible_documents(request.user, project), pk=document_pk)
    try:
        return serve(document.file, document.original_name)
    except OSError:
        raise Http404(_("文件已不存在，请重新上传。")) from None


# --- Create and edit --------------------------------------------------------------------------


def _initial_for(user):
    initial = {"officer": user.pk}
    if user.org_unit_id:
        initial["leading_unit"] = user.org_unit_id
        if user.org_unit.is_landing_area:
            initial["town"] = user.org_unit_id
    return initial


@staff_required
def project_create_page(request):
    if request.method == "POST":
        form = ProjectForm(request.POST, user=request.user)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            team = fields.pop("team")
            project = run_service(form, create_project, actor=request.user, team=team, **fields)
            if project:
                messages.success(
                    request, _("项目“%(name)s”已创建，编号 %(code)s。") % {"name": project.name, "code": project.code}
                )
                return redirect("projects:detail", pk=project.pk)
    else:
        form = ProjectForm(user=request.user, initial=_initial_for(request.user))
    return render(request, "projects/form.html", {"form": form})


@staff_required
def project_edit_page(request, pk):
    project = _visible_project(request, pk)
    if request.method == "POST":
        form = ProjectEditForm(request.POST, instance=project, user=request.user)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            version = fields.pop("version")
            team = fields.pop("team")
            if set(team) == set(project.team.all()):
                team = None
            updated = run_service(
                form,
                update_project,
                actor=request.user,
                project=project,
                expected_version=version,
                team=team,
                **fields,
            )
            if updated:
                messages.success(request, _("项目“%(name)s”已保存。") % {"name": updated.name})
                return redirect("projects:detail", pk=project.pk)
    else:
        form = ProjectEditForm(instance=project, user=request.user)
    return render(request, "projects/form.html", {"form": form, "project": project})
