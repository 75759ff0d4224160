"""Uploaded files whose names carry paths, markup, control characters or great length.

The names are sent exactly as a hostile client would, in a hand-made multipart body (Django's test
client would strip the path itself): RFC 5987 `filename*` carries any character, NUL and line
breaks included. Whatever the name, the file is stored under MEDIA_ROOT with a generated name; the
original name is kept without its path for display (escaped) and download (a properly encoded
Content-Disposition); a name the rules refuse leaves nothing behind.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pytest
from django.test import Client
from knox.models import AuthToken

from accounts.models import Role
from imports.models import ImportJob
from projects.models import ProjectDocument
from servicerequests import services as request_services
from servicerequests.models import Attachment, Category
from tests import factories as f
from tests.imports.workbooks import project_rows, workbook_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BOUNDARY = "hostile-names-boundary-7f3a"


@dataclass(frozen=True)
class Name:
    label: str
    sent: str  # "{ext}" stands for the upload site's extension
    kept: str | None  # the name kept for display and download; None: the upload is refused
    as_browsers_send: bool = False  # filename="<UTF-8>", else filename*=UTF-8''<percent-encoded>
    wrong_type: bool = False  # refused where the extension is checked (attachments, documents)


NAMES = [
    Name("parent_dirs", "../../etc/passwd.{ext}", "passwd.{ext}"),
    Name("parent_dirs_as_browsers_send", "../../etc/passwd.{ext}", "passwd.{ext}", as_browsers_send=True),
    Name("windows_parent_dirs", "..\\..\\x.{ext}", "x.{ext}"),
    Name("absolute_path", "/abs/path.{ext}", "path.{ext}"),
    Name("drive_path", "C:\\Windows\\System32\\evil.{ext}", "evil.{ext}"),
    Name("html_entity_path", "&#47;etc&#47;shadow.{ext}", "shadow.{ext}"),
    Name("markup_and_spaces", "名称 含空格&<script>.{ext}", "名称 含空格&<script>.{ext}"),
    Name("quotes", "引号\"单引号'.{ext}", "引号\"单引号'.{ext}"),
    # Sent as browsers send it: percent-encoded, the part's headers would pass the 1,024 bytes
    # Django's parser allows them (a bare 400 before the application sees the file).
    # {long}: as many 长 as fit in the 200 characters of the field with the extension kept.
    Name("three_hundred_chars", "长" * 296 + ".{ext}", "{long}.{ext}", as_browsers_send=True),
    Name("nul", "报告\x00.{ext}", "报告.{ext}"),
    Name("line_breaks_and_tab", "报\r\n告\t.{ext}", "报告.{ext}"),
    Name("right_to_left_override", "说明\u202egnp.{ext}", "说明gnp.{ext}"),
    Name("windows_device", "CON.{ext}", "CON.{ext}"),
    Name("double_extension", "a.{ext}.exe", "a.{ext}.exe", wrong_type=True),
    Name("parent_dir_only", "..", None),
]


def multipart(fields: dict, file_field: str, name: Name, file_name: str, content: bytes) -> bytes:
    lines = []
    for key, value in fields.items():
        lines.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    if name.as_browsers_send:
        # The HTML standard's encoding: UTF-8 as it is, with only ", CR and LF percent-encoded.
        escaped = file_name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        disposition = f'filename="{escaped}"'
    else:
        disposition = f"filename*=UTF-8''{quote(file_name, safe='')}"
    lines.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; {disposition}\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    lines.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(lines)


@dataclass(frozen=True)
class Site:
    """One place that takes an upload: how to post to it, and where the stored file shows."""

    label: str
    extension: str
    file_field: str
    folder: str  # under MEDIA_ROOT
    checks_type: bool = True  # False: imports read the content whatever the name, and store .xlsx

    def post(self, world, name: Name):
        file_name = name.sent.format(ext=self.extension)
        body = multipart(self.fields(world), self.file_field, name, file_name, self.content())
        client = world["api"] if self.url(world).startswith("/api/") else world["page"]
        return client.generic("POST", self.url(world), body, content_type=f"multipart/form-data; boundary={BOUNDARY}")

    def content(self):
        if self.extension == "xlsx":
            # A row with an error: the job keeps a marked copy to download under the original name.
            return workbook_bytes(project_rows(["项目", "上海某投资有限公司", "", "不详", "", "安亭镇", ""]))
        return PDF

    def fields(self, world):
        return {
            "api_attachment": {},
            "page_attachment": {},
            "api_document": {"kind": "permit"},
            "page_document": {"doc-kind": "permit"},
            "api_import": {"kind": "projects", "dry_run": "true"},
        }[self.label]

    def url(self, world):
        request, project = world["request"].pk, world["project"].pk
        return {
            "api_attachment": f"/api/v1/service-requests/{request}/attachments/",
            "page_attachment": f"/service-requests/{request}/attachments/",
            "api_document": f"/api/v1/projects/{project}/documents/",
            "page_document": f"/projects/{project}/documents/",
            "api_import": "/api/v1/imports/",
        }[self.label]

    def stored(self):
        """The stored object, its file field, its download URL and the page that names it."""
        if self.label.endswith("attachment"):
            item = Attachment.objects.order_by("-pk").first()
            if item is None:
                return None
            pages = f"/service-requests/{item.request_id}/"
            return item, item.file, f"/service-requests/{item.request_id}/attachments/{item.pk}/", pages
        if self.label.endswith("document"):
            item = ProjectDocument.objects.order_by("-pk").first()
            if item is None:
                return None
            pages = f"/projects/{item.project_id}/"
            return item, item.file, f"/projects/{item.project_id}/documents/{item.pk}/", pages
        item = ImportJob.objects.order_by("-pk").first()
        if item is None:
            return None
        return item, item.file, f"/imports/{item.pk}/marked/", f"/imports/{item.pk}/"

    def download_name(self, kept):
        return kept.rsplit(".", 1)[0] + "-错误标注.xlsx" if self.extension == "xlsx" else kept


SITES = [
    Site("api_attachment", "pdf", "file", "service_requests"),
    Site("page_attachment", "pdf", "file", "service_requests"),
    Site("api_document", "pdf", "file", "project-documents"),
    Site("page_document", "pdf", "doc-file", "project-documents"),
    Site("api_import", "xlsx", "file", "imports", checks_type=False),
]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    anting = f.unit("安亭镇")
    officer = f.user("names_officer", org_unit=anting)
    enterprise = f.enterprise("上海文件名测试有限公司", town=anting)
    ent_user = f.user("names_ent", role=Role.ENTERPRISE, enterprise=enterprise, org_unit=None)
    project = f.project(actor=officer, enterprise=enterprise, leading_unit=anting, town=anting, officer=officer)
    request = request_services.submit_request(
        actor=ent_user, category=Category.objects.get(code="hiring"), title="文件名测试诉求", description="附件"
    )
    api = Client(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(officer)[1]}")
    page = Client()
    page.force_login(officer)
    return {
        "tmp": tmp_path,
        "media": tmp_path / "media",
        "project": project,
        "request": request,
        "api": api,
        "page": page,
    }


def attachment_filename(header: str) -> str:
    """The file name a browser reads from a Content-Disposition header (RFC 6266)."""
    extended = re.search(r"filename\*=utf-8''([^;]+)", header, re.IGNORECASE)
    if extended:
        return unquote(extended.group(1))
    plain = re.search(r'filename="((?:[^"\\]|\\.)*)"', header)
    return re.sub(r"\\(.)", r"\1", plain.group(1))


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", NAMES, ids=lambda name: name.label)
@pytest.mark.parametrize("site", SITES, ids=lambda site: site.label)
def test_an_uploaded_file_name_is_kept_safely(site, name, world):
    response = site.post(world, name)
    stored = site.stored()
    media, everything = world["media"], files_under(world["tmp"])

    assert response.status_code < 500
    assert all(media in path.parents for path in everything), f"a file outside MEDIA_ROOT: {everything}"
    if name.kept is None or (name.wrong_type and site.checks_type):
        assert response.status_code in (200, 400)  # a page shows the form again with its error
        assert stored is None and everything == []
        return

    kept = name.kept.format(ext=site.extension, long="长" * (200 - len(site.extension) - 1))
    assert response.status_code in (200, 201, 302), response.content[:300]
    item, file, download_url, page_url = stored
    assert item.original_name == kept
    assert re.fullmatch(rf"{site.folder}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{site.extension}", file.name), file.name
    assert (media / file.name).resolve().parent.is_relative_to(media.resolve())

    download = world["page"].get(download_url)
    assert download.status_code == 200
    header = download["Content-Disposition"]
    assert header.startswith("attachment;") and not re.search(r"[\r\n\x00]", header)
    assert attachment_filename(header) == site.download_name(kept)
    b"".join(download.streaming_content)

    shown = world["page"].get(page_url).content.decode()
    if "<script>" in kept:
        assert "<script>.pdf" not in shown and "&lt;script&gt;" in shown
