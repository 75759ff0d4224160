"""Planning pages: signing events with their projects' progress, and land-use commitments behind."""

from decimal import Decimal
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from common.filters import search_any
from common.views import paginate, staff_required
from reports import charts
from reports.selectors import pipeline_report

from .api.filters import PASSED_FLAGS
from .planning_forms import LandCommitmentFilterForm, SigningEventFilterForm
from .selectors import (
    land_commitments_with_facts,
    land_gaps,
    past_stage,
    project_list,
    signing_events_with_progress,
    visible_land_commitments,
    visible_signing_events,
)

PROJECTS_URL = "/projects/"  # the project list reads the API's ProjectFilter parameters


def _projects_url(**params) -> str:
    return f"{PROJECTS_URL}?{urlencode(params)}"


def _progress_urls(event_pk) -> dict[str, str]:
    """The event's projects past 落地, 开工 and 投产: the list's `passed` filter counts as the reports do."""
    return {passed: _projects_url(signing_event=event_pk, passed=passed) for passed in PASSED_FLAGS}


@staff_required
def signing_events(request):
    """Signing events with their totals and how far their projects got, computed, never typed."""
    form = SigningEventFilterForm(request.GET)
    form.is_valid()
    chosen = getattr(form, "cleaned_data", {})
    events = visible_signing_events(request.user)
    if chosen.get("q"):
        events = search_any(events, chosen["q"], "name__contains")
    if chosen.get("year"):
        events = events.filter(date__year=chosen["year"])
    # A district holds a few events a year: the totals row sums them all, in the same one query.
    events = list(signing_events_with_progress(events).order_by("-date", "-id"))
    totals = {
        name: sum((getattr(event, name) or 0 for event in events), Decimal("0") if name == "total_investment" else 0)
        for name in ("project_count", "total_investment", "landed", "construction_started", "in_production")
    }
    page = paginate(request, events)
    for event in page:
        event.projects_url = _projects_url(signing_event=event.pk)
        event.progress_urls = _progress_urls(event.pk)
    return render(
        request,
        "planning/signing_events.html",
        {"form": form, "page_obj": page, "events": page.object_list, "totals": totals},
    )


@staff_required
def signing_event(request, pk):
    """One event: the projects of it the user sees, their current stage and progress, with totals."""
    events = signing_events_with_progress(visible_signing_events(request.user))
    event = get_object_or_404(events, pk=pk)
    projects = (
        project_list(request.user)
        .filter(signing_event=event)
        .annotate(
            landed=past_stage("marks_landed"),
            construction_started=past_stage("marks_construction"),
            in_production=past_stage("marks_production"),
        )
        .order_by("code", "id")
    )
    report = pipeline_report(projects, with_durations=False)
    total = report["total"]
    for stage in total["stages"]:
        stage["link"] = _projects_url(signing_event=event.pk, stage=stage["code"])
    page = paginate(request, projects, default_size=100)
    return render(
        request,
        "planning/signing_event.html",
        {
            "event": event,
            "page_obj": page,
            "projects": page.object_list,
            "total": total,
            "projects_url": _projects_url(signing_event=event.pk),
            "progress_urls": _progress_urls(event.pk),
            "overdue_url": _projects_url(signing_event=event.pk, overdue="true"),
            "stage_chart": charts.stage_funnel(total["stages"], lambda stage: stage["link"]),
        },
    )


@staff_required
def land_commitments(request):
    """Land contracts whose committed dates or output and tax per 亩 are behind, with the gaps."""
    form = LandCommitmentFilterForm(request.GET)
    form.is_valid()
    commitments = visible_land_commitments(request.user)
    query = getattr(form, "cleaned_data", {}).get("q")
    if query:
        commitments = search_any(
            commitments, query, "project__name__contains", "project__code__icontains", "contract_no__icontains"
        )
    commitments = land_commitments_with_facts(
        commitments.select_related("project__town", "project__enterprise")
    ).order_by("-handed_over_on", "-id")
    # Month arithmetic differs between databases, so the gaps are judged in Python, by the same
    # function the API reports them with, over the one query's rows.
    today = timezone.localdate()
    rows = [{"commitment": commitment, "gaps": land_gaps(commitment, today)} for commitment in commitments]
    behind_count = sum(1 for row in rows if row["gaps"].is_behind)
    if form.only_behind():
        rows = [row for row in rows if row["gaps"].is_behind]
    page = paginate(request, rows)
    return render(
        request,
        "planning/land_commitments.html",
        {
            "form": form,
            "page_obj": page,
            "rows": page.object_list,
            "behind_count": behind_count,
            "only_behind": form.only_behind(),
            "today": today,
        },
    )
