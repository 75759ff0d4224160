import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from companies import services
from companies.models import Contact, Visit
from companies.selectors import sees_full_mobile
from tests import factories as f

from .conftest import client_for

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"
VISITS = "/api/v1/visits/"


@pytest.fixture
def served(world):
    """The 安亭 enterprise served by officer_a, one contact, and a second 安亭 officer not responsible for it."""
    ent = world["enterprise"]
    services.update_enterprise(actor=world["manager"], enterprise=ent, service_officer=world["officer"])
    contact = services.create_contact(
        actor=world["officer"], enterprise=ent, name="王经理", title="总经理", mobile="13812341234", is_primary=True
    )
    colleague = f.user("officer_a2", org_unit=world["anting"])
    return dict(enterprise=ent, contact=contact, colleague=colleague)


# --- Contacts ---------------------------------------------------------------------------------


def test_contact_crud_by_the_service_officer(world, served):
    client = client_for(world["officer"])
    ent = served["enterprise"]
    created = client.post(
        CONTACTS,
        {"enterprise": ent.pk, "name": "李主管", "title": "人事主管", "mobile": "139 0000 1111", "is_primary": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["mobile"] == "13900001111" and body["mobile_masked"] is False
    assert body["enterprise_name"] == ent.name

    listing = client.get(CONTACTS, {"enterprise": ent.pk}).json()
    assert [c["name"] for c in listing["results"]] == ["李主管", "王经理"]
    assert [c["is_primary"] for c in listing["results"]] == [True, False]

    url = f"{CONTACTS}{body['id']}/"
    patched = client.patch(url, {"title": "人力资源总监"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "人力资源总监"
    moved = client.patch(url, {"enterprise": world["nanxiang_project"].enterprise.pk}, format="json")
    assert moved.status_code == 400
    assert client.delete(url).status_code == 204
    assert not Contact.objects.filter(pk=body["id"]).exists()
    deleted = Contact.history.filter(id=body["id"], history_type="-").get()
    assert deleted.history_user == world["officer"]


def test_mobile_is_masked_for_officers_not_responsible(world, served):
    contact_url = f"{CONTACTS}{served['contact'].pk}/"

    responsible = client_for(world["officer"])
    assert responsible.get(contact_url).json()["mobile"] == "13812341234"
    assert responsible.get(CONTACTS).json()["results"][0]["mobile"] == "13812341234"

    colleague = client_for(served["colleague"])
    detail = colleague.get(contact_url).json()
    assert detail["mobile"] == "138****1234" and detail["mobile_masked"] is True
    listing = colleague.get(CONTACTS).json()["results"]
    assert [(c["name"], c["mobile"]) for c in listing] == [("王经理", "138****1234")]
    assert "13812341234" not in colleague.get(CONTACTS).content.decode()
    # A district manager sees the enterprise but is not responsible for it either.
    assert client_for(world["manager"]).get(contact_url).json()["mobile"] == "138****1234"
    admin = f.user("admin_user", role=Role.ADMIN, org_unit=f.district())
    assert client_for(admin).get(contact_url).json()["mobile"] == "13812341234"

    # Put on the team of one of the enterprise's projects, the colleague becomes responsible.
    world["anting_project"].team.add(served["colleague"])
    assert colleague.get(contact_url).json()["mobile"] == "13812341234"
    assert sees_full_mobile(served["colleague"], served["enterprise"])
    assert not sees_full_mobile(world["manager"], served["enterprise"])


def test_a_masked_mobile_sent_back_keeps_the_stored_number(world, served):
    colleague = client_for(served["colleague"])
    url = f"{CONTACTS}{served['contact'].pk}/"
    shown = colleague.get(url).json()
    answer = colleague.put(url, {**shown, "title": "董事长"}, format="json")
    assert answer.status_code == 200, answer.json()
    served["contact"].refresh_from_db()
    assert (served["contact"].title, served["contact"].mobile) == ("董事长", "13812341234")


def test_contacts_outside_scope_and_for_enterprise_users(world, served):
    url = f"{CONTACTS}{served['contact'].pk}/"
    other = client_for(world["other_officer"])
    assert other.get(url).status_code == 404
    assert other.get(CONTACTS).json()["count"] == 0
    refused = other.post(CONTACTS, {"enterprise": served["enterprise"].pk, "name": "某人"}, format="json")
    assert refused.status_code == 400 and "不在您的范围内" in refused.json()["enterprise"][0]

    enterprise = client_for(world["ent_user"])
    assert enterprise.get(CONTACTS).json()["count"] == 0
    assert enterprise.get(url).status_code == 404
    assert enterprise.patch(url, {"name": "改名"}, format="json").status_code == 404
    assert enterprise.delete(url).status_code == 404
    created = enterprise.post(CONTACTS, {"enterprise": served["enterprise"].pk, "name": "某人"}, format="json")
    assert created.status_code == 403
    assert Contact.objects.count() == 1


def test_bad_contact_input_is_400(world, served):
    client = client_for(world["officer"])
    base = {"enterprise": served["enterprise"].pk, "name": "赵六"}
    for case in [
        {**base, "mobile": "12345"},
        {**base, "mobile": "1" * 30},
        {**base, "name": "长" * 51},
        {**base, "email": "not-an-email"},
        {**base, "enterprise": "abc"},
        {**base, "enterprise": 10**20},
        {**base, "is_primary": "sometimes"},
        {"name": "无企业"},
    ]:
        answer = client.post(CONTACTS, case, format="json")
        assert answer.status_code == 400, (case, answer.status_code)
    wrong = client.post(CONTACTS, {**base, "mobile": "12345"}, format="json")
    assert "手机号码应为以1开头的11位数字" in wrong.json()["mobile"][0]
    assert client.get(CONTACTS, {"enterprise": "x"}).status_code == 400


# --- Visits -----------------------------------------------------------------------------------


def visit_payload(world, **extra):
    data = {
        "enterprise": world["enterprise"].pk,
        "visited_on": "2025-05-06",
        "topic": "了解扩产用地需求",
        "summary": "企业计划新增产线。",
        "next_step": "协调规划部门反馈用地意见",
        "next_step_due_on": "2025-05-20",
    }
    data.update(extra)
    return data


def test_visit_is_recorded_listed_updated_and_its_next_step_completed(world, served):
    client = client_for(world["officer"])
    created = client.post(
        VISITS,
        visit_payload(
            world,
            project=world["anting_project"].pk,
            participants=[served["colleague"].pk],
            contacts=[served["contact"].pk],
        ),
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["officer"] == world["officer"].pk and body["officer_name"] == "officer_a"
    assert body["project_name"] == world["anting_project"].name and body["next_step_open"] is True
    assert body["participants"] == [served["colleague"].pk] and body["contacts"] == [served["contact"].pk]

    url = f"{VISITS}{body['id']}/"
    patched = client.patch(url, {"summary": "企业计划新增两条产线。"}, format="json")
    assert patched.status_code == 200 and patched.json()["summary"] == "企业计划新增两条产线。"
    assert client.put(url, visit_payload(world), format="json").status_code == 405

    assert client.get(VISITS, {"next_step_open": "true"}).json()["count"] == 1
    done = client.post(f"{url}complete-next-step/", {"done_on": "2025-05-15"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["next_step_done_on"] == "2025-05-15" and done.json()["next_step_open"] is False
    assert client.get(VISITS, {"next_step_open": "true"}).json()["count"] == 0
    again = client.post(f"{url}complete-next-step/", {"done_on": "2025-05-16"}, format="json")
    assert again.status_code == 400 and "已于 2025-05-15 完成" in again.json()["done_on"][0]
    assert Visit.history.filter(id=body["id"]).first().history_user == world["officer"]


def test_visit_filters(world, served):
    officer = world["officer"]
    services.record_visit(actor=officer, enterprise=served["enterprise"], visited_on=f.date("2025-03-01"), topic="一")
    services.record_visit(
        actor=officer,
        enterprise=served["enterprise"],
        project=world["anting_project"],
        visited_on=f.date("2025-04-01"),
        topic="二",
        next_step="提交用地申请",
        next_step_due_on=f.date("2025-04-15"),
    )
    services.record_visit(
        actor=served["colleague"],
        enterprise=served["enterprise"],
        visited_on=f.date("2025-05-01"),
        topic="三",
        next_step="回访",
        next_step_due_on=f.date("2025-06-30"),
    )
    client = client_for(officer)

    def topics(**params):
        answer = client.get(VISITS, params)
        assert answer.status_code == 200, answer.json()
        return [v["topic"] for v in answer.json()["results"]]

    assert topics() == ["三", "二", "一"]
    assert topics(enterprise=served["enterprise"].pk) == ["三", "二", "一"]
    assert topics(project=world["anting_project"].pk) == ["二"]
    assert topics(officer=served["colleague"].pk) == ["三"]
    assert topics(visited_after="2025-03-15", visited_before="2025-04-30") == ["二"]
    assert topics(next_step_open="true") == ["三", "二"]
    assert topics(next_step_open="false") == ["一"]
    assert topics(next_step_open="true", next_step_due_before="2025-05-01") == ["二"]
    assert topics(ordering="visited_on") == ["一", "二", "三"]
    assert client_for(world["other_officer"]).get(VISITS).json()["count"] == 0


def test_visit_project_must_belong_to_the_enterprise_and_be_visible(world, served):
    client = client_for(world["officer"])
    hidden = client.post(VISITS, visit_payload(world, project=world["nanxiang_project"].pk), format="json")
    assert hidden.status_code == 400 and "不在您的范围内" in hidden.json()["project"][0]
    visible_elsewhere = f.project(actor=world["officer"], officer=world["officer"])
    wrong = client.post(VISITS, visit_payload(world, project=visible_elsewhere.pk), format="json")
    assert wrong.status_code == 400 and "不属于该企业" in wrong.json()["project"][0]
    stranger = services.create_contact(actor=world["officer"], enterprise=visible_elsewhere.enterprise, name="外人")
    wrong = client.post(VISITS, visit_payload(world, contacts=[stranger.pk]), format="json")
    assert wrong.status_code == 400 and "外人" in wrong.json()["contacts"][0]
    assert Visit.objects.count() == 0


def test_visits_for_enterprise_users_and_other_towns(world, served):
    visit = services.record_visit(
        actor=world["officer"], enterprise=served["enterprise"], visited_on=f.date("2025-05-06"), topic="走访"
    )
    url = f"{VISITS}{visit.pk}/"
    enterprise = client_for(world["ent_user"])
    assert enterprise.get(VISITS).json()["count"] == 0
    assert enterprise.get(url).status_code == 404
    assert enterprise.patch(url, {"topic": "x"}, format="json").status_code == 404
    assert enterprise.post(VISITS, visit_payload(world), format="json").status_code == 403
    other = client_for(world["other_officer"])
    assert other.get(url).status_code == 404
    assert other.post(f"{url}complete-next-step/", {"done_on": "2025-05-07"}, format="json").status_code == 404


def test_bad_visit_input_is_400(world, served):
    client = client_for(world["officer"])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for case in [
        visit_payload(world, visited_on="2025-13-40"),
        visit_payload(world, visited_on=20250506),
        visit_payload(world, topic="长" * 201),
        visit_payload(world, topic=""),
        visit_payload(world, summary="长" * 10001),
        visit_payload(world, next_step_due_on=None),
        visit_payload(world, participants="all"),
        visit_payload(world, participants=[world["ent_user"].pk]),
        visit_payload(world, officer=world["ent_user"].pk),
        visit_payload(world, enterprise=world["nanxiang_project"].enterprise.pk),
    ]:
        answer = client.post(VISITS, case, format="json")
        assert answer.status_code == 400, (case, answer.status_code)
    missing_date = client.post(VISITS, visit_payload(world, next_step_due_on=None), format="json")
    assert "需要填写完成日期" in missing_date.json()["detail"]

    visit = services.record_visit(
        actor=world["officer"],
        enterprise=served["enterprise"],
        visited_on=f.date("2025-05-06"),
        topic="走访",
        next_step="回访",
        next_step_due_on=f.date("2025-06-06"),
    )
    action = f"{VISITS}{visit.pk}/complete-next-step/"
    assert client.post(action, {"done_on": "昨天"}, format="json").status_code == 400
    assert client.post(action, {}, format="json").status_code == 400
    future = client.post(action, {"done_on": tomorrow}, format="json")
    assert future.status_code == 400 and "不能晚于今天" in future.json()["done_on"][0]
    early = client.post(action, {"done_on": "2025-05-01"}, format="json")
    assert early.status_code == 400 and "不能早于走访日期" in early.json()["done_on"][0]
    for params in [{"visited_after": "yesterday"}, {"next_step_open": "maybe"}, {"officer": "-1"}]:
        assert client.get(VISITS, params).status_code == 400


# --- Query counts -----------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"page_size": 100})
        assert answer.status_code == 200
    return len(captured)


def test_contacts_and_visits_lists_make_a_constant_number_of_queries(world, served):
    officer = world["officer"]
    client = client_for(served["colleague"])

    def add(count):
        for number in range(count):
            # Enterprises of both kinds: some the colleague is responsible for, some not.
            ent = f.enterprise(town=world["anting"], service_officer=served["colleague"] if number % 2 else officer)
            contact = services.create_contact(actor=officer, enterprise=ent, name="联系人", mobile="13900001111")
            project = f.project(actor=officer, enterprise=ent, officer=officer)
            services.record_visit(
                actor=officer,
                enterprise=ent,
                project=project,
                visited_on=f.date("2025-05-06"),
                topic="走访",
                participants=[served["colleague"]],
                contacts=[contact],
            )

    add(3)
    contacts, visits = _count_queries(client, CONTACTS), _count_queries(client, VISITS)
    add(6)
    assert _count_queries(client, CONTACTS) == contacts
    assert _count_queries(client, VISITS) == visits
    shown = client.get(CONTACTS, {"page_size": 100}).json()["results"]
    assert {c["mobile"] for c in shown if c["name"] == "联系人"} == {"13900001111", "139****1111"}
