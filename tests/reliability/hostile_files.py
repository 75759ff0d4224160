"""A corpus of hostile and malformed "Excel" files for the import endpoint.

Each case builds its bytes for an import kind (projects or enterprises) and says what a person
must be told: `refused` cases are answered 400 before anything is kept; `reported` cases are read,
and the job's report names the problem (nothing imported, the report and the marked copy kept).

Big sheets are written as XML streamed into the zip with zipfile, never through openpyxl, so that
building a million rows costs little memory. The builders of tests/imports/workbooks.py are reused.
"""

import io
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from imports.template_workbook import template_workbook
from tests.imports.workbooks import (
    PROJECT_HEADERS,
    billion_laughs,
    external_entity,
    project_rows,
    replace_member,
    workbook_bytes,
    zip_bomb,
)

from . import full_scale

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ENTERPRISE_HEADERS = ["企业名称*", "统一社会信用代码", "所属街镇", "备注"]
# A real project row and enterprise row, as an officer would type them.
PROJECT_ROW = ["安亭新能源电驱项目", "上海某投资有限公司", "", "100", "", "安亭镇", ""]
ENTERPRISE_ROW = ["上海某新材料有限公司", "", "安亭镇", ""]
REFUSED, REPORTED = "refused", "reported"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable  # (kind, officer) -> the file's bytes
    outcome: str  # REFUSED: 400 and nothing kept; REPORTED: a job whose report has the error
    says: str | dict  # a fragment of the message the person reads (per kind, when a dict)
    file_name: str = "导入.xlsx"
    settings: tuple = ()  # (name, value) of settings lowered for the case (quick scale)

    def says_for(self, kind: str) -> str:
        return self.says[kind] if isinstance(self.says, dict) else self.says


def headers_for(kind: str) -> list[str]:
    return PROJECT_HEADERS if kind == "projects" else ENTERPRISE_HEADERS


def good_sheet(kind: str) -> bytes:
    row = PROJECT_ROW if kind == "projects" else ENTERPRISE_ROW
    return workbook_bytes([headers_for(kind), row])


# --- Writing sheets by streaming ----------------------------------------------------------------


def row_xml(number: int, values) -> str:
    cells = []
    for index, value in enumerate(values):
        ref = f"{get_column_letter(index + 1)}{number}"
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value not in (None, ""):
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def streamed_workbook(rows: Iterator, kind: str = "projects") -> bytes:
    """A workbook made by openpyxl (so every other part is right) whose data sheet is `rows`
    (lists of values), written straight into the zip as XML."""
    base = zipfile.ZipFile(io.BytesIO(good_sheet(kind)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in base.infolist():
            if item.filename != SHEET:
                target.writestr(item, base.read(item.filename))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode())
            chunk = []
            for number, values in enumerate(rows, start=1):
                chunk.append(row_xml(number, values))
                if len(chunk) == 5000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


def minimal_package(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{extra}
</Types>"""
PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --- The cases ----------------------------------------------------------------------------------


def not_a_zip(kind, officer):
    return random.Random(1).randbytes(64 * 1024)


def csv_renamed(kind, officer):
    header = ",".join(h.rstrip("*") for h in headers_for(kind))
    row = ",".join(PROJECT_ROW if kind == "projects" else ENTERPRISE_ROW)
    return f"{header}\n{row}\n".encode()


def old_xls(kind, officer):
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)


def truncated(kind, officer):
    whole = good_sheet(kind)
    return whole[: len(whole) // 2]


def truncated_sheet_xml(kind, officer):
    """A sound zip whose sheet's XML stops in the middle."""
    whole = good_sheet(kind)
    xml = zipfile.ZipFile(io.BytesIO(whole)).read(SHEET)
    return replace_member(whole, SHEET, xml[: len(xml) // 2])


def docx_renamed(kind, officer):
    return minimal_package(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(extra=""),
            "_rels/.rels": PACKAGE_RELS.replace("xl/workbook.xml", "word/document.xml"),
            "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:body></w:document>',
        }
    )


def no_sheets(kind, officer):
    return minimal_package(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(extra=""),
            "_rels/.rels": PACKAGE_RELS,
            "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{R_NS}"><sheets/></workbook>',
        }
    )


def only_a_chart_sheet(kind, officer):
    chartsheet_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet"
    return minimal_package(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(
                extra='<Override PartName="/xl/chartsheets/sheet1.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"/>'
            ),
            "_rels/.rels": PACKAGE_RELS,
            "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{R_NS}"><sheets>'
            '<sheet name="图表" sheetId="1" r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{chartsheet_type}" '
            'Target="chartsheets/sheet1.xml"/></Relationships>',
            "xl/chartsheets/sheet1.xml": f'<?xml version="1.0"?><chartsheet xmlns="{MAIN_NS}"/>',
        }
    )


def empty_workbook(kind, officer):
    return workbook_bytes([])


def the_bomb(kind, officer):
    return zip_bomb(good_sheet(kind))


def the_laughs(kind, officer):
    return billion_laughs(good_sheet(kind))


def the_entity(kind, officer):
    return external_entity(good_sheet(kind))


def over_the_size_limit(kind, officer):
    """11 MB stored without compression: above IMPORT_MAX_BYTES (10 MB) as it arrives."""
    buffer = io.BytesIO(good_sheet(kind))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/media/image1.bin", random.Random(2).randbytes(11 * 2**20), zipfile.ZIP_STORED)
    return buffer.getvalue()


def formulas(kind, officer):
    if kind == "projects":
        return workbook_bytes(project_rows(["项目", "上海某投资有限公司", "", "=100*2", "", "安亭镇", ""]))
    return workbook_bytes([ENTERPRISE_HEADERS, ['=HYPERLINK("http://example.com","企业")', "", "安亭镇", ""]])


def million_rows_count() -> int:
    return 1_000_000 if full_scale() else 3_000


def million_rows(kind, officer):
    """A header, then data rows far beyond IMPORT_MAX_ROWS. A realistic sheet of a million rows is
    tens of MB and refused by its size at once; this one is as compact as a sheet can be (one number
    a row), about 4 MB, so that it passes the size checks and the row count must stop it."""
    return _million_rows(kind, million_rows_count())


@lru_cache(maxsize=2)
def _million_rows(kind, count):
    def rows():
        yield headers_for(kind)
        for number in range(1, count + 1):
            yield [number]

    return streamed_workbook(rows(), kind)


def huge_cell_bytes() -> int:
    return 10 * 2**20 if full_scale() else 2**20


def huge_cell(kind, officer):
    """One cell of random Chinese text, 10 MB of UTF-8 at full scale (Excel's own limit is 32,767
    characters); random, so it does not compress away and pass for a zip bomb."""
    return _huge_cell(kind, huge_cell_bytes())


@lru_cache(maxsize=2)
def _huge_cell(kind, size):
    rng = random.Random(3)
    text = "".join(map(chr, rng.choices(range(0x4E00, 0x9FA5), k=size // 3)))
    other = text[:100_000]  # the other text cells long too, within the size limit together
    row = [text, other, "", 100] if kind == "projects" else [text, "", "安亭镇", other]
    return streamed_workbook(iter([headers_for(kind), row]), kind)


def longer_than_the_field(kind, officer):
    """A name of 201 characters where 200 are allowed."""
    name = "安" * 201
    row = [name, "上海某投资有限公司", "", "100", "", "安亭镇", ""] if kind == "projects" else [name, "", "安亭镇", ""]
    return workbook_bytes([headers_for(kind), row])


def many_bad_rows_count() -> int:
    return 5_000 if full_scale() else 40


def many_bad_rows(kind, officer):
    """More rows than are imported in the request, so a background job reads them: every one bad."""
    if kind == "projects":
        rows = ([f"项目{n}", f"上海某{n}号投资有限公司", "", "不详"] for n in range(many_bad_rows_count()))
    else:
        rows = ([f"上海某{n}号新材料有限公司", "123"] for n in range(many_bad_rows_count()))
    return streamed_workbook(iter([headers_for(kind), *rows]), kind)


def unrelated_columns(kind, officer):
    return workbook_bytes([["姓名", "年龄", "电话", "住址"], ["张三", 30, "13812345678", "嘉定"]])


def missing_required_column(kind, officer):
    if kind == "projects":
        headers = [h for h in PROJECT_HEADERS if not h.startswith("投资方")]
        return workbook_bytes([headers, ["项目", "", "100", "", "安亭镇", ""]])
    return workbook_bytes([["统一社会信用代码", "所属街镇", "地址"], ["", "安亭镇", "嘉定区某路1号"]])


def other_kinds_template(kind, officer):
    """The other kind's template, as downloaded (with its example row): the enterprises template
    posted as projects, the projects template as enterprises."""
    return template_workbook("enterprises" if kind == "projects" else "projects", officer)


CASES = [
    Case("not_a_zip", not_a_zip, REFUSED, "不是 Excel"),
    Case("csv_renamed_xlsx", csv_renamed, REFUSED, "不是 Excel"),
    Case("old_xls", old_xls, REFUSED, ".xlsx", file_name="导入.xls"),
    Case("docx_renamed_xlsx", docx_renamed, REFUSED, "没有工作簿内容"),
    Case("truncated_zip", truncated, REFUSED, "不是 Excel"),
    Case("truncated_sheet_xml", truncated_sheet_xml, REFUSED, "损坏"),
    Case("no_sheets", no_sheets, REFUSED, "没有工作表"),
    Case("only_a_chart_sheet", only_a_chart_sheet, REFUSED, "没有工作表"),
    Case("over_the_size_limit", over_the_size_limit, REFUSED, "文件过大"),
    Case("zip_bomb", the_bomb, REFUSED, "压缩比"),
    Case("billion_laughs", the_laughs, REFUSED, "DTD"),
    Case("external_entity", the_entity, REFUSED, "DTD"),
    Case("formulas", formulas, REFUSED, "公式"),
    Case(
        "million_rows",
        million_rows,
        REFUSED,
        "数据行过多",
        # Quick scale: the same refusal, against a limit lowered to fit a small sheet.
        settings=() if full_scale() else (("IMPORT_MAX_ROWS", 1000),),
    ),
    Case("huge_cell", huge_cell, REPORTED, "不超过 200 字符"),
    Case("longer_than_the_field", longer_than_the_field, REPORTED, "不超过 200 字符"),
    Case(
        "many_bad_rows",
        many_bad_rows,
        REPORTED,
        {"projects": "不是有效的数字", "enterprises": "应为18位"},
        settings=() if full_scale() else (("IMPORT_SYNC_MAX_ROWS", 10),),
    ),
    Case("empty_workbook", empty_workbook, REPORTED, "没有找到表头"),
    Case("unrelated_columns", unrelated_columns, REPORTED, "没有找到表头"),
    Case("missing_required_column", missing_required_column, REPORTED, "缺少必填列"),
    Case("other_kinds_template", other_kinds_template, REPORTED, "缺少必填列"),
]
