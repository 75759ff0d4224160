"""Importing projects from officers' sheets as they really are, all or nothing."""

import datetime
from decimal import Decimal

import pytest

from companies.models import Enterprise
from projects.models import Project
from tests import factories as f

from .workbooks import PROJECT_HEADERS, project_rows, read_back, upload, uscc, workbook_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/"


def post(client, content, kind="projects", **extra):
    return client.post(URL, {"file": upload(content), "kind": kind, **extra}, format="multipart")


def messy_sheet():
    """A title and a unit line above the header; 序号, full-width brackets, a line break and a trailing
    ＊ in the headers; amounts in 亿元 with full-width digits; land areas with thousands separators;
    all four date forms and a real date cell; a blank row; a totals row with a formula; notes under
    the data; and a column the import does not know."""
    header = [
        "序号",
        "项目\n名称 *",
        "投资方＊",
        "统一社会信用代码",
        "总投资（亿元）",
        "产业链",
        "落地街镇",
        "签约日期",
        "用地面积（亩）",
        "招商专员",
        "备注",
        "对接部门",
    ]
    rows = [
        ["单位：亿元、亩"],
        header,
        [
            1,
            "智能网联汽车零部件项目",
            "上海智联汽车科技有限公司",
            uscc(11),
            "3.4567",
            "汽车“新四化”",
            "安亭镇",
            "2024-11-06",
            "1,250.5",
            "李专员",
            "",
            "经发办",
        ],
        [],
        [
            2,
            "集成电路封测项目",
            "嘉定芯测半导体有限公司",
            "",
            "２．５",
            "集成电路",
            "安亭",
            "2024/11/6",
            "８０",
            "anting_officer",
            "首期",
            "",
        ],
        [3, "高端医疗设备项目", "上海已知汽车部件有限公司", uscc(1), 1.2, "生物医药", "南翔镇", "2024.11.6", 30],
        [4, "在线新经济总部项目", "上海在线新经济有限公司", None, 0.85, "在线新经济", "安亭镇", "２０２４年１１月６日"],
        [5, "汽车研发中心项目", "上海研发中心有限公司", None, 1, "auto", "安亭镇", datetime.date(2024, 11, 6), "2,000"],
        ["合计", None, None, None, "=SUM(E4:E9)"],
        ["注：1. 总投资单位为亿元；"],
        ["2. 签约日期为进博会嘉定专场当日。"],
    ]
    return workbook_bytes(rows, title="2024年第七届进博会嘉定专场签约项目汇总表", date_cells=["H9"])


def test_the_messy_sheet_of_the_contract_imports_correctly(as_officer, people):
    enterprises_before = Enterprise.objects.count()
    response = post(as_officer, messy_sheet())
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["state"] == "done"
    assert report["errors"] == []
    assert (report["rows_read"], report["created"], report["updated"]) == (5, 5, 0)
    messages = [w["message"] for w in report["warnings"]]
    assert any("对接部门" in m and "忽略" in m for m in messages)
    assert any("第 10 行是合计行" in m for m in messages)
    assert any("第 11 行起是表后说明" in m for m in messages)

    projects = {p.name: p for p in Project.objects.select_related("enterprise", "town", "industry_chain", "officer")}
    assert set(projects) == {
        "智能网联汽车零部件项目",
        "集成电路封测项目",
        "高端医疗设备项目",
        "在线新经济总部项目",
        "汽车研发中心项目",
    }
    assert {name: p.total_investment for name, p in projects.items()} == {
        "智能网联汽车零部件项目": Decimal("34567.00"),
        "集成电路封测项目": Decimal("25000.00"),
        "高端医疗设备项目": Decimal("12000.00"),
        "在线新经济总部项目": Decimal("8500.00"),
        "汽车研发中心项目": Decimal("10000.00"),
    }
    assert {p.signed_on for p in projects.values()} == {datetime.date(2024, 11, 6)}
    assert projects["智能网联汽车零部件项目"].land_area == Decimal("1250.50")
    assert projects["集成电路封测项目"].land_area == Decimal("80.00")
    assert projects["汽车研发中心项目"].land_area == Decimal("2000.00")
    assert projects["集成电路封测项目"].town == people["anting"]
    assert projects["集成电路封测项目"].industry_chain.code == "sensors_ic"
    assert projects["智能网联汽车零部件项目"].officer == people["officer"]
    assert projects["集成电路封测项目"].officer == people["officer"]
    # A project landing outside the officer's town is led by the officer's own unit.
    assert projects["高端医疗设备项目"].leading_unit == people["anting"]
    assert projects["高端医疗设备项目"].town == people["nanxiang"]
    # The known investor is reused by its USCC; the four others are new enterprises.
    assert projects["高端医疗设备项目"].enterprise == people["known"]
    assert Enterprise.objects.count() == enterprises_before + 4
    assert Enterprise.objects.get(name="上海智联汽车科技有限公司").uscc == uscc(11)
    # Projects are created through the service: stage plan and history included.
    project = projects["智能网联汽车零部件项目"]
    assert project.code.startswith("JD-2024-")
    assert project.stages.count() > 0 and project.current_stage.code not in ("negotiation", "signing")
    assert project.history.first().history_user == people["officer"]


def test_amounts_in_wan_yuan_with_thousands_separators_and_full_width_digits(as_officer, people):
    content = workbook_bytes(
        project_rows(
            ["项目甲", "上海甲有限公司", "", "1,234.5", "", "安亭镇", "2025-01-02"],
            ["项目乙", "上海乙有限公司", "", "１２，３４５", "", "安亭镇", ""],
            ["项目丙", "上海丙有限公司", "", 987.654, "", "", ""],
        )
    )
    report = post(as_officer, content).json()
    assert report["errors"] == [] and report["created"] == 3
    totals = dict(Project.objects.values_list("name", "total_investment"))
    assert totals == {"项目甲": Decimal("1234.50"), "项目乙": Decimal("12345.00"), "项目丙": Decimal("987.65")}


def test_one_bad_row_writes_nothing_and_names_the_row_and_column(as_officer, people):
    projects, enterprises = Project.objects.count(), Enterprise.objects.count()
    content = workbook_bytes(
        project_rows(
            ["好项目一", "上海全新投资有限公司", uscc(21), "5000", "汽车", "安亭镇", "2025-03-01"],
            ["坏项目", "上海另一投资有限公司", "", "五千万", "汽车", "火星镇", "2025-03-01"],
            ["好项目二", "上海第三投资有限公司", "", "3000", "汽车", "安亭镇", "2025-02-30"],
        ),
        title="2025年签约项目",
    )
    response = post(as_officer, content)
    assert response.status_code == 200
    report = response.json()
    assert report["state"] == "done" and report["created"] == 1
    cells = {(e["row"], e["column"]) for e in report["errors"]}
    assert cells == {(4, "总投资(万元)*"), (4, "落地街镇"), (5, "签约日期")}
    assert any("五千万" in e["message"] for e in report["errors"])
    assert any("火星镇" in e["message"] for e in report["errors"])
    assert Project.objects.count() == projects
    assert Enterprise.objects.count() == enterprises
    assert report["marked_file_url"].endswith(f"/api/v1/imports/{report['id']}/marked/")


def test_a_project_the_service_refuses_is_reported_alike_in_a_dry_run_and_a_commit(as_officer, people):
    projects = Project.objects.count()
    content = workbook_bytes(
        project_rows(
            ["好项目一", "上海全新投资有限公司", uscc(22), "5000", "汽车", "安亭镇", "2025-03-01"],
            ["长" * 201, "上海另一投资有限公司", "", "4000", "汽车", "安亭镇", "2025-03-01"],
            ["好项目二", "上海第三投资有限公司", "", "3000", "汽车", "安亭镇", "2025-03-02"],
        )
    )
    reports = [post(as_officer, content, dry_run=dry_run).json() for dry_run in ("true", "false")]

    for report in reports:
        assert report["state"] == "done" and report["created"] == 2
        assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "项目名称*")]
    assert reports[0]["errors"] == reports[1]["errors"]
    assert Project.objects.count() == projects


def test_the_marked_workbook_shows_the_bad_cells(as_officer, people):
    content = workbook_bytes(
        project_rows(
            ["好项目", "上海全新投资有限公司", "", "5000", "", "安亭镇", ""],
            ["坏项目", "上海另一投资有限公司", "", "abc", "", "安亭镇", ""],
        )
    )
    report = post(as_officer, content).json()
    download = as_officer.get(report["marked_file_url"])
    assert download.status_code == 200
    sheet = read_back(b"".join(download.streaming_content))
    bad = sheet["D3"]
    assert bad.value == "abc"
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert "abc" in bad.comment.text
    assert sheet["D2"].fill.fgColor.rgb in (None, "00000000")
    note_column = len(PROJECT_HEADERS) + 1
    assert sheet.cell(row=1, column=note_column).value == "错误说明"
    assert "总投资" in sheet.cell(row=3, column=note_column).value
    assert sheet.cell(row=2, column=note_column).value is None


def test_a_dry_run_reports_and_writes_nothing(as_officer, people):
    content = workbook_bytes(project_rows(["试算项目", "上海试算有限公司", uscc(31), "100", "", "安亭镇", ""]))
    response = post(as_officer, content, dry_run="true")
    report = response.json()
    assert response.status_code == 200
    assert report["dry_run"] is True and report["created"] == 1 and report["errors"] == []
    assert not Project.objects.filter(name="试算项目").exists()
    assert not Enterprise.objects.filter(uscc=uscc(31)).exists()
    assert report["marked_file_url"] is None


def test_an_unknown_investor_becomes_a_new_enterprise_with_its_uscc(as_officer, people):
    post(
        as_officer, workbook_bytes(project_rows(["新项目", "上海崭新科技有限公司", uscc(41), "100", "", "安亭镇", ""]))
    )
    enterprise = Enterprise.objects.get(uscc=uscc(41))
    assert enterprise.name == "上海崭新科技有限公司"
    assert enterprise.town == people["anting"]
    assert Project.objects.get(name="新项目").enterprise == enterprise
    assert enterprise.history.first().history_user == people["officer"]


def test_a_matching_uscc_reuses_the_enterprise_whatever_the_name(as_officer, people):
    before = Enterprise.objects.count()
    content = workbook_bytes(
        project_rows(["扩产项目", "已知汽车部件（简称）", f"  {uscc(1).lower()} ", "100", "", "", ""])
    )
    report = post(as_officer, content).json()
    assert report["errors"] == []
    assert Enterprise.objects.count() == before
    assert Project.objects.get(name="扩产项目").enterprise == people["known"]


def test_an_investor_is_also_found_by_its_exact_name(as_officer, people):
    before = Enterprise.objects.count()
    report = post(
        as_officer, workbook_bytes(project_rows(["同名项目", "上海已知汽车部件有限公司", "", "100", "", "", ""]))
    ).json()
    assert report["errors"] == []
    assert Enterprise.objects.count() == before


def test_an_invalid_uscc_is_a_row_error(as_officer, people):
    report = post(
        as_officer, workbook_bytes(project_rows(["项目", "上海某公司", "91310114ABCDEFGHIO", "100", "", "", ""]))
    ).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "统一社会信用代码")]
    assert not Project.objects.filter(name="项目").exists()


def test_the_same_project_again_is_updated_not_duplicated(as_officer, people):
    first = workbook_bytes(project_rows(["更新项目", "上海更新有限公司", "", "100", "", "安亭镇", "2025-01-02"]))
    assert post(as_officer, first).json()["created"] == 1
    again = workbook_bytes(project_rows(["更新项目", "上海更新有限公司", "", "250", "", "安亭镇", "2025/1/2"]))
    report = post(as_officer, again).json()
    assert (report["created"], report["updated"], report["skipped"]) == (0, 1, 0)
    project = Project.objects.get(name="更新项目")
    assert project.total_investment == Decimal("250.00") and project.version == 2
    report = post(as_officer, again).json()
    assert (report["created"], report["updated"], report["skipped"]) == (0, 0, 1)


def test_the_same_project_twice_in_one_file_is_an_error(as_officer, people):
    row = ["重复项目", "上海重复有限公司", "", "100", "", "安亭镇", "2025-01-02"]
    report = post(as_officer, workbook_bytes(project_rows(row, row))).json()
    assert [e["row"] for e in report["errors"]] == [3]
    assert "第 2 行" in report["errors"][0]["message"]
    assert not Project.objects.filter(name="重复项目").exists()


def test_a_signing_event_is_found_by_name_or_date_and_gives_the_signing_date(as_officer, people):
    headers = ["项目名称", "投资方", "总投资(万元)", "签约活动"]
    content = workbook_bytes(
        [
            headers,
            ["活动项目一", "上海活动一有限公司", "100", "进博会嘉定专场签约"],
            ["活动项目二", "上海活动二有限公司", "100", "2024-11-06"],
        ]
    )
    report = post(as_officer, content).json()
    assert report["errors"] == []
    for project in Project.objects.filter(name__startswith="活动项目"):
        assert project.signing_event == people["event"]
        assert project.signed_on == datetime.date(2024, 11, 6)


def test_an_officer_outside_the_importers_scope_is_a_row_error(as_officer, people):
    report = post(
        as_officer,
        workbook_bytes([["项目名称", "投资方", "总投资(万元)", "招商专员"], ["项目", "上海某公司", "1", "赵专员"]]),
    ).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "招商专员")]


def test_a_missing_required_column_is_one_clear_error(as_officer, people):
    content = workbook_bytes([["项目名称", "投资方", "落地街镇"], ["项目", "上海某公司", "安亭镇"]])
    report = post(as_officer, content).json()
    assert len(report["errors"]) == 1
    assert "总投资(万元)" in report["errors"][0]["message"] and report["errors"][0]["row"] == 1
    assert report["rows_read"] == 0


def test_a_sheet_without_a_header_says_so(as_officer, people):
    report = post(as_officer, workbook_bytes([["甲", "乙"], [1, 2]])).json()
    assert len(report["errors"]) == 1 and "表头" in report["errors"][0]["message"]


def test_a_district_manager_imports_projects_led_by_the_landing_town(as_manager, people):
    report = post(
        as_manager, workbook_bytes(project_rows(["南翔项目", "上海南翔某有限公司", "", "100", "", "南翔镇", ""]))
    ).json()
    assert report["errors"] == []
    assert Project.objects.get(name="南翔项目").leading_unit == people["nanxiang"]


def test_an_update_that_changes_the_officer_needs_a_manager(as_officer, people):
    project = f.project(
        actor=people["officer"],
        name="已有项目",
        enterprise=people["known"],
        signed_on=f.date("2025-01-02"),
        officer=people["officer"],
    )
    other = f.user("anting_colleague", org_unit=people["anting"], display_name="钱专员")
    headers = ["项目名称", "投资方", "总投资(万元)", "签约日期", "招商专员"]
    content = workbook_bytes([headers, ["已有项目", people["known"].name, "100", "2025-01-02", other.display_name]])
    report = post(as_officer, content).json()
    assert [e["row"] for e in report["errors"]] == [2]
    assert "管理人员" in report["errors"][0]["message"]
    project.refresh_from_db()
    assert project.officer == people["officer"]


def test_subtotal_and_total_rows_and_remarks_after_the_data_are_skipped(as_officer, people):
    content = workbook_bytes(
        project_rows(
            ["项目一", "上海一号有限公司", "", "100", "", "安亭镇", ""],
            ["小计", "", "", "100"],
            ["项目二", "上海二号有限公司", "", "200", "", "安亭镇", ""],
            [3, "总 计", "", "=SUM(D2:D4)"],
            ["备注:金额单位为万元"],
            ["注塑件扩产项目", "上海三号有限公司", "", "300", "", "安亭镇", ""],
        )
    )
    report = post(as_officer, content).json()
    assert report["errors"] == [] and report["rows_read"] == 3
    assert set(Project.objects.values_list("name", flat=True)) == {"项目一", "项目二", "注塑件扩产项目"}
    skipped = [w["row"] for w in report["warnings"] if w["row"]]
    assert skipped == [3, 5, 6]
