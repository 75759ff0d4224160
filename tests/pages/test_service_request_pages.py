"""The service-request pages: the officers' inbox, the enterprise's own list, filing and handling a request."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from servicerequests import services
from servicerequests.models import Category, Comment, ServiceRequest
from servicerequests.selectors import with_days_left
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/service-requests/"
NEW = "/service-requests/new/"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sr(world, pages):
    """The world plus a Nanxiang enterprise with its own user and request, and the Anting enterprise's request."""
    other_ent = f.enterprise("南翔样例精密机械有限公司", town=world["nanxiang"])
    other_user = f.user("ent_n", role=Role.ENTERPRISE, enterprise=other_ent, org_unit=None)
    other_request = file_request(other_user, title="招聘技术工人", code="hiring")
    own_request = file_request(world["ent_user"], title="申请技改贷款贴息", code="financing")
    return {
        **world,
        "other_ent": other_ent,
        "other_user": other_user,
        "other_request": other_request,
        "own": own_request,
    }


def file_request(actor, title="申请技改贷款贴息", code="financing", **extra):
    return services.submit_request(
        actor=actor, category=Category.objects.get(code=code), title=title, description="扩产需要融资支持", **extra
    )


def detail(request):
    return f"/service-requests/{request.pk}/"


def text(response):
    return response.content.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- The list -----------------------------------------------------------------------------------------------


def test_inbox_counts_down_in_working_days_and_filters(sr, pages):
    officer = sr["officer"]
    policy = file_request(sr["ent_user"], title="咨询研发费用加计扣除", code="policy")
    late = file_request(sr["ent_user"], title="办理环评审批", code="permits")
    ServiceRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=14))
    late.refresh_from_db()
    services.assign_request(actor=officer, request=policy, assignee=officer)
    expected = {r.pk: r.days_left for r in with_days_left(ServiceRequest.objects.all())}
    assert expected[sr["own"].pk] == 10 and expected[late.pk] < -5

    page = text(pages["officer"].get(LIST))
    assert "申请技改贷款贴息" in page and "咨询研发费用加计扣除" in page and "办理环评审批" in page
    assert "剩 10 个工作日" in page
    assert f"逾期 {-expected[late.pk]} 个工作日" in page
    assert "招聘技术工人" not in page  # a Nanxiang enterprise's request
    assert 'name="kind" value="service_requests"' in page  # the export button
    assert sr["enterprise"].name in page and str(officer) in page

    submitted = text(pages["officer"].get(LIST, {"status": "submitted"}))
    assert "申请技改贷款贴息" in submitted and "咨询研发费用加计扣除" not in submitted
    mine = text(pages["officer"].get(LIST, {"assignee": officer.pk, "status": ["accepted", "in_progress"]}))
    assert "咨询研发费用加计扣除" in mine and "申请技改贷款贴息" not in mine
    assert 'aria-current="page"' in mine  # the "assigned to me" tab is the active one
    overdue = text(pages["officer"].get(LIST, {"overdue": "true"}))
    assert "办理环评审批" in overdue and "申请技改贷款贴息" not in overdue
    by_category = text(pages["officer"].get(LIST, {"category": "policy"}))
    assert "咨询研发费用加计扣除" in by_category and "办理环评审批" not in by_category
    searched = text(pages["officer"].get(LIST, {"q": "环评"}))
    assert "办理环评审批" in searched and "申请技改贷款贴息" not in searched
    # A bad filter value is named on the page; the list still answers.
    bad = pages["officer"].get(LIST, {"enterprise": "abc"})
    assert bad.status_code == 200 and "企业" in text(bad)


def test_the_district_manager_sees_every_town_and_the_tabs_count(sr, pages):
    page = text(pages["manager"].get(LIST))
    assert "招聘技术工人" in page and "申请技改贷款贴息" in page
    assert "待受理" in page and "分派给我" in page and "已逾期" in page


def test_enterprise_user_sees_only_its_own_requests_in_a_simple_table(sr, pages):
    response = pages["ent_user"].get(LIST)
    page = text(response)
    assert response.status_code == 200
    assert "我的诉求" in page and "申请技改贷款贴息" in page and "剩 10 个工作日" in page
    assert "招聘技术工人" not in page and sr["other_ent"].name not in page
    assert "导出 Excel" not in page and "承办人" not in page and "分派给我" not in page
    assert 'href="/service-requests/new/"' in page
    # Asking for another enterprise's rows by filter changes nothing: the selector scopes the list.
    filtered = text(pages["ent_user"].get(LIST, {"enterprise": sr["other_ent"].pk}))
    assert "招聘技术工人" not in filtered


# --- Filing -------------------------------------------------------------------------------------------------


def test_enterprise_files_comments_and_rates_after_staff_resolve(sr, pages, media):
    ent, officer = pages["ent_user"], pages["officer"]
    form = text(ent.get(NEW))
    assert 'name="enterprise"' not in form and 'name="category"' in form

    response = ent.post(
        NEW,
        {
            "category": Category.objects.get(code="land").pk,
            "title": "扩建用地需求",
            "description": "需要新增20亩工业用地",
            "file": SimpleUploadedFile("规划.pdf", PDF, content_type="application/pdf"),
        },
    )
    filed = ServiceRequest.objects.get(title="扩建用地需求")
    assert response.status_code == 302 and response["Location"] == detail(filed)
    assert filed.enterprise == sr["enterprise"] and filed.submitted_by == sr["ent_user"]
    assert filed.attachments.get().original_name == "规划.pdf"
    page = text(ent.get(detail(filed)))
    assert "诉求已提交" in page and "规划.pdf" in page and "剩 15 个工作日" in page
    assert "提交评价" not in page and "受理" not in page.split('id="actions"')[1]
    download = ent.get(f"{detail(filed)}attachments/{filed.attachments.get().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    assert ent.post(f"{detail(filed)}comment/", {"body": "请尽快联系我们"}).status_code == 302
    # Rating before the request is answered: the service's refusal, on the page.
    early = ent.post(f"{detail(filed)}rate/", {"rating": "5"})
    assert early.status_code == 200 and "诉求办结后才能评价。" in text(early)

    officer.post(f"{detail(filed)}accept/")
    officer.post(f"{detail(filed)}resolve/", {"reply": "已协调规划部门，预留用地指标"})
    filed.refresh_from_db()
    assert filed.status == ServiceRequest.Status.RESOLVED

    page = text(ent.get(detail(filed)))
    assert "已协调规划部门" in page and "提交评价" in page and "请尽快联系我们" in page
    rated = ent.post(f"{detail(filed)}rate/", {"rating": "4", "comment": "办理及时"})
    assert rated.status_code == 302
    filed.refresh_from_db()
    assert filed.rating == 4 and filed.rating_comment == "办理及时" and filed.rated_at is not None
    page = text(ent.get(detail(filed)))
    assert "感谢您的评价" in page and "满意" in page and "提交评价" not in page
    again = ent.post(f"{detail(filed)}rate/", {"rating": "1"})
    assert again.status_code == 200 and "该诉求已经评价过。" in text(again)
    # Staff do not rate.
    assert officer.post(f"{detail(filed)}rate/", {"rating": "5"}).status_code == 403


def test_staff_file_on_behalf_of_an_enterprise_they_see(sr, pages, django_assert_max_num_queries):
    officer = pages["officer"]
    with django_assert_max_num_queries(CREATE_QUERIES):
        assert officer.get(NEW).status_code == 200
    land = Category.objects.get(code="land").pk
    missing = officer.post(NEW, {"category": land, "title": "代企业反映用地", "description": "需要新增用地"})
    assert missing.status_code == 200
    assert "请选择提出诉求的企业。" in text(missing) and 'value="代企业反映用地"' in text(missing)
    outside = officer.post(
        NEW, {"enterprise": sr["other_ent"].pk, "category": land, "title": "越权", "description": "x"}
    )
    assert outside.status_code == 200 and not ServiceRequest.objects.filter(title="越权").exists()
    assert sr["other_ent"].name not in text(officer.get(NEW))
    done = officer.post(
        NEW, {"enterprise": sr["enterprise"].pk, "category": land, "title": "代企业反映用地", "description": "需要"}
    )
    filed = ServiceRequest.objects.get(title="代企业反映用地")
    assert done.status_code == 302 and filed.enterprise == sr["enterprise"] and filed.submitted_by == sr["officer"]


def test_a_bad_attachment_files_nothing_and_keeps_what_was_typed(sr, pages, media):
    response = pages["ent_user"].post(
        NEW,
        {
            "category": Category.objects.get(code="policy").pk,
            "title": "带附件的诉求",
            "description": "见附件",
            "file": SimpleUploadedFile("病毒.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 200 and 'value="带附件的诉求"' in text(response)
    assert 'id="field-file"' in text(response) and "invalid-feedback" in text(response)
    assert not ServiceRequest.objects.filter(title="带附件的诉求").exists()


# --- Handling -----------------------------------------------------------------------------------------------


def test_staff_accept_assign_reply_and_resolve(sr, pages):
    officer, own = pages["officer"], sr["own"]
    page = text(officer.get(detail(own)))
    for label in ("受理", "分派", "不予受理"):
        assert label in page
    assert "办结" not in page.split('id="actions"')[1]  # not before it is accepted

    assert officer.post(f"{detail(own)}accept/").status_code == 302
    own.refresh_from_db()
    assert own.status == ServiceRequest.Status.ACCEPTED and own.accepted_at is not None
    # Accepting again: the service's refusal in Chinese, not a 500.
    twice = officer.post(f"{detail(own)}accept/")
    assert twice.status_code == 200 and "不能执行“受理”" in text(twice)

    colleague = f.user("officer_a2", org_unit=sr["anting"], display_name="安亭同事")
    assert "安亭同事" in text(officer.get(detail(own)))
    outsider = officer.post(f"{detail(own)}assign/", {"assignee": sr["other_officer"].pk})
    assert outsider.status_code == 200 and "invalid-feedback" in text(outsider)
    assert officer.post(f"{detail(own)}assign/", {"assignee": colleague.pk}).status_code == 302
    own.refresh_from_db()
    assert own.assignee == colleague and own.status == ServiceRequest.Status.IN_PROGRESS

    empty = officer.post(f"{detail(own)}reply/", {"reply": "  "})
    assert empty.status_code == 200 and "请填写答复内容。" in text(empty)
    assert officer.post(f"{detail(own)}reply/", {"reply": "已对接银行"}).status_code == 302
    assert officer.post(f"{detail(own)}resolve/", {"reply": ""}).status_code == 302
    own.refresh_from_db()
    assert own.status == ServiceRequest.Status.RESOLVED and own.reply == "已对接银行"
    page = text(officer.get(detail(own)))
    assert "诉求已办结" in page and "关闭诉求" in page


def test_refusing_needs_a_reason(sr, pages):
    officer, own = pages["officer"], sr["own"]
    missing = officer.post(f"{detail(own)}reject/", {"reason": ""})
    assert missing.status_code == 200 and "不予受理必须说明原因。" in text(missing)
    own.refresh_from_db()
    assert own.status == ServiceRequest.Status.SUBMITTED
    assert officer.post(f"{detail(own)}reject/", {"reason": "不属于本区职责范围"}).status_code == 302
    own.refresh_from_db()
    assert own.status == ServiceRequest.Status.REJECTED and own.reject_reason == "不属于本区职责范围"
    page = text(pages["ent_user"].get(detail(own)))
    assert "不予受理原因" in page and "不属于本区职责范围" in page


def test_enterprise_users_cannot_handle_their_own_requests(sr, pages):
    for action in ("accept", "assign", "reply", "resolve", "reject"):
        assert pages["ent_user"].post(f"{detail(sr['own'])}{action}/", {"reason": "x"}).status_code == 403
    sr["own"].refresh_from_db()
    assert sr["own"].status == ServiceRequest.Status.SUBMITTED


# --- The thread ---------------------------------------------------------------------------------------------


def test_internal_comments_are_hidden_from_the_enterprise(sr, pages):
    own = sr["own"]
    pages["officer"].post(f"{detail(own)}comment/", {"body": "内部：该企业去年已享受贴息", "is_internal": "on"})
    pages["officer"].post(f"{detail(own)}comment/", {"body": "您好，材料已收到"})
    staff_page = text(pages["officer"].get(detail(own)))
    assert "内部：该企业去年已享受贴息" in staff_page and "内部备注" in staff_page
    ent_page = text(pages["ent_user"].get(detail(own)))
    assert "您好，材料已收到" in ent_page and "内部：该企业去年已享受贴息" not in ent_page
    assert 'name="is_internal"' not in ent_page
    # An enterprise user cannot make its comment internal.
    pages["ent_user"].post(f"{detail(own)}comment/", {"body": "谢谢", "is_internal": "on"})
    assert Comment.objects.get(body="谢谢").is_internal is False


def test_commenting_through_htmx_returns_the_thread(sr, pages):
    url = f"{detail(sr['own'])}comment/"
    response = pages["ent_user"].post(url, {"body": "补充说明"}, HTTP_HX_REQUEST="true")
    page = text(response)
    assert response.status_code == 200
    assert 'id="thread"' in page and "补充说明" in page and "<html" not in page
    empty = pages["ent_user"].post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "invalid-feedback" in text(empty)


def test_a_closed_request_takes_no_more_comments(sr, pages):
    own = sr["own"]
    services.accept_request(actor=sr["officer"], request=own)
    services.resolve_request(actor=sr["officer"], request=own, reply="已办理")
    assert pages["ent_user"].post(f"{detail(own)}close/").status_code == 302
    page = text(pages["ent_user"].get(detail(own)))
    assert "诉求已关闭，不能再留言。" in page and "发表留言" not in page
    refused = pages["ent_user"].post(f"{detail(own)}comment/", {"body": "还有问题"})
    assert refused.status_code == 200 and "诉求已关闭，不能再留言。" in text(refused)


# --- Who sees what ------------------------------------------------------------------------------------------


def test_other_enterprises_requests_and_other_towns_are_404(sr, pages, media):
    other, own = sr["other_request"], sr["own"]
    attachment = services.add_attachment(
        actor=sr["ent_user"], request=own, upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    )
    for suffix, data in [("", None), ("comment/", {"body": "x"}), ("rate/", {"rating": "5"}), ("close/", {})]:
        url = f"{detail(other)}{suffix}"
        response = pages["ent_user"].get(url) if data is None else pages["ent_user"].post(url, data)
        assert response.status_code == 404, url
    assert pages["ent_user"].post(f"{detail(other)}accept/").status_code == 404
    for suffix, data in [("", None), ("accept/", {}), ("comment/", {"body": "x"}), ("reject/", {"reason": "x"})]:
        url = f"{detail(own)}{suffix}"
        response = pages["other_officer"].get(url) if data is None else pages["other_officer"].post(url, data)
        assert response.status_code == 404, url
    assert pages["other_officer"].get(f"{detail(own)}attachments/{attachment.pk}/").status_code == 404
    own.refresh_from_db()
    assert own.status == ServiceRequest.Status.SUBMITTED and not own.comments.exists()
    assert pages["officer"].get(detail(other)).status_code == 404


def test_anonymous_visitors_are_sent_to_login(sr):
    response = Client().get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Bounded queries ----------------------------------------------------------------------------------------


CREATE_QUERIES = 8
LIST_QUERIES = {"officer": 12, "manager": 12, "ent_user": 7}
DETAIL_QUERIES = {"officer": 12, "ent_user": 9}


def test_the_list_costs_the_same_for_3_or_15_requests(world, pages, django_assert_max_num_queries):
    for number in range(3):
        file_request(world["ent_user"], title=f"诉求{number}")
    few = {name: count_queries(pages[name], LIST) for name in LIST_QUERIES}
    for number in range(3, 15):
        request = file_request(world["ent_user"], title=f"诉求{number}")
        if number % 2:
            services.assign_request(actor=world["officer"], request=request, assignee=world["officer"])
    for name, limit in LIST_QUERIES.items():
        with django_assert_max_num_queries(limit):
            page = text(pages[name].get(LIST))
        assert "诉求14" in page and "诉求0" in page
    assert few == {name: count_queries(pages[name], LIST) for name in LIST_QUERIES}


def test_the_detail_costs_the_same_for_3_or_15_comments(sr, pages, media, django_assert_max_num_queries):
    own = sr["own"]

    def add(count):
        for number in range(count):
            services.add_comment(actor=sr["officer"], request=own, body=f"留言{number}", is_internal=number % 2 == 0)
            services.add_comment(actor=sr["ent_user"], request=own, body=f"回复{number}")
            services.add_attachment(
                actor=sr["ent_user"],
                request=own,
                upload=SimpleUploadedFile(f"f{number}.pdf", PDF, content_type="application/pdf"),
            )

    add(3)
    few = {name: count_queries(pages[name], detail(own)) for name in DETAIL_QUERIES}
    add(12)  # 15 of each in all (the service allows 20 files)
    for name, limit in DETAIL_QUERIES.items():
        with django_assert_max_num_queries(limit):
            page = text(pages[name].get(detail(own)))
        assert "回复11" in page and "f11.pdf" in page
    assert few == {name: count_queries(pages[name], detail(own)) for name in DETAIL_QUERIES}
