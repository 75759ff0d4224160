"""Excel imports from the pages: upload for a check of every row (a dry run), read the report, then
confirm to import the same file for real. Each user sees only their own imports."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.exceptions import ServiceError
from common.uploads import serve
from common.views import run_service, staff_required

from . import services
from .forms import ImportUploadForm
from .models import ImportKind
from .selectors import visible_import_jobs

RECENT = 10


def _own_job(request, pk):
    return get_object_or_404(visible_import_jobs(request.user), pk=pk)


def can_confirm(job) -> bool:
    return job.dry_run and job.state == job.State.DONE and not job.errors and job.rows_read > 0


@staff_required
def upload(request):
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        job = run_service(
            form,
            services.start_import,
            actor=request.user,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            dry_run=True,
        )
        if job is not None:
            return redirect("imports:detail", pk=job.pk)
    recent = visible_import_jobs(request.user).order_by("-created_at", "-id")[:RECENT]
    return render(request, "imports/upload.html", {"form": form, "recent": recent, "kinds": ImportKind})


@staff_required
@require_GET
def detail(request, pk):
    job = _own_job(request, pk)
    return render(request, "imports/detail.html", {"job": job, "can_confirm": can_confirm(job)})


@staff_required
@require_GET
def progress(request, pk):
    """The report panel alone, which the detail page polls every second until the job is finished."""
    job = _own_job(request, pk)
    return render(request, "imports/_report.html", {"job": job, "can_confirm": can_confirm(job)})


@staff_required
@require_POST
def confirm(request, pk):
    dry_run = _own_job(request, pk)
    try:
        job = services.confirm_import(actor=request.user, job=dry_run)
    except ServiceError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("imports:detail", pk=dry_run.pk)
    return redirect("imports:detail", pk=job.pk)


@staff_required
@require_GET
def marked(request, pk):
    """The uploaded sheet with its errors marked, for the requester only."""
    job = _own_job(request, pk)
    if not job.marked_file:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    try:
        return serve(job.marked_file, _("%(name)s-错误标注.xlsx") % {"name": stem})
    except OSError:
        messages.error(request, _("标注文件已不存在，请重新导入。"))
        return redirect("imports:detail", pk=job.pk)
