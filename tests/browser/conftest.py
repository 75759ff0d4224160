import os
import re
from pathlib import Path

import pytest

from .site import CHROMIUM, PASSWORD, SCREENSHOTS, Site, demo_database

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

# Playwright's sync API runs an event loop in this thread; the tests here never touch the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    database = demo_database(shared / "browser-demo")
    site = Site(tmp_path_factory.mktemp("site"), database)
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _context(browser, site, viewport):
    context = browser.new_context(
        base_url=site.url, viewport=viewport, locale="zh-CN", accept_downloads=True, timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser, site):
    context = _context(browser, site, DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # What the content security policy refuses (an inline script or style, an outside asset) would
    # be missing from the page: count it as an error of the page.
    page.on("console", lambda message: _record_policy_violation(message, errors))
    page.js_errors = errors
    yield page
    context.close()


def _record_policy_violation(message, errors):
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@pytest.fixture
def phone_page(browser, site):
    context = _context(browser, site, PHONE)
    yield context.new_page()
    context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("^(密码|Password)")).fill(password)
    page.get_by_role("button", name=re.compile("^(登录|Log in)$")).click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
