"""The project page's other actions: a stage's owner and notes, reopening a stage, reassigning and
transferring a project (managers), the land-use commitment and its yearly actuals (added and corrected);
and the investor search of the project form.

Each is a POST that redirects to the project page, or re-shows the page with the failing form.
Writes go through projects.services; a manager's action is refused (403) before its input is read.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.exceptions import PermissionDeniedError
from common.views import run_service, staff_required
from companies.selectors import visible_enterprises

from .forms import LandActualForm, LandCommitmentForm, ReassignForm, TransferForm, as_pk, enterprise_options
from .selectors import can_manage_project, land_actuals_of, visible_land_commitments
from .services import (
    add_land_actual,
    create_land_commitment,
    reassign_project,
    reopen_stage,
    transfer_project,
    update_land_actual,
    update_land_commitment,
    update_stage,
)
from .views import (
    _stage_of,
    _visible_project,
    land_actual_edit_form,
    land_commitment_of,
    page_staff,
    render_detail,
    reopen_form,
    stage_edit_form,
)


def _to_project(project, anchor=""):
    return redirect(reverse("projects:detail", args=[project.pk]) + (f"#{anchor}" if anchor else ""))


def _require_manager(user, project, message):
    if not can_manage_project(user, project):
        raise PermissionDeniedError(message)


@staff_required
@require_POST
def update_stage_page(request, pk, stage_pk):
    project = _visible_project(request, pk)
    stage = _stage_of(project, stage_pk)
    form = stage_edit_form(stage, page_staff(request.user), request.POST)
    if form.is_valid():
        changed = {name: value for name, value in form.cleaned_data.items() if getattr(stage, name) != value}
        if not changed or run_service(form, update_stage, actor=request.user, stage=stage, **changed):
            messages.success(request, _("阶段“%(stage)s”已保存。") % {"stage": stage.stage_type.name})
            return _to_project(project, f"stage-{stage.stage_type.code}")
    return render_detail(request, project, stage_forms={("edit", stage.pk): form})


@staff_required
@require_POST
def reopen_stage_page(request, pk, stage_pk):
    project = _visible_project(request, pk)
    stage = _stage_of(project, stage_pk)
    _require_manager(request.user, project, _("只有管理人员可以重新打开阶段。"))
    form = reopen_form(stage, request.POST)
    if form.is_valid() and run_service(form, reopen_stage, actor=request.user, stage=stage, **form.cleaned_data):
        messages.success(request, _("阶段“%(stage)s”已重新打开。") % {"stage": stage.stage_type.name})
        return _to_project(project, f"stage-{stage.stage_type.code}")
    return render_detail(request, project, stage_forms={("reopen", stage.pk): form})


@staff_required
@require_POST
def reassign_page(request, pk):
    project = _visible_project(request, pk)
    _require_manager(request.user, project, _("只有管理人员可以改派或转办项目。"))
    form = ReassignForm(request.POST, prefix="reassign", staff=page_staff(request.user))
    if form.is_valid() and run_service(
        form, reassign_project, actor=request.user, project=project, **form.cleaned_data
    ):
        officer = form.cleaned_data["officer"]
        messages.success(request, _("招商专员已更换为 %(officer)s。") % {"officer": officer})
        return _to_project(project)
    return render_detail(request, project, reassign_form=form)


@staff_required
@require_POST
def transfer_page(request, pk):
    project = _visible_project(request, pk)
    _require_manager(request.user, project, _("只有管理人员可以改派或转办项目。"))
    form = TransferForm(request.POST, prefix="transfer")
    if form.is_valid():
        unit = form.cleaned_data["leading_unit"]
        reason = form.cleaned_data["reason"]
        if run_service(form, transfer_project, actor=request.user, project=project, unit=unit, reason=reason):
            messages.success(request, _("项目已移交至 %(unit)s 牵头。") % {"unit": unit.name})
            return _to_project(project)
    return render_detail(request, project, transfer_form=form)


@staff_required
@require_POST
def land_commitment_page(request, pk):
    """Record the project's land commitment, or change the one it has."""
    project = _visible_project(request, pk)
    commitment = land_commitment_of(request.user, project)
    form = LandCommitmentForm(request.POST, prefix="land", instance=commitment)
    if form.is_valid():
        fields = form.cleaned_data
        if commitment is None:
            saved = run_service(form, create_land_commitment, actor=request.user, project=project, **fields)
        else:
            saved = run_service(form, update_land_commitment, actor=request.user, commitment=commitment, **fields)
        if saved:
            messages.success(request, _("用地承诺已保存。"))
            return _to_project(project, "land")
    return render_detail(request, project, land_form=form)


def _visible_commitment(request, project):
    return get_object_or_404(visible_land_commitments(request.user).select_related("project"), project=project)


@staff_required
@require_POST
def land_actual_page(request, pk):
    project = _visible_project(request, pk)
    commitment = _visible_commitment(request, project)
    form = LandActualForm(request.POST, prefix="actual")
    if form.is_valid():
        actual = run_service(form, add_land_actual, actor=request.user, commitment=commitment, **form.cleaned_data)
        if actual:
            messages.success(request, _("%(year)s 年度实绩已登记。") % {"year": actual.year})
            return _to_project(project, "land")
    return render_detail(request, project, actual_form=form)


@staff_required
@require_POST
def update_land_actual_page(request, pk, actual_pk):
    """Correct a yearly actual: its year, output, tax or jobs."""
    project = _visible_project(request, pk)
    actual = get_object_or_404(land_actuals_of(_visible_commitment(request, project)), pk=actual_pk)
    form = land_actual_edit_form(actual, request.POST)
    if form.is_valid():
        saved = run_service(form, update_land_actual, actor=request.user, actual=actual, **form.cleaned_data)
        if saved:
            messages.success(request, _("%(year)s 年度实绩已保存。") % {"year": saved.year})
            return _to_project(project, "land")
    return render_detail(request, project, actual_edit_forms={actual.pk: form})


@staff_required
@require_GET
def enterprise_options_page(request):
    """The investor select's <option>s for a search (htmx): visible enterprises only, the chosen one kept."""
    selected = as_pk(request.GET.get("enterprise"))
    search = request.GET.get("q", "")[:100]
    enterprises = enterprise_options(visible_enterprises(request.user), selected=selected, search=search)
    return render(
        request, "projects/_enterprise_options.html", {"enterprises": enterprises, "selected": selected, "q": search}
    )
