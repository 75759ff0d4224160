"""Every page of the site against every role: the pages' permission matrix.

The routes come from the URL configuration (everything outside /api/, /admin/ and /i18n/), so a page
added without an expected answer here fails. Each cell sends the request with an empty body to an
object of 安亭镇's enterprise A (the world of the API's matrix) and classifies the answer:

- "ok": the checks passed (200, a redirect other than to the login page, or 400 on the empty body);
- "login": not logged in, sent to the login page;
- "403": the permission page (an enterprise user on staff pages, an action the user may not take);
- "404": the user may not see the object; "405": the method is not offered.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from tests.api.matrix_support import ROLES, _template, _walk, build_world

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("api/", "admin/", "i18n/", "healthz")

#   anonymous  enterprise_own  enterprise_other  officer_in  officer_out  town_manager  district_manager  admin
ANYONE = "ok    ok  ok  ok  ok  ok  ok  ok"
SIGNED_OUT = "login login login login login login login login"
LOGGED_IN = "login ok  ok  ok  ok  ok  ok  ok"
STAFF = "login 403 403 ok  ok  ok  ok  ok"
# Objects of 安亭镇 and its enterprise A: 安亭镇's staff and the district; enterprise users are kept off staff pages.
A_STAFF = "login 403 403 ok  404 ok  ok  ok"
A_MANAGE = "login 403 403 403 404 ok  ok  ok"
# A's service request: also A's own enterprise user.
A_REQUEST = "login ok  404 ok  404 ok  ok  ok"
A_REQUEST_STAFF_ACTION = "login 403 404 ok  404 ok  ok  ok"
A_REQUEST_RATING = "login ok  404 403 404 403 403 403"
# Records of one person: 安亭镇's officer made them; nobody else sees them.
OWN = "login 404 404 ok  404 404 404 404"
OWN_STAFF = "login 403 403 ok  404 404 404 404"

EXPECTED = {
    ("accounts/login/", "GET"): ANYONE,
    ("accounts/logout/", "POST"): SIGNED_OUT,
    ("accounts/password/", "GET"): LOGGED_IN,
    ("accounts/password/", "POST"): LOGGED_IN,
    ("accounts/password/done/", "GET"): LOGGED_IN,
    ("", "GET"): LOGGED_IN,  # enterprise users are sent on to their service requests
    ("dashboard/", "GET"): STAFF,
    ("projects/", "GET"): STAFF,
    ("projects/board/", "GET"): STAFF,
    ("projects/new/", "GET"): STAFF,
    ("projects/new/", "POST"): STAFF,
    ("projects/{pk}/", "GET"): A_STAFF,
    ("projects/{pk}/edit/", "GET"): A_STAFF,
    ("projects/{pk}/edit/", "POST"): A_STAFF,
    ("projects/{pk}/stages/{stage_pk}/finish/", "POST"): A_STAFF,
    ("projects/{pk}/stages/{stage_pk}/skip/", "POST"): A_STAFF,
    ("projects/{pk}/stages/{stage_pk}/edit/", "POST"): A_STAFF,
    ("projects/{pk}/stages/{stage_pk}/reopen/", "POST"): A_MANAGE,
    ("projects/{pk}/reassign/", "POST"): A_MANAGE,
    ("projects/{pk}/transfer/", "POST"): A_MANAGE,
    ("projects/{pk}/land/", "POST"): A_STAFF,
    ("projects/{pk}/land/actuals/", "POST"): A_STAFF,
    ("projects/{pk}/land/actuals/{actual_pk}/", "POST"): A_STAFF,
    ("projects/enterprise-options/", "GET"): STAFF,
    ("projects/{pk}/documents/", "POST"): A_STAFF,
    ("projects/{pk}/documents/{document_pk}/", "GET"): A_STAFF,
    ("signing-events/", "GET"): STAFF,
    ("signing-events/{pk}/", "GET"): STAFF,
    ("land-commitments/", "GET"): STAFF,
    ("enterprises/", "GET"): STAFF,
    ("enterprises/new/", "GET"): STAFF,
    ("enterprises/new/", "POST"): STAFF,
    ("enterprises/{pk}/", "GET"): A_STAFF,
    ("enterprises/{pk}/edit/", "GET"): A_STAFF,
    ("enterprises/{pk}/edit/", "POST"): A_STAFF,
    ("enterprises/{pk}/visits/", "POST"): A_STAFF,
    ("enterprises/{pk}/contacts/", "POST"): A_STAFF,
    ("enterprises/{pk}/contacts/{contact_pk}/edit/", "GET"): A_STAFF,
    ("enterprises/{pk}/contacts/{contact_pk}/edit/", "POST"): A_STAFF,
    ("enterprises/{pk}/contacts/{contact_pk}/delete/", "POST"): A_STAFF,
    ("enterprises/{pk}/visits/{visit_pk}/edit/", "GET"): A_STAFF,
    ("enterprises/{pk}/visits/{visit_pk}/edit/", "POST"): A_STAFF,
    ("enterprises/{pk}/visits/{visit_pk}/done/", "POST"): A_STAFF,
    ("service-requests/", "GET"): LOGGED_IN,
    ("service-requests/new/", "GET"): LOGGED_IN,
    ("service-requests/new/", "POST"): LOGGED_IN,
    ("service-requests/{pk}/", "GET"): A_REQUEST,
    ("service-requests/{pk}/comment/", "POST"): A_REQUEST,
    ("service-requests/{pk}/attachments/", "POST"): A_REQUEST,
    ("service-requests/{pk}/attachments/{attachment_pk}/", "GET"): A_REQUEST,
    ("service-requests/{pk}/accept/", "POST"): A_REQUEST_STAFF_ACTION,
    ("service-requests/{pk}/assign/", "POST"): A_REQUEST_STAFF_ACTION,
    ("service-requests/{pk}/reply/", "POST"): A_REQUEST_STAFF_ACTION,
    ("service-requests/{pk}/resolve/", "POST"): A_REQUEST_STAFF_ACTION,
    ("service-requests/{pk}/reject/", "POST"): A_REQUEST_STAFF_ACTION,
    ("service-requests/{pk}/close/", "POST"): A_REQUEST,
    ("service-requests/{pk}/rate/", "POST"): A_REQUEST_RATING,
    ("notifications/", "GET"): LOGGED_IN,
    ("notifications/read-all/", "POST"): LOGGED_IN,
    ("notifications/preferences/", "GET"): LOGGED_IN,
    ("notifications/preferences/", "POST"): LOGGED_IN,
    ("notifications/{pk}/read/", "POST"): OWN,
    ("notifications/{pk}/open/", "POST"): OWN,
    ("exports/", "POST"): STAFF,
    ("exports/{pk}/", "GET"): OWN_STAFF,
    ("exports/{pk}/progress/", "GET"): OWN_STAFF,
    ("exports/{pk}/download/", "GET"): OWN_STAFF,
    ("imports/", "GET"): STAFF,
    ("imports/", "POST"): STAFF,
    ("imports/{pk}/", "GET"): OWN_STAFF,
    ("imports/{pk}/progress/", "GET"): OWN_STAFF,
    ("imports/{pk}/confirm/", "POST"): OWN_STAFF,
    ("imports/{pk}/marked/", "GET"): OWN_STAFF,
}

# The object each path parameter names, by the collection it follows.
OWNERS = {
    "projects": "project",
    "stages": "stage",
    "documents": "document",
    "signing-events": "event",
    "enterprises": "enterprise",
    "contacts": "contact",
    "actuals": "actual",
    "visits": "visit",
    "service-requests": "request",
    "attachments": "attachment",
    "notifications": "notification",
    "exports": "export",
    "imports": "import_job",
}


def page_routes() -> set[str]:
    routes = set()
    for route, _callback in _walk(get_resolver().url_patterns):
        if not route.startswith(SKIPPED_PREFIXES):
            routes.add(_template(route))
    return routes


def url_for(template: str, objects: dict) -> str:
    parts = template.split("/")
    for index, part in enumerate(parts):
        if part.startswith("{"):
            parts[index] = str(objects[OWNERS[parts[index - 1]]].pk)
    return "/" + "/".join(parts)


def classify(response) -> str:
    status = response.status_code
    if status in (301, 302) and response["Location"].startswith("/accounts/login/"):
        return "login"
    if status in (200, 301, 302, 400):
        return "ok"
    return str(status)


def answer(user, method: str, url: str) -> str:
    """One cell, rolled back so that one role's write leaves the next role's world intact."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return "500" if response.status_code >= 500 else classify(response)


@pytest.fixture
def matrix_world(db, settings, tmp_path):
    return build_world(settings, tmp_path)


def test_every_page_of_the_url_conf_has_expected_answers_and_no_stale_ones():
    routes = page_routes()
    declared = {template for template, _method in EXPECTED}
    assert not routes - declared, f"pages without expected answers in EXPECTED: {sorted(routes - declared)}"
    assert not declared - routes, f"EXPECTED entries the URL conf no longer has: {sorted(declared - routes)}"


@pytest.mark.parametrize("template, method", sorted(EXPECTED), ids=lambda value: str(value))
def test_page_answers_each_role_as_designed(template, method, matrix_world):
    expected = dict(zip(ROLES, EXPECTED[(template, method)].split(), strict=True))
    url = url_for(template, matrix_world["objects"])
    wrong = []
    for role in ROLES:
        got = answer(matrix_world["users"][role], method, url)
        if got != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {got}")
    assert not wrong, f"{method} {url}:\n" + "\n".join(wrong)
