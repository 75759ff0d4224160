"""Creating a project, finishing its stage (first refused for missing facts), and the dashboard."""

import re
import uuid

from playwright.sync_api import expect

from .conftest import log_in, screenshot


def _create_project(page, name: str) -> str:
    page.goto("/projects/new/")
    page.get_by_label("项目名称").fill(name)
    page.get_by_role("button", name="保存新项目").click()
    # Nothing chosen for the investor: the form says so and keeps the name.
    expect(page.locator("#field-enterprise")).to_contain_text("该字段是必填项")
    expect(page.get_by_label("项目名称")).to_have_value(name)
    screenshot(page, "project-form-errors")

    # The investor: searched by part of its name, then chosen from the narrowed list.
    page.get_by_role("searchbox", name="查找投资方").fill("卓新")
    investor = page.get_by_label("投资方", exact=True)
    expect(investor.locator("option").nth(1)).to_contain_text("卓新")
    expect(investor.locator("option", has_text="卓钢链")).to_have_count(0)
    investor.select_option(index=1)
    page.get_by_label("签约日期").fill("2026-11-02")
    page.get_by_label("总投资（万元）").fill("52000")
    page.get_by_role("button", name="保存新项目").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("main")).to_contain_text("5.2 亿元")
    return page.url


def test_an_officer_creates_a_project_and_finishes_its_stage_once_the_facts_are_in(page):
    name = f"浏览器测试新能源汽车零部件项目{uuid.uuid4().hex[:4]}"
    log_in(page, "officer")
    project_url = _create_project(page, name)

    # The current stage is 准入评估: it needs the industry chain and the fixed-asset investment.
    actions = page.locator("#stage-actions")
    expect(actions).to_contain_text("准入评估")
    actions.get_by_label("实际完成日期").fill("2026-11-20")
    actions.get_by_role("button", name="确认完成").click()
    expect(page.locator("#stage-actions")).to_contain_text("产业链")
    expect(page.locator("#stage-actions")).to_contain_text("固定资产投资")
    expect(page.locator("#stage-actions").get_by_label("实际完成日期")).to_have_value("2026-11-20")
    screenshot(page, "project-finish-missing-facts")

    page.locator("#stage-actions").get_by_role("link", name=re.compile("去补充项目信息")).click()
    page.get_by_label("产业链").select_option(index=1)
    page.get_by_label("固定资产投资（万元）").fill("30000")
    page.get_by_role("button", name="保存").click()
    # Back on the project page (the browser keeps the #field- anchor of the edit link).
    expect(page).to_have_url(re.compile(re.escape(project_url) + r"(#.*)?$"))

    page.locator("#stage-actions").get_by_label("实际完成日期").fill("2026-11-20")
    page.locator("#stage-actions").get_by_role("button", name="确认完成").click()
    expect(page.locator("#stage-actions")).to_contain_text("注册落地")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("2026-11-20")
    screenshot(page, "project-page")
    assert page.js_errors == []


def test_the_dashboard_draws_its_charts_from_the_demo_data(page, phone_page):
    log_in(page, "manager")
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("驾驶舱")
    charts = page.locator(".chart[data-chart]")
    assert charts.count() >= 5
    for index in range(charts.count()):
        chart = charts.nth(index)
        expect(chart.locator("canvas")).to_have_count(1)
        assert chart.get_attribute("data-rendered") == "1"
    signed = page.locator("[data-stat='project_count']")
    if signed.count():
        assert int(re.sub(r"\D", "", signed.first.inner_text())) > 0
    screenshot(page, "dashboard")
    assert page.js_errors == []

    log_in(phone_page, "manager")
    phone_page.goto("/dashboard/")
    expect(phone_page.locator(".chart canvas").first).to_be_visible()
    screenshot(phone_page, "dashboard-phone")


def test_the_project_board_and_lists_render_for_a_manager(page):
    log_in(page, "manager")
    page.goto("/projects/board/")
    expect(page.locator(".board-column").first).to_be_visible()
    screenshot(page, "project-board")
    page.goto("/projects/")
    expect(page.locator("#projects tfoot")).to_contain_text("筛选结果合计")
    screenshot(page, "projects-list")
    page.goto("/signing-events/")
    screenshot(page, "signing-events")
    page.goto("/land-commitments/")
    screenshot(page, "land-commitments")
    page.goto("/service-requests/")
    screenshot(page, "service-request-inbox-manager")
    page.goto("/enterprises/")
    screenshot(page, "enterprises-list")
    assert page.js_errors == []
