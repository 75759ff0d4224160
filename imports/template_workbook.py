"""The downloadable templates: the headers (required ones marked *), an example row that imports as
it stands for the person who downloads it, and a sheet explaining the formats."""

import io
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from accounts.selectors import landing_areas, units_in_scope
from common.validators import uscc_check_character
from companies.models import IndustryChain, Qualification, RegistrationType
from projects.selectors import visible_signing_events

from .columns import AMOUNT, DATE, ENTERPRISE_COLUMNS, PROJECT_COLUMNS
from .models import ImportKind
from .reading import HEADER_SEARCH_ROWS

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)


def example_uscc(body: str) -> str:
    return body + uscc_check_character(body)


def template_workbook(kind: str, actor) -> bytes:
    columns = PROJECT_COLUMNS if kind == ImportKind.PROJECTS else ENTERPRISE_COLUMNS
    example = _project_example(actor) if kind == ImportKind.PROJECTS else _enterprise_example(actor)
    workbook = Workbook()
    data = workbook.active
    data.title = str(ImportKind(kind).label)
    shown = [column for column in columns if column.in_template]
    for index, column in enumerate(shown, start=1):
        cell = data.cell(row=1, column=index, value=column.template_header)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        value = example.get(column.key)
        target = data.cell(row=2, column=index, value=value)
        if column.kind == AMOUNT:
            target.number_format = "#,##0.00"
        elif column.kind == DATE:
            target.number_format = "yyyy-mm-dd"
        data.column_dimensions[target.column_letter].width = max(12, len(column.template_header) * 2 + 4)
    data.freeze_panes = "A2"
    _notes_sheet(workbook.create_sheet(_("填写说明")), columns, kind)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_town(actor):
    """The importer's own unit when projects land there, else the first landing area in their scope."""
    unit = actor.org_unit
    if unit is not None and unit.is_landing_area:
        return unit
    return units_in_scope(actor, landing_areas()).order_by("path").first() or landing_areas().order_by("path").first()


def _example_event(actor):
    """The latest signing event, when its name alone names it."""
    events = visible_signing_events(actor)
    event = events.order_by("-date", "-id").first()
    if event is None or events.filter(name=event.name).count() > 1:
        return None
    return event


def _project_example(actor) -> dict:
    event = _example_event(actor)
    chain = IndustryChain.objects.order_by("order", "id").first()
    town = _example_town(actor)
    return {
        "name": _("示例：新能源汽车零部件生产基地项目"),
        "investor": _("示例新能源汽车零部件（上海）有限公司"),
        "uscc": example_uscc("91310114MA1GTK5Q8"),
        "total_investment": Decimal("50000.00"),
        "industry_chain": chain.name if chain else None,
        "town": town.name if town else None,
        "signing_event": event.name if event else None,
        "signed_on": event.date if event else timezone.localdate(),
        "land_area": Decimal("30.00"),
        "officer": actor.username,
        "notes": _("示例行：导入前请改为真实数据或删除。"),
    }


def _enterprise_example(actor) -> dict:
    chain = IndustryChain.objects.order_by("order", "id").first()
    qualification = Qualification.objects.order_by("order", "id").first()
    town = _example_town(actor)
    return {
        "name": _("示例智能传感器（上海）有限公司"),
        "uscc": example_uscc("91310114MA1GTK6R9"),
        "registration_type": str(RegistrationType.PRIVATE.label),
        "origin": _("中国"),
        "industry_code": "C3983",
        "industry_chain": chain.name if chain else None,
        "qualifications": qualification.name if qualification else None,
        "town": town.name if town else None,
        "address": _("上海市嘉定区示例路1号"),
        "service_officer": actor.username,
        "contact_name": _("张示例"),
        "contact_title": _("总经理"),
        "contact_phone": "13800000000",
        "notes": _("示例行：导入前请改为真实数据或删除。"),
    }


def _notes_sheet(sheet, columns, kind):
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    rows = [(_("列名"), _("必填"), _("说明"))]
    for column in columns:
        required = _("是") if column.required else ""
        if column.alternative:
            required = _("二选一")
        elif any(other.alternative == column.key for other in columns):
            required = _("二选一")
        rows.append((column.template_header, required, str(column.help)))
    rows.append(("", "", ""))
    for line in _general_notes(kind):
        rows.append(("", "", line))
    for number, values in enumerate(rows, start=1):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=index, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if number == 1:
                cell.font = HEADER_FONT
                cell.fill = HEADER_FILL


def _general_notes(kind):
    matching = (
        _(
            "已有项目的判定：投资方、项目名称和签约日期都相同、且您能查看的项目视为同一项目，按本行更新（空白单元格不修改原值）；否则新建项目。"
        )
        if kind == ImportKind.PROJECTS
        else _(
            "已有企业的判定：统一社会信用代码相同，或名称完全相同的企业视为同一企业，按本行更新（空白单元格不修改原值）；否则新建企业。"
        )
    )
    return [
        _("填写须知："),
        _("1. 数据填在第一个工作表；表头可以在前 %(rows)d 行内，上方可以有标题行；列的顺序不限，带 * 的列必须有。")
        % {"rows": HEADER_SEARCH_ROWS},
        _("2. 金额以万元为单位，可带千分位逗号；全角数字、全角括号和空格会自动转换。"),
        _("3. 日期可以是日期单元格，或写成 2024-11-06、2024/11/6、2024.11.6、2024年11月6日。"),
        _(
            "4. 空行、合计行（以“合计”“总计”“小计”开头）和表格下方的说明（以“注”或“备注：”开头）会被跳过；不认识的列会被忽略并给出提示。"
        ),
        _("5. 单元格中不能有公式（合计行除外），请先“选择性粘贴—数值”。"),
        _(
            "6. 全部行都没有错误才会导入；只要有一行出错，就不写入任何数据，并可下载标注了错误的文件。勾选“仅校验”时只检查不导入。"
        ),
        _("7. 文件不超过 %(size)d MB、%(max_rows)d 行；超过 %(sync_rows)d 行的文件在后台导入，可稍后查看结果。")
        % {
            "size": settings.IMPORT_MAX_BYTES // 2**20,
            "max_rows": settings.IMPORT_MAX_ROWS,
            "sync_rows": settings.IMPORT_SYNC_MAX_ROWS,
        },
        "8. " + matching,
    ]
