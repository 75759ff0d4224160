"""Every kind of page works under the content security policy: nothing it needs is refused (no inline
script or style, every asset from this site), and the charts still draw."""

from playwright.sync_api import expect

from .conftest import log_in

MANAGER_PAGES = [
    "/",
    "/dashboard/",
    "/projects/",
    "/projects/board/",
    "/projects/new/",
    "/signing-events/",
    "/land-commitments/",
    "/enterprises/",
    "/enterprises/new/",
    "/service-requests/",
    "/notifications/",
    "/notifications/preferences/",
    "/imports/",
]
ADMIN_PAGES = ["/admin/", "/admin/projects/project/", "/admin/projects/project/add/", "/api/v1/docs/"]


def visit_all(page, paths):
    refused = {}
    for path in paths:
        page.js_errors.clear()
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response.status < 400, f"{path}: {response.status}"
        if page.js_errors:
            refused[path] = list(page.js_errors)
    return refused


def test_the_officers_pages_need_nothing_the_policy_refuses(page):
    log_in(page, "manager")
    assert visit_all(page, MANAGER_PAGES) == {}

    page.goto("/dashboard/")
    expect(page.locator("canvas").first).to_be_visible()

    page.goto("/projects/")
    page.locator("table a[href^='/projects/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.js_errors == []


def test_the_admin_and_the_api_documentation_need_nothing_the_policy_refuses(page):
    log_in(page, "admin")
    assert visit_all(page, ADMIN_PAGES) == {}
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("招商项目管理系统 API")
