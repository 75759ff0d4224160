import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from servicerequests import services
from servicerequests.models import Attachment, Category, ServiceRequest
from tests import factories as f
from workdays.calendar import count_workdays

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-requests/"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made for every test; the real hasher is slow by design and is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sr(world):
    """The world plus a second enterprise in Nanxiang with its own user and request."""
    other_ent = f.enterprise("南翔样例精密机械有限公司", town=world["nanxiang"])
    other_user = f.user("ent_n", role=Role.ENTERPRISE, enterprise=other_ent, org_unit=None)
    other_request = services.submit_request(
        actor=other_user, category=category("hiring"), title="招聘技术工人", description="需要50名数控操作工"
    )
    return {**world, "other_ent": other_ent, "other_user": other_user, "other_request": other_request}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def category(code):
    return Category.objects.get(code=code)


def file_request(world, **extra):
    """A request of the Anting enterprise, filed through the API by its own user."""
    payload = {"category": "financing", "title": "申请技改贷款贴息", "description": "扩产需要融资支持", **extra}
    answer = client_for(world["ent_user"]).post(URL, payload, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Filing and reading -----------------------------------------------------------------------------------


def test_enterprise_files_for_itself_and_sees_the_contract_fields(sr):
    body = file_request(sr)
    assert body["enterprise"] == sr["enterprise"].pk and body["enterprise_name"] == sr["enterprise"].name
    assert body["category"] == "financing" and body["status"] == "submitted" and body["status_display"] == "已提交"
    # Financing is due in 10 working days: on the day it is filed, 10 are left.
    assert body["days_left"] == 10
    assert body["assignee"] is None and body["rating"] is None and body["rating_display"] is None
    for field in [
        "id",
        "title",
        "description",
        "project",
        "assignee_name",
        "due_on",
        "reply",
        "reject_reason",
        "rating_comment",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "version",
        "created_at",
    ]:
        assert field in body
    assert dt.date.fromisoformat(body["due_on"]) > timezone.localdate()

    other = client_for(sr["ent_user"]).post(
        URL, {"enterprise": sr["other_ent"].pk, "category": "policy", "title": "x", "description": "y"}, format="json"
    )
    assert other.status_code == 400 and "不在您的范围内" in other.json()["enterprise"][0]

    listing = client_for(sr["ent_user"]).get(URL).json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]


def test_staff_file_on_behalf_of_enterprises_in_their_scope_only(sr):
    officer = client_for(sr["officer"])
    payload = {"category": "land", "title": "扩建用地", "description": "需要新增20亩工业用地"}
    created = officer.post(URL, {**payload, "enterprise": sr["enterprise"].pk}, format="json")
    assert created.status_code == 201 and created.json()["enterprise"] == sr["enterprise"].pk
    outside = officer.post(URL, {**payload, "enterprise": sr["other_ent"].pk}, format="json")
    assert outside.status_code == 400 and "不在您的范围内" in outside.json()["enterprise"][0]
    missing = officer.post(URL, payload, format="json")
    assert missing.status_code == 400 and "请选择提出诉求的企业" in missing.json()["enterprise"][0]


def test_the_project_must_be_the_enterprises_and_visible(sr):
    own = file_request(sr, project=sr["anting_project"].pk)
    assert own["project"] == sr["anting_project"].pk and own["project_name"] == sr["anting_project"].name
    hidden = client_for(sr["ent_user"]).post(
        URL,
        {"category": "policy", "title": "x", "description": "y", "project": sr["nanxiang_project"].pk},
        format="json",
    )
    assert hidden.status_code == 400 and "project" in hidden.json()
    # The district manager sees both projects, but the project must belong to the enterprise.
    mismatch = client_for(sr["manager"]).post(
        URL,
        {
            "enterprise": sr["enterprise"].pk,
            "category": "policy",
            "title": "x",
            "description": "y",
            "project": sr["nanxiang_project"].pk,
        },
        format="json",
    )
    assert mismatch.status_code == 400 and "所选项目不属于该企业" in mismatch.json()["project"][0]


def test_bad_input_answers_400_with_a_message(sr):
    client = client_for(sr["ent_user"])
    malformed = client.post(URL, data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    too_long = client.post(URL, {"category": "policy", "title": "长" * 201, "description": "y"}, format="json")
    assert too_long.status_code == 400 and "title" in too_long.json()
    unknown = client.post(URL, {"category": "bogus", "title": "x", "description": "y"}, format="json")
    assert unknown.status_code == 400 and "category" in unknown.json()
    wrong_type = client.post(
        URL, {"category": "policy", "title": "x", "description": "y", "enterprise": "abc"}, format="json"
    )
    assert wrong_type.status_code == 400 and "应为整数编号" in wrong_type.json()["enterprise"][0]
    missing = client.post(URL, {"category": "policy"}, format="json")
    assert missing.status_code == 400 and {"title", "description"} <= set(missing.json())


def test_list_filters_search_and_ordering(sr):
    first = file_request(sr, title="申请人才公寓", description="引进研发团队需要住房")
    second = file_request(sr, category="hiring", title="招聘装配工", description="二季度扩产")
    ServiceRequest.objects.filter(pk=first["id"]).update(due_on=timezone.localdate() - dt.timedelta(days=30))
    services.accept_request(actor=sr["officer"], request=ServiceRequest.objects.get(pk=second["id"]))
    client = client_for(sr["manager"])

    def ids(**params):
        answer = client.get(URL, params)
        assert answer.status_code == 200, answer.json()
        return {r["id"] for r in answer.json()["results"]}

    assert ids() == {first["id"], second["id"], sr["other_request"].pk}
    assert ids(status="accepted") == {second["id"]}
    assert client.get(URL + "?status=accepted&status=submitted").json()["count"] == 3
    assert ids(category="hiring") == {second["id"], sr["other_request"].pk}
    assert ids(enterprise=sr["other_ent"].pk) == {sr["other_request"].pk}
    assert ids(overdue="true") == {first["id"]}
    assert ids(overdue="false") == {second["id"], sr["other_request"].pk}
    assert ids(due_before=timezone.localdate().isoformat()) == {first["id"]}
    assert ids(q="住房") == {first["id"]}
    assert ids(q="南翔样例") == {sr["other_request"].pk}
    ordered = client.get(URL, {"ordering": "due_on"}).json()["results"]
    assert ordered[0]["id"] == first["id"]

    assert client.get(URL, {"status": "bogus"}).status_code == 400
    assert client.get(URL, {"due_before": "2025-13-45"}).status_code == 400
    assert client.get(URL, {"enterprise": "abc"}).status_code == 400
    assert client.get(URL, {"enterprise": "9" * 30}).status_code == 400
    assert client.get(URL, {"assignee": "1.5"}).status_code == 400
    assert client.get(URL, {"q": "长" * 101}).status_code == 400
    assert client.get(URL, {"overdue": "maybe"}).status_code == 400


def test_days_left_counts_working_days_and_is_negative_when_overdue(sr):
    today = timezone.localdate()
    body = file_request(sr)
    late = today - dt.timedelta(days=20)
    ServiceRequest.objects.filter(pk=body["id"]).update(due_on=late)
    item = client_for(sr["ent_user"]).get(f"{URL}{body['id']}/").json()
    assert item["days_left"] == -count_workdays(late + dt.timedelta(days=1), today).workdays < 0
    listed = client_for(sr["ent_user"]).get(URL).json()["results"][0]
    assert listed["days_left"] == item["days_left"]
    later = today + dt.timedelta(days=40)
    ServiceRequest.objects.filter(pk=body["id"]).update(due_on=later)
    listed = client_for(sr["ent_user"]).get(URL).json()["results"][0]
    assert listed["days_left"] == count_workdays(today + dt.timedelta(days=1), later).workdays
    ServiceRequest.objects.filter(pk=body["id"]).update(status="rejected", reject_reason="不属于本区职能")
    assert client_for(sr["ent_user"]).get(URL).json()["results"][0]["days_left"] is None


def test_categories_are_listed_with_their_working_days(sr):
    body = client_for(sr["ent_user"]).get("/api/v1/service-request-categories/").json()
    by_code = {c["code"]: c for c in body["results"]}
    assert by_code["financing"] == {"code": "financing", "name": "融资服务", "due_workdays": 10}
    assert set(by_code) >= {"hiring", "policy", "land", "permits", "logistics", "housing", "other"}


# --- Updates and concurrency ------------------------------------------------------------------------------


def test_patch_with_stale_version_is_409_and_stale_etag_is_412(sr):
    body = file_request(sr)
    client = client_for(sr["ent_user"])
    url = f"{URL}{body['id']}/"
    first = client.get(url)
    etag, version = first["ETag"], first.json()["version"]
    changed = client.patch(
        url, {"title": "申请技改贷款贴息（补充）", "version": version}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["version"] == version + 1
    assert changed["ETag"] != etag
    stale_version = client.patch(url, {"title": "基于旧副本", "version": version}, format="json")
    assert stale_version.status_code == 409 and "已被他人修改" in stale_version.json()["detail"]
    stale_etag = client.patch(url, {"title": "基于旧副本"}, format="json", HTTP_IF_MATCH=etag)
    assert stale_etag.status_code == 412
    assert client.get(url).json()["title"] == "申请技改贷款贴息（补充）"


def test_patch_changes_only_title_description_and_project(sr):
    body = file_request(sr)
    client = client_for(sr["ent_user"])
    url = f"{URL}{body['id']}/"
    moved = client.patch(url, {"category": "land"}, format="json")
    assert moved.status_code == 400 and "不能修改" in moved.json()["category"][0]
    # Status and the handling fields are read-only: sending them changes nothing.
    ignored = client.patch(url, {"status": "closed", "reply": "自己答复"}, format="json")
    assert ignored.status_code == 200 and ignored.json()["status"] == "submitted" and ignored.json()["reply"] == ""
    linked = client.patch(url, {"project": sr["anting_project"].pk}, format="json")
    assert linked.status_code == 200 and linked.json()["project"] == sr["anting_project"].pk
    assert client.delete(url).status_code == 405
    assert client.put(url, {"title": "x", "description": "y", "category": "policy"}, format="json").status_code == 405


# --- The state machine ------------------------------------------------------------------------------------

ACTIONS = {
    "accept": lambda w: {},
    "assign": lambda w: {"assignee": w["officer"].pk},
    "reassign": lambda w: {"assignee": w["town_manager"].pk},
    "reply": lambda w: {"reply": "已对接合作银行，下周上门"},
    "resolve": lambda w: {"reply": "贷款已获批"},
    "reject": lambda w: {"reason": "不属于本区职能，请向市级部门反映"},
    "close": lambda w: {},
}


def act(world, request_id, name, user=None):
    path = "assign" if name == "reassign" else name
    return client_for(user or world["officer"]).post(f"{URL}{request_id}/{path}/", ACTIONS[name](world), format="json")


@pytest.mark.parametrize(
    ("steps", "action", "expected"),
    [
        ([], "accept", "accepted"),
        ([], "assign", "in_progress"),
        ([], "reject", "rejected"),
        (["accept"], "assign", "in_progress"),
        (["accept"], "reply", "in_progress"),
        (["accept"], "resolve", "resolved"),
        (["accept"], "reject", "rejected"),
        (["accept", "assign"], "reassign", "in_progress"),
        (["accept", "assign"], "reply", "in_progress"),
        (["accept", "assign"], "resolve", "resolved"),
        (["accept", "resolve"], "close", "closed"),
    ],
)
def test_every_legal_move(sr, steps, action, expected):
    request_id = file_request(sr)["id"]
    for step in steps:
        assert act(sr, request_id, step).status_code == 200
    answer = act(sr, request_id, action)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == expected
    assert answer.json()["status_display"] == dict(ServiceRequest.Status.choices)[expected]


@pytest.mark.parametrize(
    ("steps", "action", "current", "target"),
    [
        ([], "resolve", "已提交", "已办结"),
        ([], "close", "已提交", "已关闭"),
        ([], "reply", "已提交", "办理中"),
        (["accept"], "accept", "已受理", "已受理"),
        (["reject"], "assign", "不予受理", "办理中"),
        (["accept", "resolve"], "reject", "已办结", "不予受理"),
        (["accept", "resolve", "close"], "reply", "已关闭", "办理中"),
    ],
)
def test_illegal_moves_answer_400_naming_both_states(sr, steps, action, current, target):
    request_id = file_request(sr)["id"]
    for step in steps:
        assert act(sr, request_id, step).status_code == 200
    before = ServiceRequest.objects.get(pk=request_id).status
    answer = act(sr, request_id, action)
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert f"当前为“{current}”" in detail and f"转为“{target}”" in detail
    assert ServiceRequest.objects.get(pk=request_id).status == before


def test_the_whole_path_with_reply_comment_history_and_closing_by_the_enterprise(sr):
    request_id = file_request(sr)["id"]
    manager = sr["town_manager"]
    assert act(sr, request_id, "accept", manager).json()["accepted_at"] is not None
    assigned = act(sr, request_id, "assign", manager).json()
    assert assigned["assignee"] == sr["officer"].pk and assigned["assignee_name"] == str(sr["officer"])
    assert act(sr, request_id, "reply").json()["reply"] == "已对接合作银行，下周上门"
    no_reply = client_for(sr["officer"]).post(f"{URL}{request_id}/resolve/", {}, format="json")
    assert no_reply.status_code == 200 and no_reply.json()["reply"] == "已对接合作银行，下周上门"
    assert no_reply.json()["resolved_at"] is not None and no_reply.json()["days_left"] is None
    enterprise = client_for(sr["ent_user"])
    closed = enterprise.post(f"{URL}{request_id}/close/", format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_at"]

    comments = enterprise.get(f"{URL}{request_id}/comments/").json()["results"]
    assert [c["body"] for c in comments] == ["已对接合作银行，下周上门"]
    history = enterprise.get(f"{URL}{request_id}/history/").json()
    reasons = [h["reason"] for h in history["results"]]
    assert reasons[-3:] == ["分派给 " + str(sr["officer"]), "受理", "提交诉求"] and reasons[0] == "关闭"
    # The officer was told of the assignment in-app.
    inbox = client_for(sr["officer"]).get("/api/v1/notifications/", {"kind": "request_assigned"}).json()
    assert (
        inbox["count"] == 1 and inbox["results"][0]["url"] == f"/service-requests/{request_id}/"
    )  # the page, not the API


def test_enterprise_users_calling_staff_actions_get_403(sr):
    request_id = file_request(sr)["id"]
    for name in ["accept", "assign", "reply", "resolve", "reject"]:
        answer = act(sr, request_id, name, sr["ent_user"])
        assert answer.status_code == 403, name
        assert "只有政府工作人员可以办理诉求" in answer.json()["detail"]
    assert ServiceRequest.objects.get(pk=request_id).status == "submitted"


def test_assignee_must_be_active_staff_in_the_callers_scope(sr):
    request_id = file_request(sr)["id"]
    officer = client_for(sr["officer"])
    for bad in [sr["other_officer"].pk, sr["ent_user"].pk, 10**9]:
        answer = officer.post(f"{URL}{request_id}/assign/", {"assignee": bad}, format="json")
        assert answer.status_code == 400 and "不在您的范围内" in answer.json()["assignee"][0]
    assert officer.post(f"{URL}{request_id}/assign/", {"assignee": "x"}, format="json").status_code == 400
    assert officer.post(f"{URL}{request_id}/assign/", {}, format="json").status_code == 400
    # The district manager may hand it to anyone on the staff.
    district = client_for(sr["manager"]).post(
        f"{URL}{request_id}/assign/", {"assignee": sr["other_officer"].pk}, format="json"
    )
    assert district.status_code == 200 and district.json()["assignee"] == sr["other_officer"].pk
    long_reason = officer.post(f"{URL}{request_id}/reject/", {"reason": "长" * 501}, format="json")
    assert long_reason.status_code == 400 and "reason" in long_reason.json()


def test_long_reasons_and_file_names_are_accepted_whole(sr, media):
    request_id = file_request(sr)["id"]
    reason = "该事项属于市级部门职能，" * 40
    rejected = client_for(sr["officer"]).post(f"{URL}{request_id}/reject/", {"reason": reason}, format="json")
    assert rejected.status_code == 200 and rejected.json()["reject_reason"] == reason
    latest = client_for(sr["ent_user"]).get(f"{URL}{request_id}/history/").json()["results"][0]
    assert latest["reason"].startswith("不予受理：该事项属于市级部门职能")

    other_id = file_request(sr)["id"]
    name = "关于申请技术改造专项资金的情况说明" * 12 + ".pdf"
    uploaded = client_for(sr["ent_user"]).post(f"{URL}{other_id}/attachments/", {"file": upload(name, PDF)})
    assert uploaded.status_code == 201 and uploaded.json()["original_name"].startswith("关于申请技术改造")


# --- Visibility -------------------------------------------------------------------------------------------


def test_another_enterprises_request_is_404_everywhere(sr, media):
    theirs = sr["other_request"]
    attachment = services.add_attachment(actor=sr["other_user"], request=theirs, upload=upload("a.pdf", PDF))
    base = f"{URL}{theirs.pk}"
    for user in (sr["ent_user"], sr["officer"]):
        client = client_for(user)
        assert theirs.pk not in {r["id"] for r in client.get(URL).json()["results"]}
        assert client.get(f"{base}/").status_code == 404
        assert client.patch(f"{base}/", {"title": "x"}, format="json").status_code == 404
        assert client.get(f"{base}/history/").status_code == 404
        assert client.get(f"{base}/comments/").status_code == 404
        assert client.post(f"{base}/comments/", {"body": "看看"}, format="json").status_code == 404
        assert client.get(f"{base}/attachments/").status_code == 404
        assert client.post(f"{base}/attachments/", {"file": upload("b.pdf", PDF)}).status_code == 404
        assert client.get(f"{base}/attachments/{attachment.pk}/download/").status_code == 404
        for name in ["accept", "assign", "reply", "resolve", "reject", "close", "rate"]:
            answer = client.post(f"{base}/{name}/", {"rating": 5, **ACTIONS.get(name, lambda w: {})(sr)}, format="json")
            assert answer.status_code == 404, name
    # Nanxiang's officer sees it; the district manager too.
    assert client_for(sr["other_officer"]).get(f"{base}/").status_code == 200
    assert client_for(sr["manager"]).get(f"{base}/").status_code == 200


def test_internal_notes_are_hidden_from_the_enterprise(sr):
    request_id = file_request(sr)["id"]
    officer, enterprise = client_for(sr["officer"]), client_for(sr["ent_user"])
    url = f"{URL}{request_id}/comments/"
    internal = officer.post(url, {"body": "内部：需协调规划部门", "is_internal": True}, format="json")
    assert internal.status_code == 201 and internal.json()["is_internal"] is True
    assert officer.post(url, {"body": "请补充营业执照"}, format="json").status_code == 201
    sneaky = enterprise.post(url, {"body": "已补充", "is_internal": True}, format="json")
    assert sneaky.status_code == 201 and sneaky.json()["is_internal"] is False
    assert [c["body"] for c in enterprise.get(url).json()["results"]] == ["请补充营业执照", "已补充"]
    staff_view = officer.get(url).json()["results"]
    assert [c["body"] for c in staff_view] == ["内部：需协调规划部门", "请补充营业执照", "已补充"]
    assert staff_view[0]["author_name"] == str(sr["officer"])
    assert enterprise.post(url, {"body": ""}, format="json").status_code == 400
    assert enterprise.post(url, {"body": "长" * 5001}, format="json").status_code == 400


# --- Rating (好差评) ----------------------------------------------------------------------------------------


def resolved_request(world, assignee=True):
    request_id = file_request(world)["id"]
    act(world, request_id, "accept")
    if assignee:
        act(world, request_id, "assign")
    act(world, request_id, "resolve")
    return request_id


def test_rating_only_by_the_owning_enterprise_after_resolution_and_once(sr):
    request_id = file_request(sr)["id"]
    enterprise = client_for(sr["ent_user"])
    url = f"{URL}{request_id}/rate/"
    early = enterprise.post(url, {"rating": 5}, format="json")
    assert early.status_code == 400 and "办结后才能评价" in early.json()["detail"]
    act(sr, request_id, "accept")
    act(sr, request_id, "resolve")
    staff = client_for(sr["officer"]).post(url, {"rating": 5}, format="json")
    assert staff.status_code == 403 and "只有提出诉求的企业可以评价" in staff.json()["detail"]
    for bad in [0, 6, "abc", None]:
        assert enterprise.post(url, {"rating": bad}, format="json").status_code == 400, bad
    rated = enterprise.post(url, {"rating": 4, "comment": "答复及时"}, format="json")
    assert rated.status_code == 200
    assert rated.json()["rating"] == 4 and rated.json()["rating_display"] == "满意"
    assert rated.json()["rating_comment"] == "答复及时"
    again = enterprise.post(url, {"rating": 1}, format="json")
    assert again.status_code == 400 and "已经评价过" in again.json()["detail"]
    assert not Notification.objects.filter(kind="request_rating_poor").exists()


def test_a_poor_rating_notifies_the_managers(sr):
    request_id = resolved_request(sr)
    answer = client_for(sr["ent_user"]).post(
        f"{URL}{request_id}/rate/", {"rating": 1, "comment": "多次催办无回应"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["rating_display"] == "非常不满意"
    # The assignee (Anting's officer) reports to Anting's manager.
    inbox = client_for(sr["town_manager"]).get("/api/v1/notifications/", {"kind": "request_rating_poor"}).json()
    assert inbox["count"] == 1
    note = inbox["results"][0]
    assert "差评" in note["title"] and "非常不满意" in note["title"] and "多次催办无回应" in note["body"]
    assert note["url"] == f"/service-requests/{request_id}/" and note["target_type"] == "servicerequests.servicerequest"
    assert note["target_id"] == request_id and note["is_read"] is False
    assert client_for(sr["officer"]).get("/api/v1/notifications/", {"kind": "request_rating_poor"}).json()["count"] == 0


def test_a_poor_rating_of_an_unassigned_request_goes_to_the_towns_managers(sr):
    request_id = resolved_request(sr, assignee=False)
    assert client_for(sr["ent_user"]).post(f"{URL}{request_id}/rate/", {"rating": 2}, format="json").status_code == 200
    recipients = set(Notification.objects.filter(kind="request_rating_poor").values_list("recipient", flat=True))
    assert recipients == {sr["town_manager"].pk}


# --- Attachments ------------------------------------------------------------------------------------------


def test_attachment_upload_limits(sr, media, settings):
    settings.UPLOAD_MAX_BYTES = 2**20
    request_id = file_request(sr)["id"]
    client = client_for(sr["ent_user"])
    url = f"{URL}{request_id}/attachments/"
    big = client.post(url, {"file": upload("big.pdf", PDF + b"0" * (3 * 2**19))})
    assert big.status_code == 400 and "文件过大：1.5 MB，上限为 1 MB。" in big.json()["file"]
    exe = client.post(url, {"file": upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 100)})
    assert exe.status_code == 400 and "不支持的文件类型“exe”" in exe.json()["file"][0]
    fake = client.post(url, {"file": upload("report.pdf", b"just some text, not a PDF")})
    assert fake.status_code == 400 and "文件内容与扩展名“pdf”不符" in fake.json()["file"][0]
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"file": "x"}, format="json").status_code == 415
    assert not Attachment.objects.exists() and not any(media.rglob("*.*"))

    good = client.post(url, {"file": upload("营业执照.pdf", PDF, "application/pdf")})
    assert good.status_code == 201, good.json()
    body = good.json()
    assert body["original_name"] == "营业执照.pdf" and body["size"] == len(PDF)
    assert body["content_type"] == "application/pdf" and body["uploaded_by"] == sr["ent_user"].pk
    assert body["download_url"] == f"{URL}{request_id}/attachments/{body['id']}/download/"
    stored = Attachment.objects.get().file.name
    assert stored.startswith("service_requests/") and stored.endswith(".pdf") and "营业执照" not in stored


def test_download_only_for_those_who_see_the_request_and_never_by_public_url(sr, media):
    request_id = file_request(sr)["id"]
    created = (
        client_for(sr["ent_user"])
        .post(f"{URL}{request_id}/attachments/", {"file": upload("../../申请书.pdf", PDF)})
        .json()
    )
    assert created["original_name"] == "申请书.pdf"
    for user in (sr["ent_user"], sr["officer"], sr["manager"]):
        answer = client_for(user).get(created["download_url"])
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == PDF
        assert "attachment" in answer["Content-Disposition"] and ".pdf" in answer["Content-Disposition"]
    listing = client_for(sr["officer"]).get(f"{URL}{request_id}/attachments/").json()
    assert [a["id"] for a in listing["results"]] == [created["id"]]
    for user in (sr["other_user"], sr["other_officer"]):
        assert client_for(user).get(created["download_url"]).status_code == 404
    # An attachment id under another request is not found either.
    other_url = f"{URL}{sr['other_request'].pk}/attachments/{created['id']}/download/"
    assert client_for(sr["manager"]).get(other_url).status_code == 404
    stored = Attachment.objects.get().file.name
    assert client_for(sr["ent_user"]).get(f"/media/{stored}").status_code == 404
    assert stored not in str(listing)


def test_closed_requests_take_no_more_attachments(sr, media):
    request_id = resolved_request(sr)
    act(sr, request_id, "close")
    answer = client_for(sr["ent_user"]).post(f"{URL}{request_id}/attachments/", {"file": upload("a.pdf", PDF)})
    assert answer.status_code == 400 and "诉求已结束" in answer.json()["detail"]


# --- Query counts -----------------------------------------------------------------------------------------


def make_requests(world, n):
    """`n` requests of the Anting enterprise in different states and due dates, with comments and files."""
    today = timezone.localdate()
    for number in range(n):
        request = services.submit_request(
            actor=world["ent_user"], category=category("policy"), title=f"咨询{number}", description="政策咨询"
        )
        services.add_comment(actor=world["officer"], request=request, body="收到", is_internal=number % 2 == 0)
        services.add_attachment(actor=world["ent_user"], request=request, upload=upload(f"f{number}.pdf", PDF))
        if number % 3 == 1:
            services.assign_request(actor=world["town_manager"], request=request, assignee=world["officer"])
        ServiceRequest.objects.filter(pk=request.pk).update(due_on=today + dt.timedelta(days=number * 37 - 200))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"page_size": 200})
        assert answer.status_code == 200
    return len(captured), answer.json()


@pytest.mark.parametrize("who", ["officer", "ent_user", "manager"])
def test_list_queries_do_not_grow_with_rows(sr, media, who):
    client = client_for(sr[who])
    make_requests(sr, 3)
    few, body = count_queries(client, URL)
    assert body["count"] >= 3
    make_requests(sr, 6)
    many, body = count_queries(client, URL)
    assert body["count"] >= 9 and many == few
    assert few <= 6
    assert {r["days_left"] is None or isinstance(r["days_left"], int) for r in body["results"]} == {True}


def test_child_list_queries_do_not_grow_with_rows(sr, media):
    make_requests(sr, 1)
    request = ServiceRequest.objects.filter(enterprise=sr["enterprise"]).get()
    client = client_for(sr["officer"])
    urls = [f"{URL}{request.pk}/comments/", f"{URL}{request.pk}/attachments/", "/api/v1/service-request-categories/"]
    few = [count_queries(client, url)[0] for url in urls]
    for number in range(4):
        services.add_comment(actor=sr["ent_user"], request=request, body=f"补充{number}")
        services.add_attachment(actor=sr["officer"], request=request, upload=upload(f"g{number}.pdf", PDF))
        Category.objects.create(code=f"extra{number}", name=f"其他类别{number}")
    many = [count_queries(client, url)[0] for url in urls]
    assert many == few and max(few) <= 5
