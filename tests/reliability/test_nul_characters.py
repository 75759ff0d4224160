"""A NUL character in any text the API takes: a 400 with a message, never a 500.

PostgreSQL cannot store or compare text holding NUL (SQLite can), so a value that reaches a query
unchecked fails the request there. Schemathesis found one (a service request's category, a slug
looked up as it came); this sweep sends NUL, driven by the schema, in every query parameter of every
list and in every text field of every create, so a new field is covered when it is added. It
matters on PostgreSQL: run it there too.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories as f

from . import report

pytestmark = pytest.mark.django_db

NUL_TEXT = "安亭\x00镇"
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def nul_value(prop: dict):
    prop = resolve(prop) if "$ref" in prop else prop
    if "allOf" in prop or "oneOf" in prop:
        return NUL_TEXT
    if prop.get("type") == "array":
        return [nul_value(prop.get("items", {}))]
    if prop.get("type") in (None, "string"):
        return NUL_TEXT
    return None


def operations(method: str):
    for path, ops in SCHEMA["paths"].items():
        if "{" not in path and method in ops:
            yield path, ops[method]


LISTS = sorted(
    (path, param["name"])
    for path, op in operations("get")
    for param in op.get("parameters", [])
    if param.get("in") == "query"
)
CREATES = sorted(
    path for path, op in operations("post") if "application/json" in op.get("requestBody", {}).get("content", {})
)


@pytest.fixture
def admin_client(db, settings):
    settings.API_RATE_STAFF = "100000/min"
    f.unit("安亭镇")
    client = APIClient()
    client.force_authenticate(f.user("nul_admin", role=Role.ADMIN, org_unit=None, is_superuser=True, is_staff=True))
    return client


def test_the_sweep_reaches_the_api():
    assert len(LISTS) >= 30 and len(CREATES) >= 10


def test_nul_in_any_query_parameter_is_never_a_server_error(admin_client):
    answers, errors = {}, []
    for path, name in LISTS:
        response = admin_client.get(path, {name: NUL_TEXT})
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            errors.append(f"GET {path}?{name}=…NUL… → {response.status_code}")
    report("nul_characters", sweep="query parameters", probes=len(LISTS), answers=answers)
    assert not errors, "\n".join(errors)


def test_nul_in_every_text_field_of_a_create_is_refused_with_a_message(admin_client):
    answers, errors = {}, []
    for path in CREATES:
        content = dict(operations("post"))[path]["requestBody"]["content"]["application/json"]["schema"]
        properties = resolve(content).get("properties", {})
        body = {name: value for name, prop in properties.items() if (value := nul_value(prop)) is not None}
        response = admin_client.post(path, body, format="json")
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        if response.status_code >= 500 or (response.status_code == 400 and not response.json()):
            errors.append(f"POST {path} {sorted(body)} → {response.status_code}")
    report("nul_characters", sweep="create bodies", probes=len(CREATES), answers=answers)
    assert not errors, "\n".join(errors)
