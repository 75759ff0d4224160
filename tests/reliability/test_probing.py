"""A systematic sweep: everyone probing everyone else's objects answers 404, through every route.

The routes come from the API's own schema (drf-spectacular's SchemaGenerator), so an endpoint added
later is probed with no change here; a path parameter nothing here can fill fails the sweep until it
is named in matrix_support. Several estates are built, each a town with its officer, its manager,
an enterprise with its user and every kind of object around them. Then:

- every enterprise's token against every other estate's objects: 404 on every route and method;
- every town's officer and manager (with tokens) against every other town's objects: 404, but for
  the district-wide reference data all staff share (signing events, stage types, dimensions);
- nested routes with one's own parent and another's child (and the reverse): 404;
- the pages of another town's objects, for its officers and managers: 404.

tests/api/test_enterprise_isolation.py and the permission matrices probe one estate from one
outsider with the URL configuration's routes; this sweep multiplies the estates and the probers and
counts the probes for docs/reliability.md. RELIABILITY_SCALE=full: four estates and all five methods
on every route (an undeclared method must answer 405, whoever's the id); quick: two estates and the
declared methods.
"""

import datetime
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Role
from companies import services as company_services
from exports import services as export_services
from exports import tasks as export_tasks
from imports import services as import_services
from notifications.models import Notification
from notifications.services import notify
from projects import services as project_services
from projects.models import AssessmentDimension
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f
from tests.api.matrix_support import KWARG_OWNERS, METHODS, PDF, PK_OWNERS, UNLIMITED, api_endpoints
from tests.imports.workbooks import project_rows, upload, workbook_bytes
from tests.pages.test_page_matrix import EXPECTED as PAGE_EXPECTED
from tests.pages.test_page_matrix import url_for as page_url

from . import full_scale, report

pytestmark = pytest.mark.django_db

TOWNS = ["安亭镇", "南翔镇", "马陆镇", "江桥镇"][: 4 if full_scale() else 2]
# District-wide reference data every member of staff reads: an officer of another town sees it.
SHARED = {"event", "dimension", "stage_type"}
API = "/api/v1/"


# --- The routes, from the schema --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    template: str  # relative to /api/v1/, parameters as {name}
    declared: frozenset  # the methods the schema documents
    uploads: frozenset  # methods whose body is multipart only

    @property
    def params(self) -> tuple:
        return tuple(re.findall(r"{(\w+)}", self.template))

    def owner(self, param: str) -> str:
        """The kind of object a parameter names: {id} by the collection before it."""
        if param == "token_key":
            return "token"
        if param == "id":
            collection = self.template.split("{id}")[0].rstrip("/").rsplit("/", 1)[-1]
            return PK_OWNERS[collection]
        return KWARG_OWNERS[param]

    def kinds(self) -> set:
        return {self.owner(param) for param in self.params}

    def url(self, objects_for_param: dict) -> str:
        values = {}
        for param in self.params:
            obj = objects_for_param[param]
            values[param] = obj.token_key if param == "token_key" else obj.pk
        return API + self.template.format(**values)


def schema_routes() -> list[Route]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        declared, uploads = set(), set()
        for method, operation in operations.items():
            if method.upper() not in METHODS:
                continue
            declared.add(method.upper())
            content = operation.get("requestBody", {}).get("content", {})
            if content and "application/json" not in content:
                uploads.add(method.upper())
        routes.append(Route(path.removeprefix(API), frozenset(declared), frozenset(uploads)))
    return sorted(routes, key=lambda route: route.template)


ROUTES = schema_routes()


def methods_to_probe(route: Route):
    return METHODS if full_scale() else sorted(route.declared, key=METHODS.index)


# --- The estates ------------------------------------------------------------------------------


def build_estate(number: int, town_name: str, admin, event) -> dict:
    """A town with its staff and an enterprise with everything around it, as matrix_support builds
    enterprise A, for the `number`-th estate."""
    town = f.unit(town_name)
    officer = f.user(f"probe_officer_{number}", org_unit=town)
    manager = f.user(f"probe_manager_{number}", role=Role.MANAGER, org_unit=town)
    enterprise = f.enterprise(f"{town_name}探测{number}号精密部件有限公司", town=town, service_officer=officer)
    ent_user = f.user(f"probe_ent_{number}", role=Role.ENTERPRISE, enterprise=enterprise, org_unit=None)
    project = f.project(
        actor=officer,
        name=f"{town_name}探测项目{number}",
        enterprise=enterprise,
        leading_unit=town,
        town=town,
        officer=officer,
        signing_event=event,
        signed_on=f.date("2025-01-06"),
    )
    commitment = project_services.create_land_commitment(
        actor=officer, project=project, handed_over_on=f.date("2025-03-03"), start_within_months=6
    )
    request = request_services.submit_request(
        actor=ent_user,
        category=Category.objects.get(code="hiring"),
        title=f"探测诉求{number}",
        description="招聘",
        project=project,
    )
    export = export_services.request_export(actor=officer, kind="projects", filters={})
    export_tasks.run_export(export.pk)
    bad_sheet = workbook_bytes(project_rows([f"探测导入{number}", "探测投资方有限公司", "", "不详", "", "", ""]))
    dimension = AssessmentDimension.objects.order_by("order", "id").first()
    stage = project.stages.get(stage_type=project.current_stage)
    objects = {
        "enterprise": enterprise,
        "project": project,
        "stage": stage,
        "event": event,
        "target": project_services.create_annual_target(
            actor=admin, org_unit=town, year=2025, signed_investment=Decimal("50000.00")
        ),
        "commitment": commitment,
        "actual": project_services.add_land_actual(
            actor=officer, commitment=commitment, year=2025, output=Decimal("3000"), tax=Decimal("200"), jobs=40
        ),
        "dimension": dimension,
        "stage_type": stage.stage_type,
        "assessment": project_services.create_assessment(
            actor=officer, project=project, scores=[{"dimension": dimension, "score": Decimal("8")}]
        ),
        "document": project_services.add_project_document(
            actor=officer, project=project, upload=SimpleUploadedFile("许可证.pdf", PDF), title="许可证"
        ),
        "contact": company_services.create_contact(
            actor=officer, enterprise=enterprise, name=f"探测联系人{number}", mobile="13812345678", is_primary=True
        ),
        "visit": company_services.record_visit(
            actor=officer, enterprise=enterprise, project=project, visited_on=f.date("2025-02-10"), topic="走访"
        ),
        "request": request,
        "comment": request_services.add_comment(actor=ent_user, request=request, body=f"探测留言{number}"),
        "attachment": request_services.add_attachment(
            actor=ent_user, request=request, upload=SimpleUploadedFile("执照.pdf", PDF)
        ),
        "notification": notify(officer, Notification.Kind.SYSTEM, f"探测通知{number}"),
        "export": export,
        "import_job": import_services.start_import(
            actor=officer, upload=upload(bad_sheet), kind="projects", dry_run=True
        ),
        "token": AuthToken.objects.create(ent_user, expiry=datetime.timedelta(days=1))[0],
    }
    return {
        "town": town,
        "people": {"officer": officer, "manager": manager, "enterprise": ent_user},
        "objects": objects,
    }


@pytest.fixture
def estates(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for name in ("API_RATE_STAFF", "API_RATE_ENTERPRISE", "API_RATE_ANONYMOUS", "API_RATE_LOGIN"):
        setattr(settings, name, UNLIMITED)
    f.district()
    admin = f.user("probe_admin", role=Role.ADMIN, org_unit=None, is_superuser=True, is_staff=True)
    event = project_services.create_signing_event(actor=admin, name="探测签约活动", date=f.date("2025-01-06"))
    return [build_estate(number, town, admin, event) for number, town in enumerate(TOWNS, start=1)]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


# --- Probing ----------------------------------------------------------------------------------


class Sweep:
    def __init__(self):
        self.answers = Counter()
        self.wrong = []
        self.readable_own = 0  # GET routes where the prober reads its own object: its 404s are real refusals

    def control(self, client, route: Route, own_url: str):
        """A 404 means something only if the same prober reads its own object at that route."""
        if "GET" in route.declared:
            response = client.get(own_url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            self.readable_own += response.status_code == 200

    def probe(self, client, route: Route, url: str, method: str, label: str):
        expected = 404 if method in route.declared else 405
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            else:
                body_format = "multipart" if method in route.uploads else "json"
                response = getattr(client, method.lower())(url, {}, format=body_format)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
        self.answers[response.status_code] += 1
        if response.status_code != expected:
            self.wrong.append(f"{label}: {method} {url} → {response.status_code}, expected {expected}")

    @property
    def count(self) -> int:
        return sum(self.answers.values())

    def report(self, name: str):
        report(
            "probing",
            sweep=name,
            probes=self.count,
            answers=dict(sorted(self.answers.items())),
            wrong=len(self.wrong),
            routes_readable_on_own_objects=self.readable_own,
        )


def foreign_pairs(estates):
    return [(mine, theirs) for mine, theirs in itertools.permutations(estates, 2)]


def swept_routes(shared_ok: bool):
    """The routes with objects to probe; staff see the district-wide data, so it is left out for them."""
    return [route for route in ROUTES if not (shared_ok and route.kinds() <= SHARED)]


def test_the_schema_covers_every_object_route_of_the_url_conf():
    from_url_conf = {endpoint.template for endpoint in api_endpoints() if endpoint.kwargs}
    normalized = {re.sub(r"{pk}", "{id}", template) for template in from_url_conf}
    assert normalized <= {route.template for route in ROUTES}, normalized - {route.template for route in ROUTES}
    for route in ROUTES:
        route.kinds()  # a KeyError names a parameter no object fills: add it to matrix_support
    assert len(ROUTES) >= 40


def test_every_enterprise_token_gets_404_for_every_other_estates_objects(estates):
    sweep = Sweep()
    for mine, theirs in foreign_pairs(estates):
        client = token_client(mine["people"]["enterprise"])
        for route in ROUTES:
            sweep.control(client, route, route.url({p: mine["objects"][route.owner(p)] for p in route.params}))
            url = route.url({param: theirs["objects"][route.owner(param)] for param in route.params})
            for method in methods_to_probe(route):
                sweep.probe(client, route, url, method, f"enterprise of {mine['town']} on {theirs['town']}")
    sweep.report("enterprise tokens → other enterprises' objects")
    assert sweep.count >= len(ROUTES) * len(foreign_pairs(estates))
    assert sweep.readable_own >= 10 * len(foreign_pairs(estates))  # its project, request, files... are read
    assert not sweep.wrong, "\n".join(sweep.wrong)


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_town_staff_get_404_for_every_other_towns_objects(role, estates):
    sweep = Sweep()
    for mine, theirs in foreign_pairs(estates):
        client = token_client(mine["people"][role])
        for route in swept_routes(shared_ok=True):
            sweep.control(client, route, route.url({p: mine["objects"][route.owner(p)] for p in route.params}))
            objects = {param: theirs["objects"][route.owner(param)] for param in route.params}
            for method in methods_to_probe(route):
                sweep.probe(client, route, route.url(objects), method, f"{role} of {mine['town']} on {theirs['town']}")
    sweep.report(f"town {role}s → other towns' objects")
    assert sweep.readable_own >= 20 * len(foreign_pairs(estates))
    assert not sweep.wrong, "\n".join(sweep.wrong)


@pytest.mark.parametrize("role", ["enterprise", "officer", "manager"])
def test_a_foreign_child_under_an_own_parent_is_404_and_the_reverse(role, estates):
    """/projects/<mine>/documents/<theirs>/: the parent's visibility must not lend the child any."""
    nested = [route for route in ROUTES if len(route.params) == 2 and route.params[0] != "id"]
    assert nested, "no nested routes in the schema"
    sweep = Sweep()
    for mine, theirs in foreign_pairs(estates):
        client = token_client(mine["people"][role])
        for route in nested:
            parent, child = route.params
            sweep.control(client, route, route.url({p: mine["objects"][route.owner(p)] for p in route.params}))
            for parent_from, child_from in ((mine, theirs), (theirs, mine)):
                objects = {
                    parent: parent_from["objects"][route.owner(parent)],
                    child: child_from["objects"][route.owner(child)],
                }
                for method in methods_to_probe(route):
                    sweep.probe(client, route, route.url(objects), method, f"{role} of {mine['town']}")
    sweep.report(f"{role}s → nested routes with a foreign parent or child")
    assert sweep.readable_own >= 2 * len(foreign_pairs(estates))
    assert not sweep.wrong, "\n".join(sweep.wrong)


PAGE_OBJECT_ROUTES = sorted(
    (template, method) for template, method in PAGE_EXPECTED if "{" in template and not template.startswith("signing-")
)


@pytest.mark.parametrize("role", ["officer", "manager"])
def test_town_staff_get_404_for_the_pages_of_other_towns_objects(role, estates):
    answers, wrong, readable_own = Counter(), [], 0
    for mine, theirs in foreign_pairs(estates):
        client = Client(raise_request_exception=False)
        client.force_login(mine["people"][role])
        for template, method in PAGE_OBJECT_ROUTES:
            if method == "GET":
                own = client.get(page_url(template, mine["objects"]))
                readable_own += own.status_code == 200
            url = page_url(template, theirs["objects"])
            with transaction.atomic():
                response = client.get(url) if method == "GET" else client.post(url, {})
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
                transaction.set_rollback(True)
            answers[response.status_code] += 1
            if response.status_code != 404:
                wrong.append(f"{role} of {mine['town']}: {method} {url} → {response.status_code}")
    report(
        "probing",
        sweep=f"town {role}s → pages of other towns' objects",
        probes=sum(answers.values()),
        answers=dict(answers),
        wrong=len(wrong),
        routes_readable_on_own_objects=readable_own,
    )
    assert len(PAGE_OBJECT_ROUTES) >= 40
    assert readable_own >= 8 * len(foreign_pairs(estates))
    assert not wrong, "\n".join(wrong)
