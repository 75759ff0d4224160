import pytest
from django.utils import timezone

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from servicerequests import services
from servicerequests.models import Category, ServiceRequest
from tests import factories as f
from workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ent = f.enterprise()
    return {
        "enterprise": f.user(role=Role.ENTERPRISE, enterprise=ent, org_unit=None),
        "other_enterprise": f.user(role=Role.ENTERPRISE, enterprise=f.enterprise(), org_unit=None),
        "officer": f.user(),
        "ent": ent,
    }


def submit(people):
    return services.submit_request(
        actor=people["enterprise"], category=Category.objects.get(code="financing"), title="申请技改贷", description="扩产需要融资"
    )


def test_due_date_is_in_working_days_of_the_category(people):
    request = submit(people)
    assert request.enterprise == people["ent"] and request.status == ServiceRequest.Status.SUBMITTED
    assert request.due_on == add_workdays(timezone.localtime(request.created_at).date(), 10).date


def test_the_happy_path_and_the_rating(people):
    officer, ent_user = people["officer"], people["enterprise"]
    request = submit(people)
    request = services.accept_request(actor=officer, request=request)
    request = services.assign_request(actor=officer, request=request, assignee=officer)
    request = services.reply_request(actor=officer, request=request, reply="已对接银行")
    with pytest.raises(ServiceError, match="办结后才能评价"):
        services.rate_request(actor=ent_user, request=request, rating=5)
    request = services.resolve_request(actor=officer, request=request)
    with pytest.raises(PermissionDeniedError):
        services.rate_request(actor=people["other_enterprise"], request=request, rating=1)
    request = services.rate_request(actor=ent_user, request=request, rating=2, comment="太慢")
    assert request.is_poorly_rated and request.get_rating_display() == "不满意"
    with pytest.raises(ServiceError, match="已经评价过"):
        services.rate_request(actor=ent_user, request=request, rating=5)
    request = services.close_request(actor=ent_user, request=request)
    assert request.status == ServiceRequest.Status.CLOSED
    reasons = [h.history_change_reason for h in request.history.order_by("history_date", "history_id")]
    assert reasons[:3] == ["提交诉求", "受理", "分派给 " + str(officer)]


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "resolve"),
        ([], "close"),
        (["accept"], "accept"),
        (["reject"], "accept"),
        (["accept", "resolve"], "reject"),
    ],
)
def test_illegal_moves_are_refused_naming_both_states(people, steps, action):
    officer = people["officer"]
    request = submit(people)
    calls = {
        "accept": lambda r: services.accept_request(actor=officer, request=r),
        "resolve": lambda r: services.resolve_request(actor=officer, request=r, reply="已办理"),
        "reject": lambda r: services.reject_request(actor=officer, request=r, reason="不属于本区职能"),
        "close": lambda r: services.close_request(actor=officer, request=r),
    }
    for step in steps:
        request = calls[step](request)
    before = request.status
    with pytest.raises(ServiceError, match="诉求当前为“.+”，不能执行"):
        calls[action](request)
    request.refresh_from_db()
    assert request.status == before


def test_refusal_needs_a_reason_and_enterprises_cannot_handle(people):
    request = submit(people)
    with pytest.raises(ServiceError, match="必须说明原因"):
        services.reject_request(actor=people["officer"], request=request, reason=" ")
    with pytest.raises(PermissionDeniedError):
        services.accept_request(actor=people["enterprise"], request=request)


def test_enterprise_files_only_for_itself_and_internal_notes_stay_internal(people):
    with pytest.raises(PermissionDeniedError):
        services.submit_request(
            actor=people["enterprise"], enterprise=people["other_enterprise"].enterprise,
            category=Category.objects.get(code="policy"), title="x", description="y",
        )
    request = submit(people)
    comment = services.add_comment(actor=people["enterprise"], request=request, body="补充材料", is_internal=True)
    assert comment.is_internal is False
    with pytest.raises(PermissionDeniedError):
        services.add_comment(actor=people["other_enterprise"], request=request, body="偷看")
