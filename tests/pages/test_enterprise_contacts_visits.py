"""On the enterprise file: visit participants, editing and deleting contacts, editing visits and marking
their next steps done, all through the companies services."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.exceptions import ServiceError
from common.views import add_service_error
from companies import services
from companies.forms import VisitForm
from companies.models import Contact, Visit
from tests import factories as f

pytestmark = pytest.mark.django_db

DETAIL_QUERIES = 14
FORM_QUERIES = 12
NEEDS_DATE = "填写了下一步工作时，需要填写完成日期。"


def text_of(response) -> str:
    return response.content.decode()


def field_html(html, name) -> str:
    """The markup of one field group (label, input, its messages)."""
    match = re.search(
        rf'<div class="mb-3[^"]*" id="field-{name}">(.*?)</div>\s*(?=<div class="mb-3|<div class="d-flex|<div><button)',
        html,
        re.S,
    )
    assert match, f"no field group for {name}"
    return match.group(1)


def top_errors(html) -> str:
    match = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>\s*</div>', html, re.S)
    return match.group(1) if match else ""


def contact_of(world, name="王经理", mobile="13912345678", **fields):
    return services.create_contact(
        actor=world["officer"], enterprise=world["enterprise"], name=name, mobile=mobile, **fields
    )


def visit_of(world, **fields):
    fields = {"visited_on": f.date("2025-02-01"), "topic": "了解扩产计划", **fields}
    return services.record_visit(actor=world["officer"], enterprise=world["enterprise"], **fields)


def file_url(world):
    return f"/enterprises/{world['enterprise'].pk}/"


def contact_url(world, contact, action):
    return f"{file_url(world)}contacts/{contact.pk}/{action}/"


def visit_url(world, visit, action):
    return f"{file_url(world)}visits/{visit.pk}/{action}/"


# --- participants and contacts met on the record-visit form ---------------------------------------


def test_a_visit_records_its_participants_and_the_contacts_met(world, pages):
    contact = contact_of(world)
    colleague = f.user("officer_b", org_unit=world["anting"], display_name="张同事")
    html = text_of(pages["officer"].get(file_url(world)))
    participants = field_html(html, "participants")
    assert "同行人员" in participants and "张同事（安亭镇）" in participants
    assert "ent" not in re.findall(r"<option[^>]*>([^<]*)</option>", participants)  # no enterprise users
    assert "王经理" in field_html(html, "contacts")

    response = pages["officer"].post(
        f"{file_url(world)}visits/",
        {
            "visited_on": "2025-05-06",
            "topic": "走访了解人才公寓需求",
            "participants": [colleague.pk, world["town_manager"].pk],
            "contacts": [contact.pk],
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert set(visit.participants.all()) == {colleague, world["town_manager"]}
    assert list(visit.contacts.all()) == [contact]
    assert visit.history.first().history_user == world["officer"]
    html = text_of(pages["officer"].get(file_url(world)))
    assert re.search(r"同行人员：[^<]*张同事", html)


def test_an_enterprise_user_cannot_be_a_participant_and_the_choices_made_stay(world, pages):
    contact = contact_of(world)
    project = world["anting_project"]
    response = pages["officer"].post(
        f"{file_url(world)}visits/",
        {
            "visited_on": "2025-05-06",
            "topic": "走访了解用工需求",
            "participants": [world["ent_user"].pk],
            "contacts": [contact.pk],
            "project": project.pk,
        },
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "选择一个有效的选项" in field_html(html, "participants")
    assert 'value="走访了解用工需求"' in html and not Visit.objects.exists()
    assert re.search(rf'<input type="checkbox" name="contacts" value="{contact.pk}"[^>]*checked', html)
    assert re.search(rf'<option value="{project.pk}" selected>{project}</option>', field_html(html, "project"))
    assert '<option value="">---------</option>' in field_html(html, "project")


# --- the next step's date message under its field -----------------------------------------------


def test_a_next_step_without_a_date_is_told_under_the_date_field(world, pages):
    response = pages["officer"].post(
        f"{file_url(world)}visits/",
        {"visited_on": "2025-05-06", "topic": "走访了解用工需求", "next_step": "组织招聘会"},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert NEEDS_DATE in field_html(html, "next_step_due_on")
    assert NEEDS_DATE not in top_errors(html)
    assert 'value="组织招聘会"' in html and not Visit.objects.exists()


def test_the_services_refusal_of_a_dateless_next_step_lands_under_the_date_field(world):
    """The same message from the service (a ServiceError for the whole visit) also goes to the field."""
    form = VisitForm(
        {"visited_on": "2025-05-06", "topic": "走访"}, enterprise=world["enterprise"], user=world["officer"]
    )
    assert form.is_valid()
    add_service_error(form, ServiceError({"__all__": [NEEDS_DATE, "另一条说明"]}))
    assert form.errors["next_step_due_on"] == [NEEDS_DATE]
    assert form.non_field_errors() == ["另一条说明"]


# --- contacts: edit and delete ------------------------------------------------------------------


def test_the_file_offers_edit_and_a_confirmed_delete_for_each_contact(world, pages):
    contact = contact_of(world)
    html = text_of(pages["officer"].get(file_url(world)))
    row = re.search(rf'<tr id="contact-{contact.pk}">(.*?)</tr>', html, re.S).group(1)
    assert f'href="{contact_url(world, contact, "edit")}"' in row
    assert re.search(
        rf'action="{contact_url(world, contact, "delete")}"[^>]*data-confirm="确定删除联系人“王经理”吗？"', row
    )


def test_edit_a_contact_through_the_service(world, pages):
    contact = contact_of(world, title="总经理")
    url = contact_url(world, contact, "edit")
    html = text_of(pages["officer"].get(url))
    assert "编辑联系人：王经理" in html and 'value="总经理"' in html and 'value="13912345678"' in html

    response = pages["officer"].post(
        url, {"name": "王总", "title": "董事长", "mobile": "139 8765 4321", "is_primary": "on"}
    )
    assert response.status_code == 302 and response["Location"] == f"{file_url(world)}#contact-{contact.pk}"
    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.mobile, contact.is_primary) == ("王总", "董事长", "13987654321", True)
    assert contact.history.first().history_user == world["officer"]
    assert "联系人已保存。" in text_of(pages["officer"].get(file_url(world)))


def test_a_failing_contact_edit_keeps_what_was_typed(world, pages):
    contact = contact_of(world)
    url = contact_url(world, contact, "edit")
    response = pages["officer"].post(url, {"name": "王总", "mobile": "1234", "email": "wang@"})
    assert response.status_code == 200
    html = text_of(response)
    assert "手机号码应为以1开头的11位数字。" in field_html(html, "mobile")
    assert "请输入合法的邮件地址。" in field_html(html, "email")
    assert 'value="王总"' in html and 'value="1234"' in html
    assert "编辑联系人：王经理" in html  # the heading names the stored contact
    contact.refresh_from_db()
    assert contact.name == "王经理" and contact.mobile == "13912345678"


def test_the_edit_form_does_not_leak_a_masked_mobile(world, pages):
    contact = contact_of(world, title="总经理")
    url = contact_url(world, contact, "edit")
    client = pages["town_manager"]  # sees the enterprise, but is not responsible for it

    html = text_of(client.get(file_url(world)))
    assert "139****5678" in html and "13912345678" not in html
    html = text_of(client.get(url))
    assert 'value="139****5678"' in html and "13912345678" not in html and "号码已打码" in html

    # Sent back unchanged, the masked number keeps the stored one.
    response = client.post(url, {"name": "王经理", "title": "副总经理", "mobile": "139****5678"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "副总经理" and contact.mobile == "13912345678"

    # A failing form shows what was typed, never the stored number.
    response = client.post(url, {"name": "", "mobile": "139****5678"})
    html = text_of(response)
    assert response.status_code == 200 and "该字段是必填项。" in field_html(html, "name")
    assert "13912345678" not in html

    # A new number replaces it.
    assert client.post(url, {"name": "王经理", "mobile": "13700001111"}).status_code == 302
    contact.refresh_from_db()
    assert contact.mobile == "13700001111"


def test_delete_a_contact_through_the_service(world, pages):
    contact = contact_of(world)
    visit = visit_of(world, contacts=[contact])
    url = contact_url(world, contact, "delete")
    assert pages["officer"].get(url).status_code == 405
    response = pages["officer"].post(url)
    assert response.status_code == 302 and response["Location"] == f"{file_url(world)}#contacts"
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert list(visit.contacts.all()) == []
    assert Contact.history.filter(id=contact.pk, history_type="-").get().history_user == world["officer"]
    assert "联系人“王经理”已删除。" in text_of(pages["officer"].get(file_url(world)))


# --- visits: edit and next step done ------------------------------------------------------------


def test_edit_a_visit_through_the_service(world, pages):
    contact = contact_of(world)
    colleague = f.user("officer_b", org_unit=world["anting"])
    visit = visit_of(world, met_with="财务总监")
    url = visit_url(world, visit, "edit")
    html = text_of(pages["officer"].get(file_url(world)))
    assert f'href="{url}"' in html
    html = text_of(pages["officer"].get(url))
    assert "编辑走访记录" in html and 'value="了解扩产计划"' in html and 'value="财务总监"' in html

    data = {
        "visited_on": "2025-02-03",
        "topic": "了解扩产用地计划",
        "participants": [colleague.pk],
        "contacts": [contact.pk],
        "project": world["anting_project"].pk,
        "next_step": "协调用地指标",
        "next_step_due_on": "2025-03-01",
    }
    response = pages["officer"].post(url, data)
    assert response.status_code == 302 and response["Location"] == f"{file_url(world)}#visit-{visit.pk}"
    visit.refresh_from_db()
    assert (visit.topic, visit.visited_on, visit.met_with) == ("了解扩产用地计划", datetime.date(2025, 2, 3), "")
    assert list(visit.participants.all()) == [colleague] and list(visit.contacts.all()) == [contact]
    assert visit.project == world["anting_project"] and visit.next_step_due_on == datetime.date(2025, 3, 1)
    assert visit.history.first().history_user == world["officer"]


def test_a_failing_visit_edit_keeps_what_was_typed_with_the_message_under_the_date(world, pages):
    visit = visit_of(world)
    response = pages["officer"].post(
        visit_url(world, visit, "edit"), {"visited_on": "2025-02-01", "topic": "改过的主题", "next_step": "组织招聘会"}
    )
    assert response.status_code == 200
    html = text_of(response)
    assert NEEDS_DATE in field_html(html, "next_step_due_on") and NEEDS_DATE not in top_errors(html)
    assert 'value="改过的主题"' in html and 'value="组织招聘会"' in html
    visit.refresh_from_db()
    assert visit.topic == "了解扩产计划" and visit.next_step == ""


def test_an_open_next_step_offers_done_with_today_and_is_marked_done(world, pages):
    today = timezone.localdate()
    open_visit = visit_of(world, next_step="协调用地", next_step_due_on=f.date("2025-03-01"))
    plain_visit = visit_of(world, topic="回访")
    html = text_of(pages["officer"].get(file_url(world)))
    done_url = visit_url(world, open_visit, "done")
    assert f'action="{done_url}"' in html and f'value="{today.isoformat()}"' in html
    assert visit_url(world, plain_visit, "done") not in html

    response = pages["officer"].post(done_url, {"done_on": (today - datetime.timedelta(days=1)).isoformat()})
    assert response.status_code == 302 and response["Location"] == f"{file_url(world)}#visit-{open_visit.pk}"
    open_visit.refresh_from_db()
    assert open_visit.next_step_done_on == today - datetime.timedelta(days=1)
    assert open_visit.history.first().history_user == world["officer"]
    html = text_of(pages["officer"].get(file_url(world)))
    assert "下一步工作已标记完成。" in html and done_url not in html and "已于" in html


def test_a_refused_done_date_keeps_the_date_with_the_message(world, pages):
    visit = visit_of(world, next_step="协调用地", next_step_due_on=f.date("2025-03-01"))
    done_url = visit_url(world, visit, "done")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = pages["officer"].post(done_url, {"done_on": tomorrow})
    assert response.status_code == 200
    html = text_of(response)
    form = re.search(rf'<form method="post" action="{done_url}".*?</form>', html, re.S).group(0)
    assert "完成日期不能晚于今天。" in form and f'value="{tomorrow}"' in form

    response = pages["officer"].post(done_url, {"done_on": "2025-01-01"})
    assert "完成日期不能早于走访日期。" in text_of(response)
    response = pages["officer"].post(done_url, {"done_on": "明天"})
    assert response.status_code == 200 and "输入一个有效的日期。" in text_of(response)
    visit.refresh_from_db()
    assert visit.next_step_done_on is None


def test_a_next_step_done_meanwhile_says_so(world, pages):
    visit = visit_of(world, next_step="协调用地", next_step_due_on=f.date("2025-03-01"))
    services.complete_next_step(actor=world["town_manager"], visit=visit, done_on=f.date("2025-02-20"))
    response = pages["officer"].post(visit_url(world, visit, "done"), {"done_on": "2025-02-21"})
    assert response.status_code == 200 and "下一步工作已于 2025-02-20 完成。" in text_of(response)
    visit.refresh_from_db()
    assert visit.next_step_done_on == datetime.date(2025, 2, 20)


# --- who may open what ----------------------------------------------------------------------------


def every_route(world, contact, visit):
    return [
        ("get", contact_url(world, contact, "edit"), {}),
        ("post", contact_url(world, contact, "edit"), {"name": "改名"}),
        ("post", contact_url(world, contact, "delete"), {}),
        ("get", visit_url(world, visit, "edit"), {}),
        ("post", visit_url(world, visit, "edit"), {"visited_on": "2025-02-01", "topic": "改过"}),
        ("post", visit_url(world, visit, "done"), {"done_on": "2025-02-20"}),
    ]


def assert_unchanged(contact, visit):
    contact.refresh_from_db()
    visit.refresh_from_db()
    assert contact.name == "王经理" and visit.topic == "了解扩产计划" and visit.next_step_done_on is None


def test_another_towns_officer_gets_404(world, pages):
    contact = contact_of(world)
    visit = visit_of(world, next_step="协调用地", next_step_due_on=f.date("2025-03-01"))
    for method, url, data in every_route(world, contact, visit):
        assert getattr(pages["other_officer"], method)(url, data).status_code == 404, (method, url)
    assert_unchanged(contact, visit)


def test_a_contact_or_visit_of_another_enterprise_is_404_under_this_one(world, pages):
    other = f.enterprise("安亭另一家零部件有限公司", town=world["anting"])
    contact = services.create_contact(actor=world["officer"], enterprise=other, name="王经理")
    visit = services.record_visit(
        actor=world["officer"], enterprise=other, visited_on=f.date("2025-02-01"), topic="了解扩产计划"
    )
    for method, url, data in every_route(world, contact, visit):
        assert getattr(pages["officer"], method)(url, data).status_code == 404, (method, url)
    assert_unchanged(contact, visit)


def test_enterprise_users_get_403_and_visitors_the_login(world, pages, client):
    contact = contact_of(world)
    visit = visit_of(world, next_step="协调用地", next_step_due_on=f.date("2025-03-01"))
    for method, url, data in every_route(world, contact, visit):
        assert getattr(pages["ent_user"], method)(url, data).status_code == 403, (method, url)
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (method, url)
    assert_unchanged(contact, visit)


# --- bounded queries ------------------------------------------------------------------------------


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_visits_with_everything(world, count, start=0):
    colleague = f.user(f"officer_q{start}", org_unit=world["anting"])
    for i in range(start, start + count):
        contact = contact_of(world, name=f"联系人{i}")
        visit_of(
            world,
            topic=f"走访{i}",
            contacts=[contact],
            participants=[colleague, world["town_manager"]],
            next_step=f"跟进{i}",
            next_step_due_on=f.date("2025-03-01"),
        )


def test_the_file_with_open_next_steps_and_participants_takes_bounded_queries(
    world, pages, django_assert_max_num_queries
):
    add_visits_with_everything(world, 2)
    few = queries_of(pages["officer"], file_url(world))
    add_visits_with_everything(world, 8, start=2)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        many = queries_of(pages["officer"], file_url(world))
    assert few == many
    html = text_of(pages["officer"].get(file_url(world)))
    assert html.count('class="row g-2 align-items-start mt-1 next-step-done"') == 10
    print(f"enterprise file with visits: {many} queries")


def test_the_edit_pages_take_bounded_queries(world, pages, django_assert_max_num_queries):
    add_visits_with_everything(world, 2)
    contact, visit = Contact.objects.first(), Visit.objects.first()
    few = (
        queries_of(pages["officer"], contact_url(world, contact, "edit")),
        queries_of(pages["officer"], visit_url(world, visit, "edit")),
    )
    add_visits_with_everything(world, 8, start=2)
    with django_assert_max_num_queries(FORM_QUERIES):
        edit_contact = queries_of(pages["officer"], contact_url(world, contact, "edit"))
    with django_assert_max_num_queries(FORM_QUERIES):
        edit_visit = queries_of(pages["officer"], visit_url(world, visit, "edit"))
    assert few == (edit_contact, edit_visit)
    print(f"edit contact: {edit_contact} queries, edit visit: {edit_visit} queries")
