"""Logging in, switching to English, and what an enterprise user can and cannot open."""

import re

from playwright.sync_api import expect

from .conftest import log_in, screenshot


def test_an_officer_logs_in_after_a_wrong_password_and_lands_on_their_work(page):
    log_in(page, "officer", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
    expect(page.get_by_label("用户名")).to_have_value("officer")

    log_in(page, "officer")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的工作")
    expect(page.locator("#bell")).to_be_visible()
    screenshot(page, "home-my-work")
    assert page.js_errors == []


def test_the_english_switch_translates_the_pages_and_stays(page):
    log_in(page, "officer")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My work")
    expect(page.locator("nav")).to_contain_text("Projects")
    page.goto("/projects/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Project list")
    expect(page.locator("#projects thead")).to_contain_text("Total investment")
    screenshot(page, "projects-list-english")

    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("项目列表")


def test_an_enterprise_user_cannot_open_officer_pages(page):
    log_in(page, "enterprise")
    expect(page).to_have_url(re.compile(r"/service-requests/$"))
    for path in ("/projects/", "/enterprises/", "/dashboard/", "/imports/", "/signing-events/"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.locator("#permission-denied")).to_be_visible()
    screenshot(page, "permission-denied")
    nav = page.locator("nav")
    expect(nav).not_to_contain_text("驾驶舱")
    expect(nav).not_to_contain_text("企业诉求")
