"""The limit of the project list API figure: bench.minimal_wsgi, given the statements our API sends,
answers our API's body byte for byte, and our API sends as many statements for one project as for
three. Needs PostgreSQL (the captured SQL is PostgreSQL's)."""

from decimal import Decimal

import pytest
from knox.models import AuthToken

from accounts.models import Role
from bench import api_figure, minimal_wsgi
from companies.models import IndustryChain
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def manager_token(on_postgres):
    manager = f.user(role=Role.MANAGER, org_unit=f.district(), display_name="区经理")
    _, token = AuthToken.objects.create(manager)
    return manager, token


def _projects(count, **fields):
    officer = f.user(first_name="明", last_name="李")
    medical = IndustryChain.objects.get(code="medical")
    return [
        f.project(
            industry_chain=medical,
            officer=officer,
            team=[officer],
            signed_on=f.date(f"2025-0{n + 1}-15"),
            fixed_asset_investment=Decimal("3000.50"),
            land_area=Decimal("45.00"),
            **fields,
        )
        for n in range(count)
    ]


def _minimal_body(spec, token, query, connection):
    minimal_wsgi._spec = spec
    minimal_wsgi._connection = connection.connection  # the test's transaction, so that it sees its rows
    answered = {}
    environ = {
        "PATH_INFO": api_figure.PATH,
        "QUERY_STRING": query,
        "HTTP_HOST": api_figure.HOST,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.url_scheme": "http",
    }
    try:
        body = b"".join(minimal_wsgi.application(environ, lambda status, headers: answered.update(status=status)))
    finally:
        minimal_wsgi._spec = minimal_wsgi._connection = None
    return answered["status"], body


def test_the_minimal_endpoint_answers_our_body(manager_token, on_postgres, monkeypatch):
    monkeypatch.setattr(api_figure, "PAGE_SIZE", 2)  # a next page, so that its link is compared too
    manager, token = manager_token
    projects = _projects(3)
    filters = {"industry_chain": "medical", "stage": projects[0].current_stage.code}

    spec, ours = api_figure.minimal_spec("unused", manager, token, filters)
    status, minimal = _minimal_body(spec, token, api_figure.query_string(filters), on_postgres)

    assert status == "200 OK"
    assert minimal == ours
    assert b'"next":"https://localhost/api/v1/projects/?' in ours


def test_the_minimal_endpoint_refuses_another_token(manager_token, on_postgres):
    manager, token = manager_token
    projects = _projects(1)
    filters = {"industry_chain": "medical", "stage": projects[0].current_stage.code}
    spec, _ = api_figure.minimal_spec("unused", manager, token, filters)

    status, _ = _minimal_body(spec, token[:-1] + "x", api_figure.query_string(filters), on_postgres)

    assert status == "401 Unauthorized"


def test_our_api_sends_as_many_statements_for_one_project_as_for_three(manager_token):
    _, token = manager_token
    one = _projects(1)[0]
    filters = {"industry_chain": "medical", "stage": one.current_stage.code}
    for_one, _ = api_figure.captured_request(token, api_figure.query_string(filters))
    _projects(2)
    for_three, body = api_figure.captured_request(token, api_figure.query_string(filters))

    assert b'"count":3' in body
    assert len(for_three) == len(for_one)
