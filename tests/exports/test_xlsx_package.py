"""The file as a package: every part there and well formed, any reader sees the same cells, awkward text
survives, and reading the rows costs the same few queries whatever their number."""

import io
import posixpath
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models import Enterprise, Qualification
from exports import writer
from exports.kinds import KINDS
from exports.writer import write_export
from projects.models import Project

from .conftest import data_rows

CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def written(user, kind, filters=None) -> io.BytesIO:
    stream = io.BytesIO()
    write_export(kind, user, filters or {}, stream)
    stream.seek(0)
    return stream


def parts(stream) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(stream) as archive:
        assert archive.testzip() is None
        return {name: ElementTree.fromstring(archive.read(name)) for name in archive.namelist()}


@pytest.mark.parametrize("kind", ["projects", "enterprises", "service_requests", "stages"])
def test_every_part_is_well_formed_typed_and_linked(ex, kind):
    package = parts(written(ex["manager"], kind))
    overrides = {o.get("PartName") for o in package["[Content_Types].xml"].iter(f"{CONTENT_TYPES}Override")}
    assert overrides == {f"/{name}" for name in package if not name.endswith(".rels") and name != "[Content_Types].xml"}
    for rels, folder in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl")):
        for relationship in package[rels].iter(f"{RELATIONSHIPS}Relationship"):
            assert posixpath.join(folder, relationship.get("Target")) in package
    styles = package["xl/styles.xml"]
    for group in ("fonts", "fills", "borders", "cellXfs"):
        element = styles.find(f"{MAIN}{group}")
        assert int(element.get("count")) == len(element)
    used = {int(c.get("s", 0)) for c in package["xl/worksheets/sheet1.xml"].iter(f"{MAIN}c")}
    assert max(used) < len(styles.find(f"{MAIN}cellXfs"))


def test_the_auto_filter_is_named_as_excel_names_it(ex):
    package = parts(written(ex["manager"], "projects"))
    rows = len(ex["projects"]) + 1
    sheet_filter = package["xl/worksheets/sheet1.xml"].find(f"{MAIN}autoFilter")
    assert sheet_filter.get("ref") == f"A1:Q{rows}"
    name = package["xl/workbook.xml"].find(f"{MAIN}definedNames/{MAIN}definedName")
    assert name.get("name") == "_xlnm._FilterDatabase" and name.get("localSheetId") == "0"
    assert name.text == f"'招商项目'!$A$1:$Q${rows}"


@pytest.mark.parametrize("kind", ["projects", "stages"])
def test_a_streaming_reader_sees_what_a_full_reader_sees(ex, kind):
    stream = written(ex["manager"], kind)
    full = [list(row) for row in openpyxl.load_workbook(stream).active.iter_rows(values_only=True)]
    book = openpyxl.load_workbook(stream, read_only=True)
    streamed = [list(row) for row in book.active.iter_rows(values_only=True)]
    book.close()
    width = len(full[0])
    assert [row + [None] * (width - len(row)) for row in streamed] == full


def test_awkward_text_comes_back_as_it_was_written(ex):
    texts = {
        1: "R&D <研发> \"引号\" '单引号'",
        2: "  前后有空格  ",
        3: "第一行\n第二行",
        4: "去掉\x01\x1f\ufffe\uffff这些",
        5: "\x07\x08",
        6: "𠮷野家 🏭",
    }
    projects = sorted(ex["projects"], key=lambda p: p.code)
    for index, text in texts.items():
        Project.objects.filter(pk=projects[index].pk).update(notes=text)
    sheet = openpyxl.load_workbook(written(ex["manager"], "projects", {"ordering": "code"})).active
    notes = [row[-1] for row in data_rows(sheet)]
    assert notes[1] == texts[1] and notes[2] == texts[2] and notes[3] == texts[3] and notes[6] == texts[6]
    assert notes[4] == "去掉这些"
    assert notes[5] is None  # nothing a sheet can hold: an empty cell


def test_qualifications_are_listed_in_their_order(ex):
    enterprise = ex["enterprises"][0]
    held = list(Qualification.objects.order_by("order", "id")[:3])
    enterprise.qualifications.set(reversed(held))
    sheet = openpyxl.load_workbook(written(ex["manager"], "enterprises")).active
    headers = [cell.value for cell in sheet[1]]
    row = next(row for row in data_rows(sheet) if row[0] == enterprise.name)
    assert row[headers.index("企业资质")] == "、".join(q.name for q in held)
    assert Enterprise.objects.get(pk=enterprise.pk).qualifications.count() == 3


@pytest.mark.parametrize(
    "kind, few",
    [
        ("projects", {"q": "导出测试项目01"}),
        ("enterprises", {"q": "安亭导出测试01"}),
        ("service_requests", {"q": "导出测试诉求01"}),
        ("stages", {"q": "导出测试项目01"}),
    ],
)
def test_reading_the_rows_takes_the_same_queries_for_one_row_or_all(ex, kind, few):
    def queries(filters):
        with CaptureQueriesContext(connection) as captured:
            rows = write_export(kind, ex["manager"], filters, io.BytesIO())
        return rows, len(captured)

    one, for_one = queries(few)
    every, for_every = queries({})
    assert one == 1 and every > 5
    assert for_one == for_every <= 4


def test_progress_counts_chunks_of_rows_and_stops_when_told(ex, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_SIZE", 4)
    seen = []
    with pytest.raises(writer.ExportInterrupted):
        write_export(
            "projects", ex["manager"], {}, io.BytesIO(), progress=lambda done, total: seen.append(done) or len(seen) < 2
        )
    assert seen == [4, 8]


@pytest.mark.parametrize(
    "kind, frozen, widths",
    [
        ("projects", "C2", {"A": 14, "B": 36, "I": 12, "J": 16, "P": 10}),
        ("enterprises", "B2", {"A": 36, "M": 10}),
        ("service_requests", "A2", {"A": 10, "H": 17, "I": 12}),
        ("stages", "C2", {"A": 14, "H": 13}),
    ],
)
def test_frozen_panes_and_column_widths_are_those_of_the_kind(ex, kind, frozen, widths):
    sheet = openpyxl.load_workbook(written(ex["manager"], kind)).active
    assert sheet.freeze_panes == frozen
    assert {letter: sheet.column_dimensions[letter].width for letter in widths} == widths
    assert len(sheet.column_dimensions) == len(KINDS[kind].columns())
