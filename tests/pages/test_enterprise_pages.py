"""The enterprise pages: list, file, new and edit, visits and contacts, as an officer sees them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.validators import uscc_check_character
from companies import services
from companies.models import Enterprise, IndustryChain, Qualification, RegistrationType, Visit
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST_QUERIES = 12
DETAIL_QUERIES = 14
FORM_QUERIES = 10


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def text_of(response) -> str:
    return response.content.decode()


def anting_enterprises(world, count, start=0):
    """`count` Anting enterprises, each with a qualification, a contact and a project of the officer's."""
    chain = IndustryChain.objects.get(code="sensors_ic")
    high_tech = Qualification.objects.get(code="high_tech")
    made = []
    for i in range(start, start + count):
        ent = f.enterprise(f"嘉定第{i:03d}号精密制造有限公司", town=world["anting"], industry_chain=chain)
        ent.qualifications.add(high_tech)
        services.create_contact(actor=world["officer"], enterprise=ent, name=f"联系人{i}", mobile="13812345678")
        f.project(actor=world["officer"], enterprise=ent, officer=world["officer"], leading_unit=world["anting"])
        made.append(ent)
    return made


# --- list -------------------------------------------------------------------------------------


def test_list_shows_the_officers_enterprises_with_counts_totals_and_buttons(world, pages):
    response = pages["officer"].get("/enterprises/")
    assert response.status_code == 200
    html = text_of(response)
    assert "安亭样例汽车零部件有限公司" in html and "91310114570796872F" in html
    assert f'href="/enterprises/{world["enterprise"].pk}/"' in html
    assert "新建企业" in html and 'name="kind" value="enterprises"' in html
    assert "合计：1 家企业" in html
    # The Nanxiang project's investor belongs to the other town.
    assert world["nanxiang_project"].enterprise.name not in html
    row = re.search(r'<tr id="enterprise-totals">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "0"]


def test_list_filters_searches_and_keeps_the_filters(world, pages):
    anting_enterprises(world, 2)
    chain_member = Enterprise.objects.get(name="嘉定第000号精密制造有限公司")
    officer = pages["officer"]

    html = text_of(officer.get("/enterprises/", {"q": "第001号"}))
    assert "嘉定第001号精密制造有限公司" in html and "嘉定第000号" not in html and "合计：1 家企业" in html
    assert 'value="第001号"' in html

    html = text_of(officer.get("/enterprises/", {"q": world["enterprise"].uscc.lower()}))
    assert "安亭样例汽车零部件有限公司" in html and "合计：1 家企业" in html

    html = text_of(officer.get("/enterprises/", {"industry_chain": "sensors_ic"}))
    assert chain_member.name in html and "安亭样例汽车零部件有限公司" not in html and "合计：2 家企业" in html
    assert '<option value="sensors_ic" selected>' in html

    html = text_of(officer.get("/enterprises/", {"qualification": "high_tech", "ordering": "-name"}))
    assert html.index("嘉定第001号") < html.index("嘉定第000号")

    html = text_of(officer.get("/enterprises/", {"has_uscc": "true"}))
    assert "合计：1 家企业" in html


def test_a_bad_filter_says_so_instead_of_failing(world, pages):
    response = pages["officer"].get("/enterprises/", {"service_officer": "abc", "relocation_risk": "maybe"})
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="filter-errors"' in html and "应为 true 或 false。" in html
    assert "没有符合条件的企业。" in html


def test_list_paginates_with_the_filters_in_the_links(world, pages):
    anting_enterprises(world, 26)
    html = text_of(pages["officer"].get("/enterprises/", {"q": "精密制造"}))
    assert "合计：26 家企业" in html and "第 1 / 2 页" in html
    assert "?q=%E7%B2%BE%E5%AF%86%E5%88%B6%E9%80%A0&amp;page=2" in html
    page_two = text_of(pages["officer"].get("/enterprises/", {"q": "精密制造", "page": 2}))
    assert "嘉定第025号精密制造有限公司" in page_two and "嘉定第000号" not in page_two


def test_list_queries_do_not_grow_with_the_rows(world, pages, django_assert_max_num_queries):
    anting_enterprises(world, 3)
    few = queries_of(pages["officer"], "/enterprises/")
    anting_enterprises(world, 12, start=3)
    with django_assert_max_num_queries(LIST_QUERIES):
        many = queries_of(pages["officer"], "/enterprises/")
    assert few == many
    print(f"enterprise list: {many} queries")


# --- detail -----------------------------------------------------------------------------------


def test_file_shows_facts_projects_contacts_visits_and_requests(world, pages):
    ent, officer = world["enterprise"], world["officer"]
    ent.qualifications.add(Qualification.objects.get(code="specialized"))
    services.create_contact(actor=officer, enterprise=ent, name="王经理", title="总经理", mobile="13912345678")
    services.record_visit(
        actor=officer,
        enterprise=ent,
        visited_on=f.date("2025-02-01"),
        topic="了解扩产计划",
        next_step="协调用地",
        next_step_due_on=f.date("2025-03-01"),
    )
    services.record_visit(actor=officer, enterprise=ent, visited_on=f.date("2025-04-01"), topic="回访用地进展")
    request_services.submit_request(
        actor=world["ent_user"], category=Category.objects.get(code="financing"), title="申请技改贷", description="扩产"
    )

    response = pages["officer"].get(f"/enterprises/{ent.pk}/")
    assert response.status_code == 200
    html = text_of(response)
    assert "91310114570796872F" in html and "专精特新" in html
    project = world["anting_project"]
    assert project.name in html and project.code in html and "1 亿元" in html
    assert project.current_stage.name in html
    assert "王经理" in html and "13912345678" in html  # the officer of its project sees the mobile in full
    assert html.index("回访用地进展") < html.index("了解扩产计划")  # newest first
    assert "协调用地" in html and "待完成" in html
    assert "申请技改贷" in html
    assert 'id="visit-form"' in html and "记录走访" in html


def test_mobiles_are_masked_for_all_but_the_officers_responsible(world, pages):
    ent = world["enterprise"]
    services.create_contact(actor=world["officer"], enterprise=ent, name="王经理", mobile="13912345678")
    html = text_of(pages["town_manager"].get(f"/enterprises/{ent.pk}/"))
    assert "139****5678" in html and "13912345678" not in html
    services.update_enterprise(actor=world["manager"], enterprise=ent, service_officer=world["town_manager"])
    assert "13912345678" in text_of(pages["town_manager"].get(f"/enterprises/{ent.pk}/"))


def test_file_queries_do_not_grow_with_the_rows(world, pages, django_assert_max_num_queries):
    ent, officer = world["enterprise"], world["officer"]

    def add_rows(count):
        for i in range(count):
            contact = services.create_contact(actor=officer, enterprise=ent, name=f"联系人{i}")
            services.record_visit(
                actor=officer, enterprise=ent, visited_on=f.date("2025-02-01"), topic=f"走访{i}", contacts=[contact]
            )
            f.project(actor=officer, enterprise=ent, officer=officer, leading_unit=world["anting"])
            request_services.submit_request(
                actor=world["ent_user"], category=Category.objects.get(code="policy"), title=f"诉求{i}", description="x"
            )

    add_rows(2)
    few = queries_of(pages["officer"], f"/enterprises/{ent.pk}/")
    add_rows(8)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        many = queries_of(pages["officer"], f"/enterprises/{ent.pk}/")
    assert few == many
    print(f"enterprise file: {many} queries")


# --- create and edit --------------------------------------------------------------------------


def new_enterprise(**fields):
    data = {
        "name": "嘉定新创传感科技有限公司",
        "uscc": "",
        "registration_type": RegistrationType.PRIVATE,
        "origin": "中国",
        "industry_code": "C3990",
        "industry_chain": IndustryChain.objects.get(code="sensors_ic").pk,
        "qualifications": [Qualification.objects.get(code="high_tech").pk],
        "address": "嘉定区安亭镇墨玉南路888号",
    }
    data.update(fields)
    return data


def test_a_bad_uscc_is_shown_under_its_field_and_the_typed_values_stay(world, pages):
    officer = pages["officer"]
    assert "新建企业" in text_of(officer.get("/enterprises/new/"))
    body = "91310114MA1GT3XX0"
    wrong = body + ("0" if uscc(body) != body + "0" else "1")
    data = new_enterprise(uscc=wrong.lower(), town=world["anting"].pk)

    response = officer.post("/enterprises/new/", data)
    assert response.status_code == 200
    html = text_of(response)
    field = re.search(r'<div class="mb-3 has-error" id="field-uscc">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "统一社会信用代码校验位错误" in field
    assert 'value="嘉定新创传感科技有限公司"' in html and "墨玉南路888号" in html
    assert not Enterprise.objects.filter(name="嘉定新创传感科技有限公司").exists()

    response = officer.post("/enterprises/new/", {**data, "uscc": "9131011"})
    assert "统一社会信用代码应为18位，当前为7位。" in text_of(response)

    response = officer.post("/enterprises/new/", {**data, "uscc": f" {uscc(body).lower()} "})
    created = Enterprise.objects.get(name="嘉定新创传感科技有限公司")
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{created.pk}/"
    assert created.uscc == uscc(body) and created.town == world["anting"]
    assert [q.code for q in created.qualifications.all()] == ["high_tech"]
    assert created.history.first().history_user == world["officer"]
    assert Enterprise.objects.filter(name="嘉定新创传感科技有限公司").count() == 1


def test_a_possible_duplicate_is_named_and_created_only_when_confirmed(world, pages):
    officer = pages["officer"]
    data = new_enterprise(name="上海安亭样例汽车零部件有限公司", town=world["anting"].pk)
    response = officer.post("/enterprises/new/", data)
    assert response.status_code == 200
    html = text_of(response)
    assert "可能与已有企业重复" in html and 'id="possible-duplicates"' in html
    assert f'href="/enterprises/{world["enterprise"].pk}/"' in html
    assert 'name="allow_duplicate"' in html and "仍然创建" in html
    assert 'value="上海安亭样例汽车零部件有限公司"' in html
    assert Enterprise.objects.filter(name__contains="样例汽车").count() == 1

    # Ticked, but another field is wrong: the box stays ticked beside the new error.
    response = officer.post("/enterprises/new/", {**data, "allow_duplicate": "on", "industry_code": "3670"})
    html = text_of(response)
    assert "国民经济行业代码格式不正确" in html
    assert re.search(r'<input type="checkbox" name="allow_duplicate"[^>]*checked', html)

    response = officer.post("/enterprises/new/", {**data, "allow_duplicate": "on"})
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="上海安亭样例汽车零部件有限公司").count() == 1


def test_the_new_form_offers_no_duplicate_override_at_first(world, pages):
    html = text_of(pages["officer"].get("/enterprises/new/"))
    assert 'name="allow_duplicate"' not in html and 'name="expected_version"' not in html


def test_edit_saves_through_the_service_and_refuses_a_stale_copy(world, pages):
    ent = world["enterprise"]
    officer = pages["officer"]
    html = text_of(officer.get(f"/enterprises/{ent.pk}/edit/"))
    assert 'name="expected_version" value="1"' in html and 'value="安亭样例汽车零部件有限公司"' in html

    data = new_enterprise(
        name=ent.name,
        uscc=ent.uscc,
        town=world["anting"].pk,
        relocation_risk="on",
        relocation_note="拟迁往外省",
        expected_version=1,
    )
    response = officer.post(f"/enterprises/{ent.pk}/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{ent.pk}/"
    ent.refresh_from_db()
    assert ent.relocation_risk and ent.relocation_note == "拟迁往外省" and ent.version == 2
    assert ent.history.first().history_user == world["officer"]

    response = officer.post(f"/enterprises/{ent.pk}/edit/", {**data, "relocation_note": "旧版本的修改"})
    assert response.status_code == 200
    assert "企业信息已被他人修改" in text_of(response) and "旧版本的修改" in text_of(response)
    ent.refresh_from_db()
    assert ent.relocation_note == "拟迁往外省"


def test_edit_shows_a_bad_uscc_under_the_field(world, pages):
    ent = world["enterprise"]
    data = new_enterprise(name="改过的名字有限公司", uscc="91310114570796872A", expected_version=1)
    response = pages["officer"].post(f"/enterprises/{ent.pk}/edit/", data)
    html = text_of(response)
    assert response.status_code == 200 and "校验位错误：最后一位应为 F，而不是 A" in html
    assert 'value="改过的名字有限公司"' in html
    ent.refresh_from_db()
    assert ent.name == "安亭样例汽车零部件有限公司"


# --- visits and contacts ----------------------------------------------------------------------


def test_record_a_visit_from_the_file(world, pages):
    ent = world["enterprise"]
    contact = services.create_contact(actor=world["officer"], enterprise=ent, name="王经理")
    response = pages["officer"].post(
        f"/enterprises/{ent.pk}/visits/",
        {
            "visited_on": "2025-05-06",
            "topic": "走访了解人才公寓需求",
            "contacts": [contact.pk],
            "project": world["anting_project"].pk,
            "next_step": "对接人才公寓房源",
            "next_step_due_on": "2025-05-20",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{ent.pk}/#visits"
    visit = Visit.objects.get(enterprise=ent)
    assert visit.officer == world["officer"] and list(visit.contacts.all()) == [contact]
    assert visit.project == world["anting_project"]
    html = text_of(pages["officer"].get(f"/enterprises/{ent.pk}/"))
    assert "走访了解人才公寓需求" in html and "走访记录已保存。" in html


def test_a_visit_without_a_date_for_its_next_step_keeps_what_was_typed(world, pages):
    ent = world["enterprise"]
    response = pages["officer"].post(
        f"/enterprises/{ent.pk}/visits/",
        {"visited_on": "2025-05-06", "topic": "走访了解用工需求", "next_step": "组织招聘会"},
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "填写了下一步工作时，需要填写完成日期。" in html
    assert 'value="走访了解用工需求"' in html and 'class="collapse show" id="visit-form"' in html
    assert not Visit.objects.exists()


def test_a_visit_cannot_name_another_towns_project(world, pages):
    ent = world["enterprise"]
    response = pages["officer"].post(
        f"/enterprises/{ent.pk}/visits/",
        {"visited_on": "2025-05-06", "topic": "走访", "project": world["nanxiang_project"].pk},
    )
    assert response.status_code == 200 and not Visit.objects.exists()


def test_add_a_contact_and_a_bad_mobile(world, pages):
    ent = world["enterprise"]
    url = f"/enterprises/{ent.pk}/contacts/"
    response = pages["officer"].post(url, {"name": "李主管", "mobile": "1234"})
    assert response.status_code == 200
    assert "手机号码应为以1开头的11位数字。" in text_of(response) and 'value="李主管"' in text_of(response)
    response = pages["officer"].post(url, {"name": "李主管", "mobile": "139 1234 5678", "is_primary": "on"})
    assert response.status_code == 302
    contact = ent.contacts.get()
    assert contact.mobile == "13912345678" and contact.is_primary


# --- who may open what ------------------------------------------------------------------------


def test_enterprise_users_get_403_everywhere(world, pages):
    ent = world["enterprise"]
    client = pages["ent_user"]
    for url in ("/enterprises/", "/enterprises/new/", f"/enterprises/{ent.pk}/", f"/enterprises/{ent.pk}/edit/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/enterprises/{ent.pk}/visits/", {"visited_on": "2025-05-06", "topic": "x"}).status_code == 403
    assert client.post("/enterprises/new/", new_enterprise()).status_code == 403
    assert not Visit.objects.exists() and not Enterprise.objects.filter(name="嘉定新创传感科技有限公司").exists()


def test_another_towns_officer_gets_404(world, pages):
    ent = world["enterprise"]
    client = pages["other_officer"]
    for url in (f"/enterprises/{ent.pk}/", f"/enterprises/{ent.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/enterprises/{ent.pk}/visits/", {"visited_on": "2025-05-06", "topic": "x"}).status_code == 404
    assert client.post(f"/enterprises/{ent.pk}/contacts/", {"name": "x"}).status_code == 404
    assert "安亭样例汽车零部件有限公司" not in text_of(client.get("/enterprises/"))
    assert not Visit.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/enterprises/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_today_is_the_default_visit_date(world, pages):
    html = text_of(pages["officer"].get(f"/enterprises/{world['enterprise'].pk}/"))
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_form_pages_take_a_bounded_number_of_queries(world, pages, django_assert_max_num_queries):
    anting_enterprises(world, 3)
    with django_assert_max_num_queries(FORM_QUERIES):
        new = queries_of(pages["officer"], "/enterprises/new/")
    with django_assert_max_num_queries(FORM_QUERIES):
        edit = queries_of(pages["officer"], f"/enterprises/{world['enterprise'].pk}/edit/")
    print(f"new enterprise: {new} queries, edit enterprise: {edit} queries")
