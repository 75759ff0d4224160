"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets generated requests, valid and invalid; the answer must never be a server error
and must match the schema. Bounded: a fixed number of examples per operation, derandomised.
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import Role
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
app = get_wsgi_application()


@pytest.fixture
def _keep_test_connection():
    """The WSGI app closes old connections after each request, as Django's test client keeps from
    doing: it would close the connection that holds the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, settings, _keep_test_connection):
    settings.API_RATE_STAFF = "100000/min"
    anting = f.unit("安亭镇")
    admin = f.user("schema_admin", role=Role.ADMIN, org_unit=None, is_superuser=True, is_staff=True)
    officer = f.user("schema_officer", org_unit=anting)
    ent = f.enterprise("安亭测试企业有限公司", town=anting, uscc="91310114570796872F")
    f.project(actor=officer, enterprise=ent, officer=officer, signed_on=f.date("2025-01-06"))
    return AuthToken.objects.create(admin)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_errors_and_matches_its_schema(case, token):
    response = case.call(app=app, headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
