"""The sheet itself: text stays text, dates are dates, money has two decimals, totals are exact values."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from companies.models import Enterprise
from exports.services import request_export
from exports.writer import write_export
from projects.models import Project, ProjectStage, StageType

from .conftest import data_rows, run, sheet_of

FORMULA_LIKE = ["=1+1", "+8613812345678", "-5", "@SUM(A1)", '=HYPERLINK("http://example.com","点我")', "#N/A"]


def exported(user, kind, filters=None):
    return sheet_of(run(request_export(actor=user, kind=kind, filters=filters or {})))


def headers(sheet):
    return [cell.value for cell in sheet[1]]


def column(sheet, header):
    return headers(sheet).index(header)


def totals_row(sheet):
    for row in sheet.iter_rows(min_row=2):
        if isinstance(row[0].value, str) and row[0].value.startswith("合计"):
            return row
    raise AssertionError("no totals row")


def test_formula_like_text_is_written_as_text(ex):
    projects = ex["projects"][1:4]
    Project.objects.filter(pk=projects[0].pk).update(name=FORMULA_LIKE[0], notes=FORMULA_LIKE[4])
    Project.objects.filter(pk=projects[1].pk).update(name=FORMULA_LIKE[1], notes=FORMULA_LIKE[5])
    Project.objects.filter(pk=projects[2].pk).update(name=FORMULA_LIKE[2], notes="带控制字符\x07的备注")
    Enterprise.objects.filter(pk=projects[0].enterprise_id).update(name=FORMULA_LIKE[3])
    sheet = exported(ex["officer"], "projects", {"ordering": "code"})
    name, investor, notes = column(sheet, "项目名称"), column(sheet, "投资方"), column(sheet, "备注")
    cells = {}
    for row in sheet.iter_rows(min_row=2):
        for index in (name, investor, notes):
            cells[row[index].value] = row[index]
    for text in FORMULA_LIKE:
        assert text in cells, text
        assert cells[text].data_type == "s", text
    assert "带控制字符的备注" in cells
    # Nowhere a formula: not in the data, not in the totals row.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_formula_like_text_is_stored_as_an_inline_string_with_a_quote_prefix(ex):
    Project.objects.filter(pk=ex["projects"][1].pk).update(name="=1+1")
    stream = io.BytesIO()
    write_export("projects", ex["manager"], {}, stream)
    xml = zipfile.ZipFile(stream).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert "<t>=1+1</t>" in xml
    cell = next(c for row in openpyxl.load_workbook(stream).active.iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s" and cell.quotePrefix


def test_dates_are_dates_and_money_has_two_decimals(ex):
    sheet = exported(ex["manager"], "projects", {"ordering": "code"})
    by_code = {p.code: p for p in ex["projects"]}
    signed, investment, area = (
        column(sheet, "签约日期"),
        column(sheet, "总投资（万元）"),
        column(sheet, "用地面积（亩）"),
    )
    seen_date = False
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row):
        if row[0].value.startswith("合计"):
            break
        project = by_code[row[0].value]
        if project.signed_on:
            assert row[signed].is_date and row[signed].number_format == "yyyy-mm-dd"
            assert row[signed].value.date() == project.signed_on
            seen_date = True
        assert row[investment].data_type == "n" and row[investment].number_format == "#,##0.00"
        assert Decimal(str(row[investment].value)) == project.total_investment
        assert row[area].number_format == "#,##0.00"
    assert seen_date


def test_totals_row_holds_exact_decimal_sums_as_values(ex):
    sheet = exported(ex["manager"], "projects")
    totals = totals_row(sheet)
    projects = ex["projects"]
    investment = sum((p.total_investment for p in projects), Decimal("0"))
    foreign = sum((p.foreign_capital for p in projects if p.foreign_capital is not None), Decimal("0"))
    area = sum((p.land_area for p in projects), Decimal("0"))
    for header, expected in (("总投资（万元）", investment), ("外资（万美元）", foreign), ("用地面积（亩）", area)):
        cell = totals[column(sheet, header)]
        assert cell.data_type == "n" and cell.number_format == "#,##0.00", header
        assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == expected, header
    overdue = totals[column(sheet, "是否逾期")].value
    assert overdue == sum(1 for row in data_rows(sheet) if row[column(sheet, "是否逾期")] == "是")
    assert totals[0].value == f"合计（{len(projects)} 行）"


def test_totals_in_the_file_are_the_decimal_strings_not_float_arithmetic(ex):
    # 0.10, 0.20, 0.10, ... in the sheet's order: summed in floats that drifts to 2.400000000000001.
    in_order = list(Project.objects.order_by("-signed_on", "-id"))
    amounts = [Decimal("0.10") if i % 2 == 0 else Decimal("0.20") for i in range(len(in_order))]
    for project, amount in zip(in_order, amounts, strict=True):
        Project.objects.filter(pk=project.pk).update(total_investment=amount)
    as_floats = 0.0
    for amount in amounts:
        as_floats += float(amount)
    assert f"{as_floats:.16g}" == "2.400000000000001"
    stream = io.BytesIO()
    write_export("projects", ex["manager"], {}, stream)
    xml = zipfile.ZipFile(stream).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>2.4</v>" in xml and "2.400000000000001" not in xml


def test_header_is_frozen_filtered_chinese_and_wide_enough(ex):
    sheet = exported(ex["officer"], "projects")
    rows = len(data_rows(sheet))
    assert sheet.title == "招商项目"
    assert sheet.freeze_panes.endswith("2")
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{rows + 1}"
    assert headers(sheet)[:3] == ["项目编号", "项目名称", "投资方"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["B"].width >= 30
    assert all(sheet.column_dimensions[letter].width >= 8 for letter in "ABCDEFGHIJKLMNOPQ")


@pytest.mark.parametrize(
    "kind, title, first", [("enterprises", "企业", "企业名称"), ("service_requests", "企业诉求", "诉求编号")]
)
def test_every_kind_has_its_chinese_sheet_frozen_header_and_filter(ex, kind, title, first):
    sheet = exported(ex["manager"], kind)
    assert sheet.title == title and headers(sheet)[0] == first
    assert sheet.freeze_panes.endswith("2") and sheet.auto_filter.ref.startswith("A1:")


def test_enterprise_sheet_sums_the_counts(ex):
    sheet = exported(ex["manager"], "enterprises")
    totals = totals_row(sheet)
    assert totals[column(sheet, "项目数")].value == len(ex["projects"])
    assert totals[column(sheet, "未办结诉求数")].value == len(ex["requests"])


def test_request_sheet_dates_and_times(ex):
    sheet = exported(ex["manager"], "service_requests")
    created, due = column(sheet, "提交时间"), column(sheet, "办理期限")
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    request = next(r for r in ex["requests"] if r.pk == row[0].value)
    assert row[due].is_date and row[due].value.date() == request.due_on
    assert row[created].is_date and row[created].number_format == "yyyy-mm-dd hh:mm"
    local = timezone.localtime(request.created_at).replace(tzinfo=None, second=0, microsecond=0)
    assert row[created].value.replace(second=0, microsecond=0) == local


def test_stages_sheet_has_planned_and_actual_columns_and_marks_overdue_cells(ex):
    today = timezone.localdate()
    project = ex["projects"][1]
    stage_types = list(StageType.objects.order_by("order"))
    late = ProjectStage.objects.filter(project=project, status__in=["pending", "in_progress"]).order_by(
        "stage_type__order"
    )[0]
    ProjectStage.objects.filter(pk=late.pk).update(due_on=today - datetime.timedelta(days=3))
    on_time = ProjectStage.objects.filter(project=project).exclude(pk=late.pk).filter(status="pending").last()
    ProjectStage.objects.filter(pk=on_time.pk).update(due_on=today + datetime.timedelta(days=30))

    sheet = exported(ex["officer"], "stages", {"town": ex["anting"].pk, "ordering": "code"})
    names = headers(sheet)
    for stage_type in stage_types:
        assert f"{stage_type.name}（计划）" in names and f"{stage_type.name}（实际）" in names
    assert [row[0] for row in data_rows(sheet)] == sorted(p.code for p in ex["projects"] if p.town == ex["anting"])
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == project.code)
    late_cell = row[names.index(f"{late.stage_type.name}（计划）")]
    assert late_cell.is_date and late_cell.value.date() == today - datetime.timedelta(days=3)
    assert late_cell.fill.fgColor.rgb.endswith("FFC7CE")
    fine_cell = row[names.index(f"{on_time.stage_type.name}（计划）")]
    assert fine_cell.value.date() == today + datetime.timedelta(days=30)
    assert not fine_cell.fill.fgColor.rgb.endswith("FFC7CE")
    signing = row[names.index("签约（实际）")]
    assert signing.is_date and signing.value.date() == project.signed_on
    notes = [
        row[0].value for row in sheet.iter_rows() if isinstance(row[0].value, str) and row[0].value.startswith("注")
    ]
    assert notes and "红色" in notes[0]


def test_stages_sheet_uses_the_project_filters(ex):
    filters = {"town": ex["nanxiang"].pk, "ordering": "code"}
    sheet = exported(ex["manager"], "stages", filters)
    assert [row[0] for row in data_rows(sheet)] == sorted(p.code for p in ex["projects"] if p.town == ex["nanxiang"])
