"""An enterprise's user, with a real token, never reaches another enterprise's data.

Enterprise B's user (南翔镇) probes every route of the URL configuration that takes an object with
the ids of enterprise A's objects (安亭镇), with every method: the answer is 404 (405 for a method
the route does not offer), never 200, 400, 401 or 403. Every list answers without A's objects,
even when filtered by A's ids. B cannot file a request for A, nor touch A's objects with
well-formed writes.
"""

import json
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from companies.models import Contact, Enterprise
from projects.models import Project
from servicerequests import services as request_services
from servicerequests.models import Attachment, Category, Comment, ServiceRequest
from tests import factories as f

from .matrix_support import METHODS, PDF, answer, api_endpoints, build_world, path_kwargs

pytestmark = pytest.mark.django_db

ENDPOINTS = api_endpoints()
OFFERED = defaultdict(set)
for _endpoint in ENDPOINTS:
    if _endpoint.offered:
        OFFERED[_endpoint.template].add(_endpoint.method)
# One endpoint per route: the probes send every method to it.
ROUTES = {e.template: e for e in ENDPOINTS}
OBJECT_ROUTES = sorted(t for t, e in ROUTES.items() if e.kwargs)
LIST_ROUTES = sorted(t for t in ROUTES if not ROUTES[t].kwargs and "GET" in OFFERED[t])
# Static descriptions of the API, holding no one's data.
NOT_DATA = {"schema/", "docs/"}

# Probes answered otherwise than 404 today: (route, method) → why. Each is its own strict xfail.
KNOWN_BUGS: dict = {}


@pytest.fixture
def isolation(db, settings, tmp_path):
    """The matrix world, B's own project and request, and a token B's user got by logging in."""
    world = build_world(settings, tmp_path)
    objects, users = world["objects"], world["users"]
    b_user = users["enterprise_other"]
    b_project = f.project(
        actor=users["officer_out"],
        name="南翔矩阵精密机械项目",
        enterprise=objects["other_enterprise"],
        leading_unit=objects["nanxiang"],
        town=objects["nanxiang"],
        officer=users["officer_out"],
    )
    b_request = request_services.submit_request(
        actor=b_user,
        category=Category.objects.get(code="housing"),
        title="南翔矩阵诉求：人才公寓",
        description="申请20套",
    )
    login = APIClient().post(
        "/api/v1/auth/token/", {"username": b_user.username, "password": "pw-for-tests-123"}, format="json"
    )
    assert login.status_code == 200, login.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == b_user.username
    return {**world, "client": client, "b_project": b_project, "b_request": b_request}


def a_markers(objects) -> list[str]:
    """Strings that only enterprise A's objects (and 安亭镇's internal records) hold."""
    return [
        objects["enterprise"].name,
        objects["enterprise"].uscc,
        objects["project"].name,
        objects["project"].code,
        objects["event"].name,
        objects["request"].title,
        objects["comment"].body,
        objects["attachment"].original_name,
        objects["document"].title,
        objects["contact"].name,
        objects["contact"].mobile,
        objects["visit"].topic,
        objects["notification"].title,
        objects["token"].token_key,
        "m_ent_own",
    ]


def a_ids(objects) -> dict[str, set]:
    """Per list route, the ids of A's objects it could hold."""
    return {
        "projects/": {objects["project"].pk},
        "enterprises/": {objects["enterprise"].pk},
        "contacts/": {objects["contact"].pk},
        "visits/": {objects["visit"].pk},
        "service-requests/": {objects["request"].pk},
        "land-commitments/": {objects["commitment"].pk},
        "assessments/": {objects["assessment"].pk},
        "annual-targets/": {objects["target"].pk},
        "signing-events/": {objects["event"].pk},
        "notifications/": {objects["notification"].pk},
        "auth/tokens/": {objects["token"].token_key},
    }


def probe(client, endpoint, url, method) -> tuple[str, str]:
    with transaction.atomic():
        got = answer(client, endpoint, url, method)
        transaction.set_rollback(True)
    return got


def expected_for(template, method) -> str:
    return "404" if method in OFFERED[template] else "405"


def test_the_probes_cover_the_url_conf():
    assert len(OBJECT_ROUTES) >= 40 and len(LIST_ROUTES) >= 15
    assert {"service-requests/{pk}/", "projects/{project_pk}/stages/{pk}/finish/"} <= set(OBJECT_ROUTES)
    for template, method in KNOWN_BUGS:
        assert template in OBJECT_ROUTES and method in METHODS, f"KNOWN_BUGS names no probe: {method} {template}"


@pytest.mark.parametrize("template", OBJECT_ROUTES)
def test_every_method_on_a_route_with_a_objects_ids_answers_404(template, isolation):
    endpoint = ROUTES[template]
    url = "/api/v1/" + template.format(**path_kwargs(endpoint, isolation["objects"]))
    wrong = []
    for method in METHODS:
        if (template, method) in KNOWN_BUGS:
            continue
        got, detail = probe(isolation["client"], endpoint, url, method)
        if got != expected_for(template, method):
            wrong.append(f"{method}: expected {expected_for(template, method)}, got {got} ({detail})")
    assert not wrong, f"{url}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "template, method",
    [
        pytest.param(*probe_, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
        for probe_, reason in KNOWN_BUGS.items()
    ],
)
def test_known_bug_probe(template, method, isolation):
    endpoint = ROUTES[template]
    url = "/api/v1/" + template.format(**path_kwargs(endpoint, isolation["objects"]))
    got, detail = probe(isolation["client"], endpoint, url, method)
    assert got == expected_for(template, method), detail


def test_lists_hold_none_of_a_objects_even_filtered_by_a_ids(isolation):
    objects, client = isolation["objects"], isolation["client"]
    markers = [m for m in a_markers(objects) if m]
    ids = a_ids(objects)
    aimed_at_a = {
        "enterprise": objects["enterprise"].pk,
        "project": objects["project"].pk,
        "signing_event": objects["event"].pk,
        "officer": isolation["users"]["officer_in"].pk,
        "service_officer": isolation["users"]["officer_in"].pk,
        "town": objects["anting"].pk,
        "leading_unit": objects["anting"].pk,
        "org_unit": objects["anting"].pk,
    }
    leaks = []
    for template in LIST_ROUTES:
        if template in NOT_DATA:
            continue
        for params in ({}, aimed_at_a, {"q": "安亭矩阵"}):
            response = client.get("/api/v1/" + template, params)
            label = f"GET {template} {params or ''}"
            # The pipeline report is for staff (403); the working days want dates (400); the rest list.
            assert response.status_code in (200, 400, 403), f"{label}: {response.status_code}"
            text = response.content.decode()
            leaks += [f"{label}: shows {m!r}" for m in markers if m in text]
            body = response.json()
            rows = body.get("results", []) if isinstance(body, dict) else body
            shown = {row.get("id") for row in rows if isinstance(row, dict)}
            leaks += [f"{label}: lists A's id {i}" for i in shown & ids.get(template, set())]
    assert not leaks, "\n".join(leaks)


def test_b_sees_its_own_data_in_the_lists(isolation):
    """The lists above are not empty by accident: B finds its own enterprise, project and request."""
    client = isolation["client"]

    def listed(path):
        return {row["id"] for row in client.get(path).json()["results"]}

    assert listed("/api/v1/enterprises/") == {isolation["objects"]["other_enterprise"].pk}
    assert listed("/api/v1/projects/") == {isolation["b_project"].pk}
    assert listed("/api/v1/service-requests/") == {isolation["b_request"].pk}


def test_b_cannot_file_a_request_for_a_nor_about_a_project(isolation):
    objects, client = isolation["objects"], isolation["client"]
    payload = {"category": "hiring", "title": "冒名诉求", "description": "以安亭企业名义提交"}
    before = ServiceRequest.objects.count()
    for extra in ({"enterprise": objects["enterprise"].pk}, {"project": objects["project"].pk}):
        response = client.post("/api/v1/service-requests/", {**payload, **extra}, format="json")
        assert response.status_code in (400, 403), (extra, response.status_code, response.content)
        assert objects["enterprise"].name not in response.content.decode()
        assert objects["project"].name not in response.content.decode()
    assert ServiceRequest.objects.count() == before
    assert not ServiceRequest.objects.filter(title="冒名诉求").exists()


def _unchanged(objects):
    request = ServiceRequest.objects.get(pk=objects["request"].pk)
    return (
        (request.title, request.status, request.rating, request.version),
        Comment.objects.filter(request=request).count(),
        Attachment.objects.filter(request=request).count(),
        Project.objects.get(pk=objects["project"].pk).name,
        Enterprise.objects.get(pk=objects["enterprise"].pk).name,
        Contact.objects.filter(pk=objects["contact"].pk).exists(),
    )


WELL_FORMED_WRITES = [
    ("post", "service-requests/{request}/comments/", {"body": "冒名留言"}, "json"),
    ("post", "service-requests/{request}/attachments/", "upload", "multipart"),
    ("patch", "service-requests/{request}/", {"title": "改掉标题"}, "json"),
    ("post", "service-requests/{request}/close/", {}, "json"),
    ("post", "service-requests/{request}/rate/", {"rating": 1, "comment": "差评"}, "json"),
    ("patch", "enterprises/{enterprise}/", {"name": "改名"}, "json"),
    ("delete", "contacts/{contact}/", {}, "json"),
    ("patch", "projects/{project}/", {"name": "改名"}, "json"),
]


def _write_param(method, route, body, body_format):
    marks = []
    return pytest.param(method, route, body, body_format, marks=marks, id=f"{method.upper()} {route}")


@pytest.mark.parametrize("method, route, body, body_format", [_write_param(*write) for write in WELL_FORMED_WRITES])
def test_well_formed_writes_to_a_objects_are_404_and_change_nothing(method, route, body, body_format, isolation):
    objects = isolation["objects"]
    before = _unchanged(objects)
    if body == "upload":
        body = {"file": SimpleUploadedFile("冒名.pdf", PDF)}
    url = "/api/v1/" + route.format(
        **{name: objects[name].pk for name in ("request", "enterprise", "contact", "project")}
    )
    response = getattr(isolation["client"], method)(url, body, format=body_format)
    detail = response.content.decode()[:200]
    assert _unchanged(objects) == before, detail
    assert response.status_code == 404, detail
    assert json.loads(response.content)["detail"] == "对象不存在或您无权查看。"
