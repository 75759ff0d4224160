"""Excel export from the list pages: a small list comes back at once, a long one is written by a job
whose page shows its progress. Filters are read exactly as the API reads them (exports.services)."""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.uploads import serve
from common.views import staff_required

from . import services
from .filters import InvalidFilters, as_query
from .kinds import KINDS
from .models import ExportJob, ExportKind
from .selectors import export_rows, own_exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_PAGES = {
    ExportKind.PROJECTS: "projects:list",
    ExportKind.ENTERPRISES: "companies:list",
    ExportKind.SERVICE_REQUESTS: "servicerequests:list",
    ExportKind.STAGES: "projects:list",
}


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ExportKind.choices)
    query = forms.CharField(required=False, max_length=4000)


def filters_from_query(query: str) -> dict:
    """A list page's query string as the filters the API takes: one value as text, several as a list."""
    parameters = QueryDict(query)
    return {name: values[0] if len(values) == 1 else values for name, values in parameters.lists()}


def _list_url(kind, query=""):
    try:
        url = reverse(LIST_PAGES[kind])
    except (KeyError, NoReverseMatch):
        return None
    return f"{url}?{query}" if query else url


def _filters_shown(job) -> list[tuple[str, str]]:
    """The job's filters as (the list's label for the filter, its values)."""
    known = KINDS[job.kind].filterset_class.base_filters
    shown = []
    for name, value in job.filters.items():
        label = known[name].label if name in known and known[name].label else name
        shown.append((label, "、".join(value) if isinstance(value, list) else value))
    return shown


def _back_to_list(request, kind, query):
    """The page the export was asked from, else the kind's list page with the same query."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(referer)
    return redirect(_list_url(kind, query) or "/")


@staff_required
@require_POST
def create(request):
    form = ExportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无法导出：导出内容有误。"))
        return _back_to_list(request, request.POST.get("kind"), "")
    kind, query = form.cleaned_data["kind"], form.cleaned_data["query"]
    try:
        filters = services.validated_filters(actor=request.user, kind=kind, filters=filters_from_query(query))
    except InvalidFilters as error:
        messages.error(request, _("无法导出：筛选条件有误。%(errors)s") % {"errors": "；".join(error.messages)})
        return _back_to_list(request, kind, query)
    if export_rows(kind, request.user, filters).count() <= settings.EXPORT_DIRECT_MAX_ROWS:
        stream = io.BytesIO()
        job = services.export_directly(actor=request.user, kind=kind, filters=filters, stream=stream)
        response = HttpResponse(stream.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, job.file_name)
        return response
    job = services.request_export(actor=request.user, kind=kind, filters=filters)
    return redirect("exports:detail", pk=job.pk)


@staff_required
@require_GET
def detail(request, pk):
    job = get_object_or_404(own_exports(request.user), pk=pk)
    context = {
        "job": job,
        "filters": _filters_shown(job),
        "list_url": _list_url(job.kind, as_query(job.filters).urlencode()),
    }
    return render(request, "exports/detail.html", context)


@staff_required
@require_GET
def progress(request, pk):
    """The progress panel alone, which the detail page polls every second until the job is finished."""
    job = get_object_or_404(own_exports(request.user), pk=pk)
    return render(request, "exports/_progress.html", {"job": job})


@staff_required
@require_GET
def download(request, pk):
    """The finished file, for its requester only: anybody else gets the not-found page."""
    job = get_object_or_404(own_exports(request.user), pk=pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404
    try:
        return serve(job.file, job.file_name or f"{job.get_kind_display()}.xlsx")
    except FileNotFoundError:
        messages.error(request, _("文件已过保留期限被删除，请重新导出。"))
        return redirect("exports:detail", pk=job.pk)
