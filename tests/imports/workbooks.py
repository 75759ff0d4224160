"""Workbooks for the import tests: officers' messy sheets built with openpyxl, and hostile files
built with zipfile."""

import datetime
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from common.validators import uscc_check_character

PROJECT_HEADERS = ["项目名称*", "投资方*", "统一社会信用代码", "总投资(万元)*", "产业链", "落地街镇", "签约日期"]


def uscc(number: int) -> str:
    """A valid USCC for each number, differing from the others in many places (not a near duplicate)."""
    body = f"91{310000 + number:06d}{number * 104729 % 10**9:09d}"
    return body + uscc_check_character(body)


def workbook_bytes(rows, *, title=None, sheet_title="项目", date_cells=(), formulas_ok=False) -> bytes:
    """A workbook whose first sheet holds `title` (if any) above `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    for cell in date_cells:
        sheet[cell].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="项目导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def project_rows(*rows, headers=PROJECT_HEADERS):
    return [headers, *rows]


def read_back(content: bytes):
    """The first sheet of a workbook (normal mode, so fills and comments can be checked)."""
    return load_workbook(io.BytesIO(content)).worksheets[0]


# --- Hostile files ------------------------------------------------------------------------------


def replace_member(content: bytes, name: str, data: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    """The same .xlsx with the part `name` replaced by `data`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == name:
                target.writestr(name, data, compress_type=compress)
            else:
                target.writestr(item, source.read(item.filename))
    return buffer.getvalue()


def sheet_xml(content: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")


def zip_bomb(base: bytes) -> bytes:
    """A workbook whose sheet inflates 30 MB of blanks from a few kilobytes."""
    xml = sheet_xml(base)
    padded = xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (30 * 2**20), 1)
    return replace_member(base, "xl/worksheets/sheet1.xml", padded, compress=zipfile.ZIP_DEFLATED)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>
"""


def billion_laughs(base: bytes) -> bytes:
    """A workbook whose shared strings declare exponentially expanding entities."""
    names = zipfile.ZipFile(io.BytesIO(base)).namelist()
    part = "xl/sharedStrings.xml"
    if part in names:
        return replace_member(base, part, BILLION_LAUGHS)
    return replace_member(base, "xl/workbook.xml", BILLION_LAUGHS)


def external_entity(base: bytes) -> bytes:
    """A workbook whose sheet reads a local file through an external entity."""
    xml = sheet_xml(base)
    hostile = xml.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet', 1
    )
    return replace_member(base, "xl/worksheets/sheet1.xml", hostile)


def a_date(text):
    return datetime.date.fromisoformat(text)
