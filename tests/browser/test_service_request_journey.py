"""An enterprise user files a service request, the office answers it, the enterprise rates the answer."""

import re
import uuid

from playwright.sync_api import expect

from .conftest import log_in, screenshot


def test_an_enterprise_files_a_request_and_rates_the_answer(page, browser, site):
    title = f"浏览器测试诉求：招聘数控操作工{uuid.uuid4().hex[:4]}"
    log_in(page, "enterprise")
    page.get_by_role("link", name="提交诉求").first.click()
    page.get_by_label("标题").fill(title)
    page.get_by_label("详细描述").fill("新产线投产，需要30名数控操作工，请协助对接人力资源市场。")
    page.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(r"/service-requests/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    request_url = page.url
    screenshot(page, "service-request-filed")

    office = browser.new_context(base_url=site.url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    staff = office.new_page()
    log_in(staff, "manager")
    staff.goto("/service-requests/?status=submitted")
    expect(staff.locator("main")).to_contain_text(title)
    screenshot(staff, "service-request-inbox")
    staff.goto(request_url)
    staff.get_by_role("button", name="受理", exact=True).click()
    expect(staff.locator("main")).to_contain_text("诉求已受理")
    staff.locator("summary", has_text="办结").click()
    staff.get_by_label("办理答复").fill("已对接区人力资源市场，下周举办专场招聘会。")
    staff.get_by_role("button", name="办结", exact=True).click()
    expect(staff.locator("main")).to_contain_text("诉求已办结")
    office.close()

    page.goto(request_url)
    expect(page.locator("main")).to_contain_text("已对接区人力资源市场")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("评价意见").fill("对接及时，谢谢。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("main")).to_contain_text("感谢您的评价")
    expect(page.locator("main")).to_contain_text("满意")
    screenshot(page, "service-request-rated")

    page.goto("/service-requests/")
    expect(page.locator("main")).to_contain_text(title)
