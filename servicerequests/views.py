"""The service-request pages: the officers' inbox, the enterprise's own list, filing, and one request's handling.

Every read goes through the selectors (who sees what) and every write through the services (what may
change when); a service's refusal lands on the form that asked for it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.selectors import is_staff_member
from common.exceptions import ServiceError
from common.uploads import serve
from common.views import add_service_error, paginate, run_service

from . import services
from .forms import (
    AcceptForm,
    AssignForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    RateForm,
    RejectForm,
    ReplyForm,
    RequestCreateForm,
    RequestFilter,
    ResolveForm,
)
from .models import ServiceRequest
from .selectors import overdue_q, request_list, visible_attachments, visible_comments, visible_requests, with_days_left

S = ServiceRequest.Status


def _detail_url(service_request) -> str:
    return reverse("servicerequests:detail", args=[service_request.pk])


def _visible_request(request, pk) -> ServiceRequest:
    """The request if the user may see it, else 404 (never a hint that it exists)."""
    queryset = visible_requests(request.user).select_related(
        "enterprise", "category", "project", "assignee", "submitted_by"
    )
    return get_object_or_404(queryset, pk=pk)


# --- The list ---------------------------------------------------------------------------------------------


def _inbox_tabs(request):
    """The officer's quick views, each a set of the API's own filters (so an export lists the same rows)."""
    user = request.user
    counts = visible_requests(user).aggregate(
        submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
        mine=Count("pk", filter=Q(assignee=user, status__in=(S.ACCEPTED, S.IN_PROGRESS))),
        overdue=Count("pk", filter=overdue_q()),
    )
    tabs = [
        (_("全部"), [], None),
        (_("待受理"), [("status", S.SUBMITTED)], counts["submitted"]),
        (
            _("分派给我"),
            [("assignee", str(user.pk)), ("status", S.ACCEPTED), ("status", S.IN_PROGRESS)],
            counts["mine"],
        ),
        (_("已逾期"), [("overdue", "true")], counts["overdue"]),
    ]
    current = sorted((key, value) for key, values in request.GET.lists() for value in values if value and key != "page")
    return [
        {
            "label": label,
            "query": "?" + urlencode(params),
            "count": count,
            "active": sorted(params) == current,
        }
        for label, params, count in tabs
    ]


@login_required
def request_list_view(request):
    user = request.user
    staff = is_staff_member(user)
    filterset = RequestFilter(request.GET or None, queryset=request_list(user), user=user, staff=staff)
    page_obj = paginate(request, filterset.qs)
    # One calendar read for the whole page: the countdowns are in working days.
    page_obj.object_list = with_days_left(page_obj.object_list)
    context = {
        "page_obj": page_obj,
        "requests": page_obj.object_list,
        "filter_form": filterset.form,
        "staff": staff,
        "tabs": _inbox_tabs(request) if staff else [],
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "page_size")),
    }
    return render(request, "servicerequests/list.html", context)


# --- Filing -------------------------------------------------------------------------------------------------


def _file_request(form, user):
    """File the request and, if a file came with it, attach it: both or neither."""
    data = dict(form.cleaned_data)
    upload = data.pop("file", None)
    try:
        with transaction.atomic():
            created = services.submit_request(actor=user, **data)
            if upload:
                services.add_attachment(actor=user, request=created, upload=upload)
    except ServiceError as error:
        add_service_error(form, error)
        return None
    return created


@login_required
def request_create(request):
    form = RequestCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = _file_request(form, request.user)
        if created is not None:
            messages.success(request, _("诉求已提交，办理期限为 %(due)s。") % {"due": created.due_on.isoformat()})
            return redirect(_detail_url(created))
    return render(request, "servicerequests/create.html", {"form": form})


# --- One request --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A handling step on the detail page: its form, the service it calls, its button and what the page
    says after."""

    form_class: type
    service: Callable
    label: str
    done: str
    button: str = "btn-primary"
    staff_only: bool = True
    check: Callable | None = None
    with_user: bool = False
    confirm: str = ""


ACTIONS = {
    "accept": Action(AcceptForm, services.accept_request, gettext_lazy("受理"), gettext_lazy("诉求已受理。")),
    "assign": Action(
        AssignForm, services.assign_request, gettext_lazy("分派"), gettext_lazy("诉求已分派。"), with_user=True
    ),
    "reply": Action(ReplyForm, services.reply_request, gettext_lazy("答复企业"), gettext_lazy("已答复企业。")),
    "resolve": Action(
        ResolveForm, services.resolve_request, gettext_lazy("办结"), gettext_lazy("诉求已办结。"), "btn-success"
    ),
    "reject": Action(
        RejectForm,
        services.reject_request,
        gettext_lazy("不予受理"),
        gettext_lazy("已不予受理。"),
        "btn-outline-danger",
        confirm=gettext_lazy("确定不予受理该诉求吗？"),
    ),
    "close": Action(
        CloseForm,
        services.close_request,
        gettext_lazy("关闭诉求"),
        gettext_lazy("诉求已关闭。"),
        "btn-outline-secondary",
        staff_only=False,
        confirm=gettext_lazy("关闭后不能再留言，确定关闭吗？"),
    ),
    "rate": Action(
        RateForm,
        services.rate_request,
        gettext_lazy("提交评价"),
        gettext_lazy("感谢您的评价。"),
        staff_only=False,
        check=services.check_can_rate,
    ),
}


def _form_for(name, user, data=None):
    action = ACTIONS[name]
    kwargs = {"user": user} if action.with_user else {}
    # Several action forms share field names (reply, comment): ids of their own keep labels unique.
    return action.form_class(data, auto_id=f"id_{name}_%s", **kwargs)


def _available_actions(user, service_request) -> list[str]:
    """The steps this user may take now: the handling moves the service's state table allows from the
    current status, and for the enterprise the rating once its request is answered."""
    status = service_request.status
    allowed = [name for name, (sources, _target) in services.TRANSITIONS.items() if status in sources]
    if is_staff_member(user):
        return allowed
    names = [name for name in allowed if not ACTIONS[name].staff_only]
    if (
        status in (S.RESOLVED, S.CLOSED)
        and service_request.rating is None
        and services.is_own_enterprise_user(user, service_request)
    ):
        names.append("rate")
    return names


def _render_detail(request, service_request, bound=None, status=200):
    """The detail page; `bound` holds the one form that just failed, with what the user typed."""
    user = request.user
    bound = bound or {}
    staff = is_staff_member(user)
    with_days_left([service_request])
    available = _available_actions(user, service_request)
    actions = [
        {"name": name, "spec": ACTIONS[name], "form": bound.get(name) or _form_for(name, user)} for name in available
    ]
    # A step refused because the request moved on meanwhile: its form is gone, so its message goes on top.
    refusals = [
        error
        for name, form in bound.items()
        if name in ACTIONS and name not in available
        for errors in form.errors.values()
        for error in errors
    ]
    context = {
        "sr": service_request,
        "staff": staff,
        "actions": actions,
        "open_action": next(iter(bound), None),
        "refusals": refusals,
        "comments": visible_comments(user, service_request),
        "comment_form": bound.get("comment") or CommentForm(staff=staff),
        "can_comment": service_request.status != S.CLOSED,
        "attachments": visible_attachments(user, service_request),
        "attachment_form": bound.get("attach") or AttachmentForm(),
        "can_attach": service_request.status not in (S.CLOSED, S.REJECTED),
    }
    return render(request, "servicerequests/detail.html", context, status=status)


@login_required
def request_detail(request, pk):
    return _render_detail(request, _visible_request(request, pk))


@login_required
@require_POST
def request_action(request, pk, action):
    service_request = _visible_request(request, pk)
    spec = ACTIONS[action]
    if spec.staff_only and not is_staff_member(request.user):
        raise PermissionDenied(_("只有政府工作人员可以办理诉求。"))
    if spec.check is not None:
        spec.check(request.user, service_request)  # the service's own refusal: a 403 page
    form = _form_for(action, request.user, request.POST)
    if form.is_valid():
        done = run_service(form, spec.service, actor=request.user, request=service_request, **form.cleaned_data)
        if done is not None:
            messages.success(request, spec.done)
            return redirect(_detail_url(service_request))
    return _render_detail(request, service_request, {action: form})


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_POST
def request_comment(request, pk):
    service_request = _visible_request(request, pk)
    staff = is_staff_member(request.user)
    form = CommentForm(request.POST, staff=staff)
    posted = form.is_valid() and run_service(
        form,
        services.add_comment,
        actor=request.user,
        request=service_request,
        body=form.cleaned_data["body"],
        is_internal=form.cleaned_data.get("is_internal", False),
    )
    if _is_htmx(request):
        # The thread alone, with the new comment and an empty form (or the typed text and the error).
        context = {
            "sr": service_request,
            "staff": staff,
            "comments": visible_comments(request.user, service_request),
            "comment_form": CommentForm(staff=staff) if posted else form,
            "can_comment": service_request.status != S.CLOSED,
        }
        return render(request, "servicerequests/_thread.html", context)
    if posted:
        messages.success(request, _("留言已发布。"))
        return redirect(_detail_url(service_request) + "#thread")
    return _render_detail(request, service_request, {"comment": form})


@login_required
@require_POST
def request_attach(request, pk):
    service_request = _visible_request(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if run_service(form, services.add_attachment, actor=request.user, request=service_request, upload=upload):
            messages.success(request, _("附件已上传。"))
            return redirect(_detail_url(service_request) + "#attachments")
    return _render_detail(request, service_request, {"attach": form})


@login_required
def attachment_download(request, pk, attachment_pk):
    service_request = _visible_request(request, pk)
    attachment = get_object_or_404(visible_attachments(request.user, service_request), pk=attachment_pk)
    try:
        return serve(attachment.file, attachment.original_name)
    except FileNotFoundError:
        raise Http404 from None
