"""Every endpoint of the API against every role: the permission matrix.

The endpoints come from the URL configuration, so an endpoint added without an expected answer
here fails. Each cell sends an empty body (JSON, or multipart to upload endpoints) to an object of
安亭镇's enterprise A and classifies the answer:

- "ok": the permission checks passed (2xx, or 400/409/412 on the empty body);
- "401": not logged in; "403": sees the object, may not take the action; "404": may not see it;
- "405": the method is not offered.

A view that validated the body before checking permission would answer 400 ("ok") where the
design says 403: that is a bug (a caller without the right must not learn what the input lacks).
"""

import pytest
from django.db import transaction

from .matrix_support import ROLES, answer, api_endpoints, build_world, client_as, url_for

pytestmark = pytest.mark.django_db

ENDPOINTS = api_endpoints()

ALL_OK = "ok  ok  ok  ok  ok  ok  ok  ok"
LOGGED_IN = "401 ok  ok  ok  ok  ok  ok  ok"
STAFF = "401 403 403 ok  ok  ok  ok  ok"
MANAGERS = "401 403 403 403 403 ok  ok  ok"
ADMINS = "401 403 403 403 403 403 403 ok"
NOT_OFFERED = "401 405 405 405 405 405 405 405"
# Objects of enterprise A (安亭镇): seen by A's user, 安亭镇's staff, the district and the administrator.
A_READ = "401 ok  404 ok  404 ok  ok  ok"
A_STAFF_WRITE = "401 403 404 ok  404 ok  ok  ok"
A_MANAGE = "401 403 404 403 404 ok  ok  ok"
# A's internal records (contacts, visits, land, assessments): 安亭镇's staff and above; no enterprise user.
A_INTERNAL = "401 404 404 ok  404 ok  ok  ok"
# District-wide reference data, read by all staff, hidden from enterprise users.
STAFF_READ = "401 404 404 ok  ok  ok  ok  ok"

# (route, method) → the class of answer of each role, in the order of ROLES:
#   anonymous  enterprise_own  enterprise_other  officer_in  officer_out  town_manager  district_manager  admin
EXPECTED = {
    # Accounts and tokens
    ("auth/token/", "POST"): ALL_OK,
    ("auth/logout/", "POST"): LOGGED_IN,
    ("me/", "GET"): LOGGED_IN,
    ("auth/tokens/", "GET"): LOGGED_IN,
    ("auth/tokens/", "POST"): STAFF,
    ("auth/tokens/{token_key}/", "DELETE"): "401 ok  404 ok  404 ok  ok  ok",
    # Projects and their stages: A's user follows the progress, staff in scope work on them
    ("projects/", "GET"): LOGGED_IN,
    ("projects/", "POST"): STAFF,
    ("projects/{pk}/", "GET"): A_READ,
    ("projects/{pk}/", "PUT"): A_STAFF_WRITE,
    ("projects/{pk}/", "PATCH"): A_STAFF_WRITE,
    ("projects/{pk}/history/", "GET"): A_READ,
    ("projects/{pk}/reassign/", "POST"): A_MANAGE,
    ("projects/{pk}/transfer/", "POST"): A_MANAGE,
    ("projects/{project_pk}/stages/", "GET"): A_READ,
    ("projects/{project_pk}/stages/{pk}/", "GET"): A_READ,
    ("projects/{project_pk}/stages/{pk}/", "PUT"): A_STAFF_WRITE,
    ("projects/{project_pk}/stages/{pk}/", "PATCH"): A_STAFF_WRITE,
    ("projects/{project_pk}/stages/{pk}/finish/", "POST"): A_STAFF_WRITE,
    ("projects/{project_pk}/stages/{pk}/skip/", "POST"): A_STAFF_WRITE,
    ("projects/{project_pk}/stages/{pk}/reopen/", "POST"): A_MANAGE,
    ("projects/{project_pk}/documents/", "GET"): A_READ,
    ("projects/{project_pk}/documents/", "POST"): A_STAFF_WRITE,
    ("projects/{project_pk}/documents/{pk}/", "GET"): A_READ,
    ("projects/{project_pk}/documents/{pk}/download/", "GET"): A_READ,
    # Planning: signing events and targets written by managers, dimensions by administrators
    ("signing-events/", "GET"): LOGGED_IN,
    ("signing-events/", "POST"): MANAGERS,
    ("signing-events/{pk}/", "GET"): STAFF_READ,
    ("signing-events/{pk}/", "PUT"): "401 404 404 403 403 ok  ok  ok",
    ("signing-events/{pk}/", "PATCH"): "401 404 404 403 403 ok  ok  ok",
    ("signing-events/{pk}/history/", "GET"): STAFF_READ,
    ("annual-targets/", "GET"): LOGGED_IN,
    ("annual-targets/", "POST"): MANAGERS,
    ("annual-targets/{pk}/", "GET"): A_INTERNAL,
    ("annual-targets/{pk}/", "PUT"): "401 404 404 403 404 ok  ok  ok",
    ("annual-targets/{pk}/", "PATCH"): "401 404 404 403 404 ok  ok  ok",
    ("annual-targets/{pk}/history/", "GET"): A_INTERNAL,
    ("land-commitments/", "GET"): LOGGED_IN,
    ("land-commitments/", "POST"): STAFF,
    ("land-commitments/{pk}/", "GET"): A_INTERNAL,
    ("land-commitments/{pk}/", "PUT"): A_INTERNAL,
    ("land-commitments/{pk}/", "PATCH"): A_INTERNAL,
    ("land-commitments/{pk}/history/", "GET"): A_INTERNAL,
    ("land-commitments/{commitment_pk}/actuals/", "GET"): A_INTERNAL,
    ("land-commitments/{commitment_pk}/actuals/", "POST"): A_INTERNAL,
    ("land-commitments/{commitment_pk}/actuals/{pk}/", "GET"): A_INTERNAL,
    ("land-commitments/{commitment_pk}/actuals/{pk}/", "PUT"): A_INTERNAL,
    ("land-commitments/{commitment_pk}/actuals/{pk}/", "PATCH"): A_INTERNAL,
    ("assessment-dimensions/", "GET"): LOGGED_IN,
    ("assessment-dimensions/", "POST"): ADMINS,
    ("assessment-dimensions/{pk}/", "GET"): STAFF_READ,
    ("assessment-dimensions/{pk}/", "PUT"): "401 404 404 403 403 403 403 ok",
    ("assessment-dimensions/{pk}/", "PATCH"): "401 404 404 403 403 403 403 ok",
    ("assessments/", "GET"): LOGGED_IN,
    ("assessments/", "POST"): STAFF,
    ("assessments/{pk}/", "GET"): A_INTERNAL,
    ("assessments/{pk}/", "PUT"): A_INTERNAL,
    ("assessments/{pk}/", "PATCH"): A_INTERNAL,
    ("assessments/{pk}/history/", "GET"): A_INTERNAL,
    ("stage-types/", "GET"): LOGGED_IN,
    ("stage-types/{pk}/", "GET"): STAFF_READ,
    # Enterprises, contacts, visits: A's user reads its own file only
    ("enterprises/", "GET"): LOGGED_IN,
    ("enterprises/", "POST"): STAFF,
    ("enterprises/check-duplicates/", "GET"): STAFF,
    ("enterprises/{pk}/", "GET"): A_READ,
    ("enterprises/{pk}/", "PUT"): A_STAFF_WRITE,
    ("enterprises/{pk}/", "PATCH"): A_STAFF_WRITE,
    ("enterprises/{pk}/history/", "GET"): A_READ,
    ("contacts/", "GET"): LOGGED_IN,
    ("contacts/", "POST"): STAFF,
    ("contacts/{pk}/", "GET"): A_INTERNAL,
    ("contacts/{pk}/", "PUT"): A_INTERNAL,
    ("contacts/{pk}/", "PATCH"): A_INTERNAL,
    ("contacts/{pk}/", "DELETE"): A_INTERNAL,
    ("visits/", "GET"): LOGGED_IN,
    ("visits/", "POST"): STAFF,
    ("visits/{pk}/", "GET"): A_INTERNAL,
    ("visits/{pk}/", "PUT"): NOT_OFFERED,
    ("visits/{pk}/", "PATCH"): A_INTERNAL,
    ("visits/{pk}/complete-next-step/", "POST"): A_INTERNAL,
    # Service requests: A's user files, follows, comments, closes and rates; staff in scope handle
    ("service-requests/", "GET"): LOGGED_IN,
    ("service-requests/", "POST"): LOGGED_IN,
    ("service-requests/{pk}/", "GET"): A_READ,
    ("service-requests/{pk}/", "PUT"): NOT_OFFERED,
    ("service-requests/{pk}/", "PATCH"): A_READ,
    ("service-requests/{pk}/history/", "GET"): A_READ,
    ("service-requests/{pk}/accept/", "POST"): A_STAFF_WRITE,
    ("service-requests/{pk}/assign/", "POST"): A_STAFF_WRITE,
    ("service-requests/{pk}/reply/", "POST"): A_STAFF_WRITE,
    ("service-requests/{pk}/resolve/", "POST"): A_STAFF_WRITE,
    ("service-requests/{pk}/reject/", "POST"): A_STAFF_WRITE,
    ("service-requests/{pk}/close/", "POST"): A_READ,
    ("service-requests/{pk}/rate/", "POST"): "401 ok  404 403 404 403 403 403",
    ("service-request-categories/", "GET"): LOGGED_IN,
    ("service-requests/{request_pk}/comments/", "GET"): A_READ,
    ("service-requests/{request_pk}/comments/", "POST"): A_READ,
    ("service-requests/{request_pk}/attachments/", "GET"): A_READ,
    ("service-requests/{request_pk}/attachments/", "POST"): A_READ,
    ("service-requests/{request_pk}/attachments/{pk}/download/", "GET"): A_READ,
    # Notifications: each user's own (the one in the world is officer_in's)
    ("notifications/", "GET"): LOGGED_IN,
    ("notifications/read-all/", "POST"): LOGGED_IN,
    ("notifications/unread-count/", "GET"): LOGGED_IN,
    ("notifications/{pk}/", "GET"): "401 404 404 ok  404 404 404 404",
    ("notifications/{pk}/read/", "POST"): "401 404 404 ok  404 404 404 404",
    # Notification preferences: always the caller's own
    ("notifications/preferences/", "GET"): LOGGED_IN,
    ("notifications/preferences/", "PUT"): LOGGED_IN,
    ("notifications/preferences/", "PATCH"): LOGGED_IN,
    # Excel exports: each user's own (the one in the world is officer_in's), administrators included
    ("exports/", "GET"): LOGGED_IN,
    ("exports/", "POST"): LOGGED_IN,
    ("exports/{pk}/", "GET"): "401 404 404 ok  404 404 404 404",
    ("exports/{pk}/download/", "GET"): "401 404 404 ok  404 404 404 404",
    # Excel imports: staff only; each job its requester's own (the one in the world is officer_in's)
    ("imports/", "GET"): STAFF,
    ("imports/", "POST"): STAFF,
    ("imports/template/", "GET"): STAFF,
    ("imports/{pk}/", "GET"): "401 404 404 ok  404 404 404 404",
    ("imports/{pk}/marked/", "GET"): "401 404 404 ok  404 404 404 404",
    # Reports for staff; working days, the schema and the docs open to anyone
    ("reports/pipeline/", "GET"): STAFF,
    ("workdays/add/", "GET"): ALL_OK,
    ("workdays/count/", "GET"): ALL_OK,
    ("schema/", "GET"): ALL_OK,
    ("docs/", "GET"): ALL_OK,
}

# Cells where the application answers otherwise than the design demands: (route, method, role) → why.
# Each runs as its own strict xfail, so that a fix shows up as a failure asking to remove the entry.
KNOWN_BUGS: dict = {}


def expected_row(template, method) -> dict[str, str]:
    classes = EXPECTED[(template, method)].split()
    assert len(classes) == len(ROLES), f"{method} {template}: {len(classes)} answers for {len(ROLES)} roles"
    return dict(zip(ROLES, classes, strict=True))


@pytest.fixture
def matrix_world(db, settings, tmp_path):
    return build_world(settings, tmp_path)


def answer_as(world, role, endpoint, url) -> tuple[str, str]:
    """One cell, rolled back so that one role's write (a delete, a close, a revoke) leaves the next role's world intact."""
    with transaction.atomic():
        got = answer(client_as(world["users"][role]), endpoint, url)
        transaction.set_rollback(True)
    return got


def test_every_endpoint_of_the_url_conf_has_expected_answers_and_no_stale_ones():
    declared = {(e.template, e.method) for e in ENDPOINTS}
    missing = sorted(declared - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - declared)
    assert not missing, "endpoints without expected answers in EXPECTED:\n" + "\n".join(f"{m} {t}" for t, m in missing)
    assert not stale, "EXPECTED entries the URL conf no longer has:\n" + "\n".join(f"{m} {t}" for t, m in stale)
    for template, method, role in KNOWN_BUGS:
        assert (template, method) in EXPECTED and role in ROLES, f"KNOWN_BUGS names no cell: {method} {template} {role}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_endpoint_answers_each_role_as_designed(endpoint, matrix_world):
    if (endpoint.template, endpoint.method) not in EXPECTED:
        pytest.fail(f"{endpoint}: no expected answers in EXPECTED")
    expected = expected_row(endpoint.template, endpoint.method)
    url = url_for(endpoint, matrix_world["objects"])
    wrong = []
    for role in ROLES:
        if (endpoint.template, endpoint.method, role) in KNOWN_BUGS:
            continue
        got, detail = answer_as(matrix_world, role, endpoint, url)
        if got != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {got} ({detail})")
    assert not wrong, f"{endpoint} ({url}):\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "template, method, role",
    [
        pytest.param(*cell, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
        for cell, reason in KNOWN_BUGS.items()
    ],
    ids=lambda value: str(value),
)
def test_known_bug_cell(template, method, role, matrix_world):
    endpoint = next(e for e in ENDPOINTS if (e.template, e.method) == (template, method))
    got, detail = answer_as(matrix_world, role, endpoint, url_for(endpoint, matrix_world["objects"]))
    assert got == expected_row(template, method)[role], detail
