"""Every write to service requests: filing, the officers' handling, comments, attachments and the rating.

The handling is a state machine: 已提交 → 已受理 → 办理中 → 已办结 → 已关闭, or 不予受理 with a
reason. A move the table below does not allow is refused with a message naming both states.
"""

import mimetypes

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from common.services import by_actor, check_version, validate_model
from common.uploads import original_name, stored_name, validate_upload
from notifications.models import Notification
from notifications.services import notify
from projects.selectors import visible_projects
from workdays.calendar import add_workdays

from .models import Attachment, Comment, ServiceRequest
from .selectors import assignable_staff, can_handle, is_own_enterprise_user, responsible_managers

S = ServiceRequest.Status
# The history's change reason holds at most this many characters.
REASON_MAX = 100

TRANSITIONS = {
    "accept": ({S.SUBMITTED}, S.ACCEPTED),
    "assign": ({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS}, S.IN_PROGRESS),
    "reply": ({S.ACCEPTED, S.IN_PROGRESS}, S.IN_PROGRESS),
    "resolve": ({S.ACCEPTED, S.IN_PROGRESS}, S.RESOLVED),
    "reject": ({S.SUBMITTED, S.ACCEPTED}, S.REJECTED),
    "close": ({S.RESOLVED}, S.CLOSED),
}


def _lock(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _move(request: ServiceRequest, action: str) -> ServiceRequest:
    sources, target = TRANSITIONS[action]
    if request.status not in sources:
        raise ServiceError(
            _("诉求当前为“%(status)s”，不能执行“%(action)s”（转为“%(target)s”）。")
            % {"status": request.get_status_display(), "action": ACTION_NAMES[action](), "target": target.label},
            code="illegal_transition",
        )
    request.status = target
    request.version += 1
    return request


ACTION_NAMES = {
    "accept": lambda: _("受理"),
    "assign": lambda: _("分派"),
    "reply": lambda: _("答复"),
    "resolve": lambda: _("办结"),
    "reject": lambda: _("不予受理"),
    "close": lambda: _("关闭"),
}


@transaction.atomic
def submit_request(*, actor, enterprise=None, **fields) -> ServiceRequest:
    """File a request; an enterprise user files for their own enterprise only."""
    if actor.role == Role.ENTERPRISE:
        if enterprise is not None and enterprise.pk != actor.enterprise_id:
            raise PermissionDeniedError(_("只能为本企业提交诉求。"))
        enterprise = actor.enterprise
    if enterprise is None:
        raise ServiceError({"enterprise": [_("请选择提出诉求的企业。")]})
    request = ServiceRequest(enterprise=enterprise, submitted_by=actor, **fields)
    _check_project(actor, request)
    if request.category_id:
        request.due_on = add_workdays(timezone.localdate(), request.category.due_workdays).date
    validate_model(request)
    by_actor(request, actor, _("提交诉求")).save()
    return request


def _check_project(actor, request: ServiceRequest):
    project = request.project
    if project is None:
        return
    if project.enterprise_id != request.enterprise_id:
        raise ServiceError({"project": [_("所选项目不属于该企业。")]})
    if not visible_projects(actor).filter(pk=project.pk).exists():
        raise ServiceError({"project": [_("所选项目不存在或不在您的范围内。")]})


def check_can_handle(actor):
    """Officers, managers and administrators handle requests; anyone else is refused (403)."""
    if not can_handle(actor):
        raise PermissionDeniedError(_("只有政府工作人员可以办理诉求。"))


def check_can_rate(actor, request: ServiceRequest):
    if not is_own_enterprise_user(actor, request):
        raise PermissionDeniedError(_("只有提出诉求的企业可以评价。"))


def _link(request: ServiceRequest) -> str:
    return reverse("servicerequests:detail", args=[request.pk])


def _handle(actor, request, action, reason, **changes):
    check_can_handle(actor)
    request = _move(_lock(request), action)
    for name, value in changes.items():
        setattr(request, name, value)
    by_actor(request, actor, reason[:REASON_MAX]).save()
    return request


@transaction.atomic
def accept_request(*, actor, request: ServiceRequest) -> ServiceRequest:
    return _handle(actor, request, "accept", _("受理"), accepted_at=timezone.now())


@transaction.atomic
def assign_request(*, actor, request: ServiceRequest, assignee) -> ServiceRequest:
    check_can_handle(actor)
    if assignee.role == Role.ENTERPRISE or not assignee.is_active:
        raise ServiceError({"assignee": [_("只能分派给在职的政府工作人员。")]})
    if not assignable_staff(actor).filter(pk=assignee.pk).exists():
        raise ServiceError({"assignee": [_("只能分派给您所在单位及下级单位的工作人员。")]})
    extra = {"accepted_at": request.accepted_at or timezone.now()}
    request = _handle(actor, request, "assign", _("分派给 %(name)s") % {"name": assignee}, assignee=assignee, **extra)
    if assignee.pk != actor.pk:
        notify(
            assignee,
            Notification.Kind.REQUEST_ASSIGNED,
            _("新分派的诉求：%(title)s") % {"title": request.title},
            body=_("%(enterprise)s 的诉求已分派给您办理，办理期限 %(due)s。")
            % {"enterprise": request.enterprise, "due": request.due_on.isoformat()},
            url=_link(request),
            target=request,
        )
    return request


@transaction.atomic
def reply_request(*, actor, request: ServiceRequest, reply: str) -> ServiceRequest:
    if not (reply or "").strip():
        raise ServiceError({"reply": [_("请填写答复内容。")]})
    request = _handle(actor, request, "reply", _("答复"), reply=reply.strip())
    by_actor(Comment(request=request, author=actor, body=reply.strip()), actor).save()
    return request


@transaction.atomic
def resolve_request(*, actor, request: ServiceRequest, reply: str = "") -> ServiceRequest:
    reply = (reply or request.reply or "").strip()
    if not reply:
        raise ServiceError({"reply": [_("办结前请填写办理答复。")]})
    return _handle(actor, request, "resolve", _("办结"), reply=reply, resolved_at=timezone.now())


@transaction.atomic
def reject_request(*, actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("不予受理必须说明原因。")]})
    return _handle(actor, request, "reject", _("不予受理：%(reason)s") % {"reason": reason}, reject_reason=reason[:500])


@transaction.atomic
def close_request(*, actor, request: ServiceRequest) -> ServiceRequest:
    if not (can_handle(actor) or is_own_enterprise_user(actor, request)):
        raise PermissionDeniedError(_("您不能关闭该诉求。"))
    request = _move(_lock(request), "close")
    request.closed_at = timezone.now()
    by_actor(request, actor, _("关闭")).save()
    return request


@transaction.atomic
def add_comment(*, actor, request: ServiceRequest, body: str, is_internal: bool = False) -> Comment:
    if not (can_handle(actor) or is_own_enterprise_user(actor, request)):
        raise PermissionDeniedError(_("您不能在该诉求下留言。"))
    if request.status == S.CLOSED:
        raise ServiceError(_("诉求已关闭，不能再留言。"))
    comment = Comment(request=request, author=actor, body=(body or "").strip(), is_internal=is_internal)
    if actor.role == Role.ENTERPRISE:
        comment.is_internal = False
    validate_model(comment)
    by_actor(comment, actor).save()
    return comment


@transaction.atomic
def rate_request(*, actor, request: ServiceRequest, rating: int, comment: str = "") -> ServiceRequest:
    """The enterprise rates the answer (好差评) once the request is resolved."""
    check_can_rate(actor, request)
    request = _lock(request)
    if request.status not in (S.RESOLVED, S.CLOSED):
        raise ServiceError(_("诉求办结后才能评价。"))
    if request.rating is not None:
        raise ServiceError(_("该诉求已经评价过。"))
    if rating not in ServiceRequest.Rating.values:
        raise ServiceError({"rating": [_("评价应为1（非常不满意）至5（非常满意）。")]})
    request.rating, request.rating_comment, request.rated_at = rating, (comment or "")[:500], timezone.now()
    request.version += 1
    by_actor(request, actor, _("评价：%(rating)s") % {"rating": request.get_rating_display()}).save()
    if request.is_poorly_rated:
        _report_poor_rating(request)
    return request


def _report_poor_rating(request: ServiceRequest):
    """A poor rating (不满意, 非常不满意) goes to the managers of those who handled the request."""
    for manager in responsible_managers(request):
        notify(
            manager,
            Notification.Kind.REQUEST_RATING_POOR,
            _("诉求收到差评（%(rating)s）：%(title)s")
            % {"rating": request.get_rating_display(), "title": request.title},
            body=_("%(enterprise)s 对诉求的评价为“%(rating)s”。评价意见：%(comment)s")
            % {
                "enterprise": request.enterprise,
                "rating": request.get_rating_display(),
                "comment": request.rating_comment or _("（无）"),
            },
            url=_link(request),
            target=request,
            key=f"request-rating-poor:{request.pk}",
        )


@transaction.atomic
def update_request(*, actor, request: ServiceRequest, expected_version: int | None = None, **fields) -> ServiceRequest:
    """Correct a request's title, description or project; its handling goes through the actions.

    A change made on a copy older than the stored request (`expected_version`) is refused.
    """
    allowed = {"title", "description", "project"}
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError(_("这些字段只能通过办理操作修改：%(fields)s。") % {"fields": "、".join(sorted(unknown))})
    if not (can_handle(actor) or is_own_enterprise_user(actor, request)):
        raise PermissionDeniedError(_("您不能修改该诉求。"))
    request = _lock(request)
    check_version(
        request, expected_version, _("诉求已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试。")
    )
    if request.status in (S.CLOSED, S.REJECTED):
        raise ServiceError(_("诉求已结束，不能再修改。"))
    for name, value in fields.items():
        setattr(request, name, value)
    validate_model(request)
    _check_project(actor, request)
    request.version += 1
    by_actor(request, actor).save()
    return request


MAX_ATTACHMENTS = 20


@transaction.atomic
def add_attachment(*, actor, request: ServiceRequest, upload) -> Attachment:
    """Attach a file: size, type and content are checked, and it is stored under a name that says nothing."""
    if not (can_handle(actor) or is_own_enterprise_user(actor, request)):
        raise PermissionDeniedError(_("您不能为该诉求上传附件。"))
    request = _lock(request)
    if request.status in (S.CLOSED, S.REJECTED):
        raise ServiceError(_("诉求已结束，不能再上传附件。"))
    if request.attachments.count() >= MAX_ATTACHMENTS:
        raise ServiceError(_("每条诉求最多上传 %(count)d 个附件。") % {"count": MAX_ATTACHMENTS})
    try:
        extension = validate_upload(upload)
    except ValidationError as error:
        raise ServiceError({"file": error.messages}) from error
    attachment = Attachment(
        request=request,
        original_name=original_name(upload.name),
        size=upload.size,
        content_type=mimetypes.guess_type(f"file.{extension}")[0] or "application/octet-stream",
        uploaded_by=actor,
    )
    attachment.file.save(stored_name("service_requests", extension), upload, save=False)
    try:
        with transaction.atomic():
            reason = _("上传附件：%(name)s") % {"name": attachment.original_name}
            by_actor(attachment, actor, reason[:REASON_MAX]).save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
