"""Creating an enterprise, exporting a filtered list and importing a signing list, in the browser."""

import re
import uuid

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.imports.workbooks import project_rows, uscc, workbook_bytes

from .conftest import log_in, screenshot

BAD_USCC = "91310114570796872A"  # the check character should be F


def test_an_officer_creates_an_enterprise_after_a_wrong_uscc(page):
    name = f"上海浏览器测试精密部件有限公司{uuid.uuid4().hex[:4]}"
    log_in(page, "officer")
    page.goto("/enterprises/new/")
    page.get_by_label("企业名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(BAD_USCC)
    page.get_by_label("登记注册类型").select_option(index=1)
    page.get_by_role("button", name="保存").click()

    field = page.locator("#field-uscc")
    expect(field).to_contain_text("统一社会信用代码校验位错误：最后一位应为 F")
    expect(page.get_by_label("企业名称")).to_have_value(name)
    screenshot(page, "enterprise-form-uscc-error")

    good = uscc(100_000 + uuid.uuid4().int % 500_000)  # 6 digits after 91: a valid code
    page.get_by_label("统一社会信用代码").fill(good)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/enterprises/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("main")).to_contain_text(good)
    screenshot(page, "enterprise-page")


def test_an_officer_exports_a_filtered_project_list_and_opens_it(page, tmp_path):
    log_in(page, "manager")
    page.goto("/projects/?q=汽车")
    rows_on_page = page.locator("#projects tbody tr")
    expect(rows_on_page.first).to_be_visible()
    total = int(re.search(r"共 (\d+) 条", page.locator("main").inner_text()).group(1))
    assert 0 < total <= 50, "the filter should leave a short list"
    names_on_page = sorted(rows_on_page.locator("td.project-name a").all_inner_texts())

    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_row = next(i for i, row in enumerate(rows) if "项目名称" in row)
    name_column = rows[header_row].index("项目名称")
    exported = [row[name_column] for row in rows[header_row + 1 :] if row[name_column]]
    assert len(exported) == total
    assert all("汽车" in str(row) for row in rows[header_row + 1 : header_row + 1 + total])
    if total <= 25:
        assert sorted(exported) == [name.strip() for name in names_on_page]


def test_an_import_with_a_bad_row_names_the_row_and_writes_nothing(page, tmp_path):
    tag = uuid.uuid4().hex[:4]
    sheet = workbook_bytes(
        project_rows(
            [f"浏览器导入项目甲{tag}", f"浏览器导入投资方甲{tag}有限公司", uscc(654321), 5000, "", "", "2026-03-02"],
            [f"浏览器导入项目乙{tag}", f"浏览器导入投资方乙{tag}有限公司", "", "不详", "", "", "2026-03-02"],
        )
    )
    path = tmp_path / "签约项目清单.xlsx"
    path.write_bytes(sheet)

    log_in(page, "officer")
    page.goto("/imports/")
    page.get_by_label("Excel 文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并校验").click()

    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr").first).to_contain_text("3")
    expect(errors).to_contain_text("总投资")
    expect(page.locator("#confirm-import")).to_have_count(0)
    screenshot(page, "import-dry-run-errors")

    page.goto(f"/projects/?q=浏览器导入项目甲{tag}")
    expect(page.locator("#projects")).to_contain_text("没有符合条件的项目")
