"""Files refused before any row is read: 400 at once, with a clear message, and nothing written."""

import io
import zipfile

import pytest

from companies.models import Enterprise
from imports.models import ImportJob
from projects.models import Project

from .workbooks import (
    billion_laughs,
    external_entity,
    project_rows,
    replace_member,
    upload,
    workbook_bytes,
    zip_bomb,
)

pytestmark = pytest.mark.django_db


def a_good_sheet():
    return workbook_bytes(project_rows(["项目", "上海某投资有限公司", "", "100", "", "安亭镇", ""]))


def refused(client, media, content, name="项目.xlsx", kind="projects"):
    counts = (Project.objects.count(), Enterprise.objects.count())
    response = client.post("/api/v1/imports/", {"file": upload(content, name), "kind": kind}, format="multipart")
    assert response.status_code == 400, response.content
    assert ImportJob.objects.count() == 0
    assert (Project.objects.count(), Enterprise.objects.count()) == counts
    assert not (media / "imports").exists() or not any((media / "imports").rglob("*.*"))
    return response.json()["detail"]


def test_a_file_that_is_not_a_zip(as_officer, people, media):
    assert "不是 Excel" in refused(as_officer, media, "项目名称,投资方\n项目,公司\n".encode())


def test_a_zip_that_is_not_a_workbook(as_officer, people, media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是 Excel" in refused(as_officer, media, buffer.getvalue())


def test_an_old_xls_file(as_officer, people, media):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert ".xlsx" in refused(as_officer, media, ole, name="项目.xls")


def test_a_file_above_the_size_limit(as_officer, people, media, settings):
    settings.IMPORT_MAX_BYTES = 2048
    assert "过大" in refused(as_officer, media, a_good_sheet())


def test_a_zip_bomb(as_officer, people, media):
    message = refused(as_officer, media, zip_bomb(a_good_sheet()))
    assert "压缩比" in message


def test_a_file_that_expands_beyond_the_limit(as_officer, people, media, settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 4096
    assert "解压后过大" in refused(as_officer, media, a_good_sheet())


def test_entity_expansion_billion_laughs(as_officer, people, media):
    message = refused(as_officer, media, billion_laughs(a_good_sheet()))
    assert "DTD" in message


def test_an_external_entity(as_officer, people, media):
    assert "DTD" in refused(as_officer, media, external_entity(a_good_sheet()))


def test_formulas_where_values_belong_are_refused_naming_the_cell(as_officer, people, media):
    content = workbook_bytes(project_rows(["项目", "上海某投资有限公司", "", "=100*2", "", "安亭镇", ""]))
    message = refused(as_officer, media, content)
    assert "D2" in message and "公式" in message


def test_a_corrupt_workbook(as_officer, people, media):
    content = replace_member(a_good_sheet(), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>")
    assert "损坏" in refused(as_officer, media, content)


def test_too_many_rows(as_officer, people, media, settings):
    settings.IMPORT_MAX_ROWS = 2
    assert "行过多" in refused(as_officer, media, workbook_bytes([["a"]] * 5))


def test_an_unknown_kind(as_officer, people, media):
    response = as_officer.post(
        "/api/v1/imports/", {"file": upload(a_good_sheet()), "kind": "visits"}, format="multipart"
    )
    assert response.status_code == 400 and "kind" in response.json()
    assert ImportJob.objects.count() == 0


def test_enterprise_users_may_not_import(people, media):
    from tests.api.conftest import client_for

    response = client_for(people["ent_user"]).post(
        "/api/v1/imports/", {"file": upload(a_good_sheet()), "kind": "projects"}, format="multipart"
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
