"""Importing enterprises: created or brought up to date through the companies services."""

import pytest

from companies.models import Contact, Enterprise, RegistrationType
from tests import factories as f

from .workbooks import upload, uscc, workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = [
    "企业名称*",
    "统一社会信用代码",
    "登记注册类型",
    "所属街镇",
    "产业链",
    "企业资质",
    "联系人",
    "联系电话",
    "服务专员",
]


def post(client, rows, **extra):
    content = workbook_bytes([HEADERS, *rows], sheet_title="企业")
    return client.post(
        "/api/v1/imports/", {"file": upload(content), "kind": "enterprises", **extra}, format="multipart"
    )


def test_new_enterprises_with_contacts(as_officer, people):
    response = post(
        as_officer,
        [
            [
                "上海新企业一有限公司",
                uscc(201),
                "外资",
                "安亭镇",
                "集成电路",
                "高新技术企业、专精特新",
                "陈经理",
                "138 0013 8000",
                "李专员",
            ],
            ["上海新企业二有限公司", "", "", "安亭", "", "", "周经理", "021-59561234", ""],
        ],
    )
    report = response.json()
    assert response.status_code == 200 and report["errors"] == [], report
    assert report["created"] == 2
    first = Enterprise.objects.get(uscc=uscc(201))
    assert first.registration_type == RegistrationType.FOREIGN
    assert first.service_officer == people["officer"]
    assert set(first.qualifications.values_list("code", flat=True)) == {"high_tech", "specialized"}
    contact = Contact.objects.get(enterprise=first)
    assert (contact.name, contact.mobile, contact.is_primary) == ("陈经理", "13800138000", True)
    second = Enterprise.objects.get(name="上海新企业二有限公司")
    assert second.registration_type == RegistrationType.PRIVATE and second.uscc is None
    assert Contact.objects.get(enterprise=second).phone == "021-59561234"
    assert any("登记注册类型" in w["message"] for w in report["warnings"])


def test_a_known_enterprise_is_updated_by_its_uscc(as_officer, people):
    known = people["known"]
    report = post(as_officer, [[known.name, uscc(1), "", "", "汽车", "", "", "", ""]]).json()
    assert (report["created"], report["updated"]) == (0, 1)
    known.refresh_from_db()
    assert known.industry_chain.code == "auto" and known.version == 2
    report = post(as_officer, [[known.name, uscc(1), "", "", "汽车", "", "", "", ""]]).json()
    assert (report["created"], report["updated"], report["skipped"]) == (0, 0, 1)


def test_an_invalid_uscc_and_an_unknown_type_are_row_errors(as_officer, people):
    report = post(as_officer, [["上海坏企业有限公司", "123", "个体", "", "", "", "", "", ""]]).json()
    assert {(e["row"], e["column"]) for e in report["errors"]} == {(2, "统一社会信用代码"), (2, "登记注册类型")}
    assert not Enterprise.objects.filter(name="上海坏企业有限公司").exists()


def test_an_enterprise_outside_the_importers_scope_is_not_changed(people):
    from tests.api.conftest import client_for

    outside = f.enterprise("南翔独立企业有限公司", town=people["nanxiang"])
    report = post(client_for(people["officer"]), [[outside.name, "", "", "", "汽车", "", "", "", ""]]).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "企业名称*")]
    outside.refresh_from_db()
    assert outside.industry_chain is None


def test_a_phone_without_a_contact_name_is_an_error(as_officer, people):
    report = post(as_officer, [["上海某企业有限公司", "", "", "", "", "", "", "13800138000", ""]]).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "联系人")]
