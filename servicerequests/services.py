"""Every write to service requests: filing, the officers' handling, comments and the rating.

The handling is a state machine: 已提交 → 已受理 → 办理中 → 已办结 → 已关闭, or 不予受理 with a
reason. A move the table below does not allow is refused with a message naming both states.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from common.services import by_actor, validate_model
from workdays.calendar import add_workdays

from .models import Comment, ServiceRequest
from .selectors import can_handle, is_own_enterprise_user

S = ServiceRequest.Status

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
            _("诉求当前为“%(status)s”，不能执行“%(action)s”。")
            % {"status": request.get_status_display(), "action": ACTION_NAMES[action]()},
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
    project = fields.get("project")
    if project is not None and project.enterprise_id != enterprise.pk:
        raise ServiceError({"project": [_("所选项目不属于该企业。")]})
    request = ServiceRequest(enterprise=enterprise, submitted_by=actor, **fields)
    if request.category_id:
        request.due_on = add_workdays(timezone.localdate(), request.category.due_workdays).date
    validate_model(request)
    by_actor(request, actor, _("提交诉求")).save()
    return request


def _handle(actor, request, action, reason, **changes):
    if not can_handle(actor):
        raise PermissionDeniedError(_("只有政府工作人员可以办理诉求。"))
    request = _move(_lock(request), action)
    for name, value in changes.items():
        setattr(request, name, value)
    by_actor(request, actor, reason).save()
    return request


@transaction.atomic
def accept_request(*, actor, request: ServiceRequest) -> ServiceRequest:
    return _handle(actor, request, "accept", _("受理"), accepted_at=timezone.now())


@transaction.atomic
def assign_request(*, actor, request: ServiceRequest, assignee) -> ServiceRequest:
    if assignee.role == Role.ENTERPRISE or not assignee.is_active:
        raise ServiceError({"assignee": [_("只能分派给在职的政府工作人员。")]})
    extra = {"accepted_at": request.accepted_at or timezone.now()}
    return _handle(actor, request, "assign", _("分派给 %(name)s") % {"name": assignee}, assignee=assignee, **extra)


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
    if not is_own_enterprise_user(actor, request):
        raise PermissionDeniedError(_("只有提出诉求的企业可以评价。"))
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
    return request


@transaction.atomic
def update_request(*, actor, request: ServiceRequest, **fields) -> ServiceRequest:
    """Correct a request's title, description or project; its handling goes through the actions."""
    allowed = {"title", "description", "project"}
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError(_("这些字段只能通过办理操作修改：%(fields)s。") % {"fields": "、".join(sorted(unknown))})
    if not (can_handle(actor) or is_own_enterprise_user(actor, request)):
        raise PermissionDeniedError(_("您不能修改该诉求。"))
    request = _lock(request)
    if request.status in (S.CLOSED, S.REJECTED):
        raise ServiceError(_("诉求已结束，不能再修改。"))
    for name, value in fields.items():
        setattr(request, name, value)
    validate_model(request)
    request.version += 1
    by_actor(request, actor).save()
    return request
