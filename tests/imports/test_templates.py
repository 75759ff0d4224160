"""The downloadable templates: headers, an example row that imports as it stands, notes on formats."""

import io

import pytest
from openpyxl import load_workbook

from companies.models import Contact, Enterprise
from projects.models import Project
from tests.api.conftest import client_for

from .workbooks import upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/template/"


def download(client, kind):
    response = client.get(URL, {"kind": kind})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_project_template_has_the_headers_an_example_and_notes(as_officer, people):
    workbook = load_workbook(io.BytesIO(download(as_officer, "projects")))
    data, notes = workbook.worksheets
    headers = [cell.value for cell in data[1]]
    assert headers[:4] == ["项目名称*", "投资方*", "统一社会信用代码", "总投资(万元)*"]
    assert {"产业链", "落地街镇", "签约活动", "签约日期", "用地面积(亩)", "招商专员", "备注"} <= set(headers)
    assert data["A2"].value
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "总投资(亿元)" in text and "2024年11月6日" in text and "合计" in text


def test_the_project_template_reimports_cleanly_with_its_example_row(as_officer, people):
    content = download(as_officer, "projects")
    response = as_officer.post("/api/v1/imports/", {"file": upload(content), "kind": "projects"}, format="multipart")
    report = response.json()
    assert response.status_code == 200 and report["errors"] == [], report
    assert report["created"] == 1
    project = Project.objects.get()
    assert project.signing_event == people["event"] and project.officer == people["officer"]
    assert project.town == people["anting"]


def test_the_enterprise_template_reimports_cleanly_with_its_example_row(as_manager, people):
    content = download(as_manager, "enterprises")
    response = as_manager.post("/api/v1/imports/", {"file": upload(content), "kind": "enterprises"}, format="multipart")
    report = response.json()
    assert report["errors"] == [] and report["created"] == 1, report
    enterprise = Enterprise.objects.get(name="示例智能传感器（上海）有限公司")
    assert enterprise.qualifications.count() == 1
    assert Contact.objects.get(enterprise=enterprise).mobile == "13800000000"


def test_an_unknown_template_kind_is_400(as_officer, people):
    assert as_officer.get(URL, {"kind": "visits"}).status_code == 400


def test_enterprise_users_get_no_template(people):
    assert client_for(people["ent_user"]).get(URL).status_code == 403
