"""The enterprise pages: list, file (detail), new and edit, and the visit and contact forms on the file."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.exceptions import ServiceError
from common.views import add_service_error, paginate, run_service, staff_required
from projects.selectors import visible_projects
from servicerequests.selectors import visible_requests

from .api.filters import EnterpriseFilter
from .forms import ContactForm, EnterpriseFilterForm, EnterpriseForm, NextStepDoneForm, VisitForm
from .selectors import enterprise_list, sees_full_mobile, visible_contacts, visible_enterprises, visible_visits
from .services import (
    PossibleDuplicateError,
    complete_next_step,
    create_contact,
    create_enterprise,
    delete_contact,
    record_visit,
    update_contact,
    update_enterprise,
    update_visit,
)

# The file shows the latest visits and requests; the API lists them all.
VISITS_SHOWN = 20
REQUESTS_SHOWN = 20


@staff_required
def enterprise_list_view(request):
    queryset = enterprise_list(request.user).prefetch_related("qualifications")
    filterset = EnterpriseFilter(request.GET, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    totals = rows.aggregate(
        projects=Sum("project_count"),
        open_requests=Sum("open_request_count"),
        relocation_risks=Count("pk", filter=Q(relocation_risk=True)),
    )
    return render(
        request,
        "companies/enterprise_list.html",
        {
            "filter_form": EnterpriseFilterForm(request.GET, user=request.user),
            "filter_errors": _filter_errors(filterset),
            "page_obj": paginate(request, rows),
            "totals": totals,
        },
    )


def _filter_errors(filterset):
    """The filters' refusals as (label, messages), e.g. an unknown officer id typed into the address."""
    if filterset.is_valid():
        return []
    fields = filterset.form.fields
    return [(fields[name].label if name in fields else "", errors) for name, errors in filterset.errors.items()]


def _enterprise_in_scope(request, pk):
    """The enterprise if the user may see it, else 404."""
    queryset = visible_enterprises(request.user).select_related("industry_chain", "town", "service_officer")
    return get_object_or_404(queryset.prefetch_related("qualifications"), pk=pk)


def _render_file(request, enterprise, visit_form=None, contact_form=None, done_form=None):
    user = request.user
    projects = list(
        visible_projects(user)
        .filter(enterprise=enterprise)
        .select_related("current_stage", "town", "officer")
        .order_by("-signed_on", "-id")
    )
    visits = list(
        visible_visits(user)
        .filter(enterprise=enterprise)
        .select_related("officer", "project")
        .prefetch_related("contacts", "participants")
        .order_by("-visited_on", "-id")[: VISITS_SHOWN + 1]
    )
    _attach_done_forms(request, visits[:VISITS_SHOWN], done_form)
    requests = list(
        visible_requests(user)
        .filter(enterprise=enterprise)
        .select_related("category", "assignee")
        .order_by("-created_at", "-id")[: REQUESTS_SHOWN + 1]
    )
    contacts = list(visible_contacts(user).filter(enterprise=enterprise))
    if visit_form is None:
        visit_form = VisitForm(enterprise=enterprise, user=user, initial={"visited_on": timezone.localdate()})
    visit_form.offer_loaded_rows(contacts=contacts, projects=projects)
    context = {
        "enterprise": enterprise,
        "projects": projects,
        "projects_investment": sum((p.total_investment or Decimal(0) for p in projects), Decimal(0)),
        "contacts": contacts,
        "full_mobile": sees_full_mobile(user, enterprise),
        "visits": visits[:VISITS_SHOWN],
        "more_visits": len(visits) > VISITS_SHOWN,
        "visits_shown": VISITS_SHOWN,
        "requests": requests[:REQUESTS_SHOWN],
        "more_requests": len(requests) > REQUESTS_SHOWN,
        "requests_shown": REQUESTS_SHOWN,
        "visit_form": visit_form,
        "contact_form": contact_form or ContactForm(),
    }
    return render(request, "companies/enterprise_detail.html", context)


def _attach_done_forms(request, visits, failed_form=None):
    """A "完成" form on each visit with an open next step; the one that failed keeps its date and message."""
    placed = False
    for visit in visits:
        if visit.next_step and visit.next_step_done_on is None:
            if failed_form is not None and failed_form.visit.pk == visit.pk:
                visit.done_form, placed = failed_form, True
            else:
                visit.done_form = NextStepDoneForm(visit=visit)
    if failed_form is not None and not placed:
        # E.g. done meanwhile by someone else: the visit no longer offers the form, so say why here.
        for errors in failed_form.errors.values():
            for message in errors:
                messages.error(request, message)


@staff_required
def enterprise_detail(request, pk):
    return _render_file(request, _enterprise_in_scope(request, pk))


@staff_required
@require_POST
def add_visit(request, pk):
    enterprise = _enterprise_in_scope(request, pk)
    form = VisitForm(request.POST, enterprise=enterprise, user=request.user)
    if form.is_valid() and run_service(
        form, record_visit, actor=request.user, enterprise=enterprise, **form.cleaned_data
    ):
        messages.success(request, _("走访记录已保存。"))
        return redirect(reverse("companies:detail", args=[enterprise.pk]) + "#visits")
    return _render_file(request, enterprise, visit_form=form)


@staff_required
@require_POST
def add_contact(request, pk):
    enterprise = _enterprise_in_scope(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid() and run_service(
        form, create_contact, actor=request.user, enterprise=enterprise, **form.cleaned_data
    ):
        messages.success(request, _("联系人已添加。"))
        return redirect(reverse("companies:detail", args=[enterprise.pk]) + "#contacts")
    return _render_file(request, enterprise, contact_form=form)


def _file_url(enterprise, anchor):
    return reverse("companies:detail", args=[enterprise.pk]) + anchor


def _contact_in_scope(request, enterprise, contact_pk):
    return get_object_or_404(visible_contacts(request.user).filter(enterprise=enterprise), pk=contact_pk)


def _visit_in_scope(request, enterprise, visit_pk):
    visits = visible_visits(request.user).filter(enterprise=enterprise).select_related("officer")
    return get_object_or_404(visits, pk=visit_pk)


@staff_required
def edit_contact(request, pk, contact_pk):
    enterprise = _enterprise_in_scope(request, pk)
    contact = _contact_in_scope(request, enterprise, contact_pk)
    name = contact.name  # the bound form writes the typed values onto the instance
    form = ContactForm(request.POST or None, instance=contact, full_mobile=sees_full_mobile(request.user, enterprise))
    if request.method == "POST" and form.is_valid():
        if run_service(form, update_contact, actor=request.user, contact=contact, **form.cleaned_data):
            messages.success(request, _("联系人已保存。"))
            return redirect(_file_url(enterprise, f"#contact-{contact.pk}"))
    return render(request, "companies/contact_form.html", {"form": form, "enterprise": enterprise, "name": name})


@staff_required
@require_POST
def delete_contact_view(request, pk, contact_pk):
    enterprise = _enterprise_in_scope(request, pk)
    contact = _contact_in_scope(request, enterprise, contact_pk)
    delete_contact(actor=request.user, contact=contact)
    messages.success(request, _("联系人“%(name)s”已删除。") % {"name": contact.name})
    return redirect(_file_url(enterprise, "#contacts"))


@staff_required
def edit_visit(request, pk, visit_pk):
    enterprise = _enterprise_in_scope(request, pk)
    visit = _visit_in_scope(request, enterprise, visit_pk)
    form = VisitForm(request.POST or None, instance=visit, enterprise=enterprise, user=request.user)
    if request.method == "POST" and form.is_valid():
        if run_service(form, update_visit, actor=request.user, visit=visit, **form.cleaned_data):
            messages.success(request, _("走访记录已保存。"))
            return redirect(_file_url(enterprise, f"#visit-{visit.pk}"))
    return render(request, "companies/visit_form.html", {"form": form, "enterprise": enterprise, "visit": visit})


@staff_required
@require_POST
def complete_next_step_view(request, pk, visit_pk):
    enterprise = _enterprise_in_scope(request, pk)
    visit = _visit_in_scope(request, enterprise, visit_pk)
    form = NextStepDoneForm(request.POST, visit=visit)
    if form.is_valid() and run_service(
        form, complete_next_step, actor=request.user, visit=visit, done_on=form.cleaned_data["done_on"]
    ):
        messages.success(request, _("下一步工作已标记完成。"))
        return redirect(_file_url(enterprise, f"#visit-{visit.pk}"))
    return _render_file(request, enterprise, done_form=form)


def _after_save(request, enterprise):
    """The new file, or the list when the enterprise lies outside what the user may see (another town)."""
    if visible_enterprises(request.user).filter(pk=enterprise.pk).exists():
        return redirect("companies:detail", enterprise.pk)
    messages.info(request, _("该企业不在您的查看范围内（所在街镇与服务专员均不属于您）。"))
    return redirect("companies:list")


@staff_required
def enterprise_create(request):
    user = request.user
    if request.method != "POST":
        town = user.org_unit if user.org_unit and user.org_unit.is_landing_area else None
        form = EnterpriseForm(initial={"service_officer": user.pk, "town": town})
        return render(request, "companies/enterprise_form.html", {"form": form})
    form = EnterpriseForm(request.POST)
    duplicate_error = None
    if form.is_valid():
        try:
            enterprise = create_enterprise(
                actor=user, allow_duplicate=form.cleaned_data.get("allow_duplicate", False), **form.service_fields()
            )
        except PossibleDuplicateError as error:
            # Shown with links to the enterprises named and the "仍然创建" checkbox, not as a form error.
            duplicate_error = error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("企业“%(name)s”已创建。") % {"name": enterprise.name})
            return _after_save(request, enterprise)
    context = {
        "form": form,
        "duplicate_error": duplicate_error,
        "offer_allow_duplicate": duplicate_error is not None or form.offers_allow_duplicate(),
    }
    return render(request, "companies/enterprise_form.html", context)


@staff_required
def enterprise_edit(request, pk):
    enterprise = _enterprise_in_scope(request, pk)
    title = enterprise.name  # the bound form writes the typed values onto the instance
    form = EnterpriseForm(request.POST or None, instance=enterprise, initial={"expected_version": enterprise.version})
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            update_enterprise,
            actor=request.user,
            enterprise=enterprise,
            expected_version=form.cleaned_data.get("expected_version"),
            **form.service_fields(),
        )
        if updated:
            messages.success(request, _("企业信息已保存。"))
            return _after_save(request, updated)
    return render(request, "companies/enterprise_form.html", {"form": form, "enterprise": enterprise, "title": title})
