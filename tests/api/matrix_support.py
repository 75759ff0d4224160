"""The API's endpoints as the URL configuration declares them, a small world of objects of 安亭镇's
enterprise A, and how an answer is sent and classified: shared by the permission matrix and the
enterprise isolation tests."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.parsers import JSONParser
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
from tests.imports.workbooks import project_rows, workbook_bytes
from tests.imports.workbooks import upload as workbook_upload

API_PREFIX = "api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = (
    "anonymous",
    "enterprise_own",
    "enterprise_other",
    "officer_in",
    "officer_out",
    "town_manager",
    "district_manager",
    "admin",
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UNLIMITED = "100000/min"


# --- Endpoints from the URL configuration ------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    template: str  # relative to /api/v1/, path parameters as {name}
    method: str
    view_class: type
    offered: bool  # False: the router maps the method but the view refuses it (405)

    @property
    def kwargs(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.template))

    @property
    def takes_upload(self) -> bool:
        """Views that parse only forms and multipart bodies (file uploads) are sent an empty multipart body."""
        parsers = getattr(self.view_class, "parser_classes", None) or []
        return not any(issubclass(p, JSONParser) for p in parsers)

    def __str__(self):
        return f"{self.method} {self.template}"


def _template(route: str) -> str:
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_endpoints() -> list[Endpoint]:
    """Every (route, method) under /api/v1/: a viewset's router actions, an APIView's handlers."""
    found = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        template = _template(route[len(API_PREFIX) :])
        actions = getattr(callback, "actions", None)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if actions is not None:
            allowed = set(view_class.http_method_names)
            methods = {m.upper(): m in allowed for m in actions}
        else:
            methods = {m.upper(): True for m in view_class.http_method_names if hasattr(view_class, m)}
        for method, offered in methods.items():
            if method in METHODS:
                found[(template, method)] = Endpoint(template, method, view_class, offered)
    return sorted(found.values(), key=lambda e: (e.template, METHODS.index(e.method)))


# --- The world ---------------------------------------------------------------------------------


def build_world(settings, media_root) -> dict:
    """Units 区 → 安亭镇, 南翔镇; enterprise A of 安亭镇 with everything around it; enterprise B of 南翔镇.

    Every object named here belongs to 安亭镇 or to enterprise A.
    """
    settings.MEDIA_ROOT = media_root
    for name in ("API_RATE_STAFF", "API_RATE_ENTERPRISE", "API_RATE_ANONYMOUS", "API_RATE_LOGIN"):
        setattr(settings, name, UNLIMITED)

    district = f.district()
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    officer_in = f.user("m_officer_in", org_unit=anting)
    officer_out = f.user("m_officer_out", org_unit=nanxiang)
    users = {
        "officer_in": officer_in,
        "officer_out": officer_out,
        "town_manager": f.user("m_town_manager", role=Role.MANAGER, org_unit=anting),
        "district_manager": f.user("m_district_manager", role=Role.MANAGER, org_unit=district),
        "admin": f.user("m_admin", role=Role.ADMIN, org_unit=None, is_superuser=True, is_staff=True),
    }
    admin = users["admin"]
    enterprise = f.enterprise(
        "安亭矩阵汽车电子有限公司", town=anting, service_officer=officer_in, uscc="91310114570796872F"
    )
    other_enterprise = f.enterprise("南翔矩阵精密机械有限公司", town=nanxiang)
    users["enterprise_own"] = f.user("m_ent_own", role=Role.ENTERPRISE, enterprise=enterprise, org_unit=None)
    users["enterprise_other"] = f.user("m_ent_other", role=Role.ENTERPRISE, enterprise=other_enterprise, org_unit=None)
    ent_user = users["enterprise_own"]

    event = project_services.create_signing_event(actor=admin, name="矩阵测试签约活动", date=f.date("2025-01-06"))
    project = f.project(
        actor=officer_in,
        name="安亭矩阵汽车电子项目",
        enterprise=enterprise,
        leading_unit=anting,
        town=anting,
        officer=officer_in,
        signing_event=event,
        signed_on=f.date("2025-01-06"),
    )
    stage = project.stages.get(stage_type=project.current_stage)
    target = project_services.create_annual_target(
        actor=admin, org_unit=anting, year=2025, signed_investment=Decimal("50000.00")
    )
    commitment = project_services.create_land_commitment(
        actor=officer_in, project=project, handed_over_on=f.date("2025-03-03"), start_within_months=6
    )
    actual = project_services.add_land_actual(
        actor=officer_in, commitment=commitment, year=2025, output=Decimal("3000.00"), tax=Decimal("200.00"), jobs=40
    )
    dimension = AssessmentDimension.objects.order_by("order", "id").first()
    assessment = project_services.create_assessment(
        actor=officer_in, project=project, scores=[{"dimension": dimension, "score": Decimal("8")}]
    )
    document = project_services.add_project_document(
        actor=officer_in, project=project, upload=SimpleUploadedFile("施工许可证.pdf", PDF), title="施工许可证"
    )
    contact = company_services.create_contact(
        actor=officer_in, enterprise=enterprise, name="矩阵联系人", mobile="13812345678", is_primary=True
    )
    visit = company_services.record_visit(
        actor=officer_in,
        enterprise=enterprise,
        project=project,
        visited_on=f.date("2025-02-10"),
        topic="矩阵走访：扩产用地",
        next_step="协调供地",
        next_step_due_on=f.date("2025-03-10"),
    )
    request = request_services.submit_request(
        actor=ent_user,
        category=Category.objects.get(code="hiring"),
        title="矩阵诉求：招聘技术工人",
        description="需要30名数控操作工",
        project=project,
    )
    comment = request_services.add_comment(actor=ent_user, request=request, body="矩阵留言：请尽快受理")
    attachment = request_services.add_attachment(
        actor=ent_user, request=request, upload=SimpleUploadedFile("营业执照.pdf", PDF)
    )
    notification = notify(officer_in, Notification.Kind.SYSTEM, "矩阵通知")
    export = export_services.request_export(actor=officer_in, kind="projects", filters={})
    export_tasks.run_export(export.pk)  # run here as a worker would: the download has a file to serve
    # A dry run of a sheet with a bad row: the job has a marked workbook to serve.
    bad_sheet = workbook_bytes(project_rows(["矩阵导入项目", "矩阵导入投资方有限公司", "", "不详", "", "", ""]))
    import_job = import_services.start_import(
        actor=officer_in, upload=workbook_upload(bad_sheet), kind="projects", dry_run=True
    )
    token, _key = AuthToken.objects.create(ent_user, expiry=datetime.timedelta(days=1))
    objects = {
        "enterprise": enterprise,
        "other_enterprise": other_enterprise,
        "project": project,
        "stage": stage,
        "event": event,
        "target": target,
        "commitment": commitment,
        "actual": actual,
        "dimension": dimension,
        "stage_type": stage.stage_type,
        "assessment": assessment,
        "document": document,
        "contact": contact,
        "visit": visit,
        "request": request,
        "comment": comment,
        "attachment": attachment,
        "notification": notification,
        "export": export,
        "import_job": import_job,
        "token": token,
        "anting": anting,
        "nanxiang": nanxiang,
    }
    return {"users": {"anonymous": None, **users}, "objects": objects}


# The object a path parameter names: {pk} by the collection just before it, the others by their name.
PK_OWNERS = {
    "projects": "project",
    "stages": "stage",
    "signing-events": "event",
    "annual-targets": "target",
    "land-commitments": "commitment",
    "actuals": "actual",
    "assessment-dimensions": "dimension",
    "assessments": "assessment",
    "stage-types": "stage_type",
    "documents": "document",
    "enterprises": "enterprise",
    "contacts": "contact",
    "visits": "visit",
    "service-requests": "request",
    "comments": "comment",
    "attachments": "attachment",
    "notifications": "notification",
    "exports": "export",
    "imports": "import_job",
}
KWARG_OWNERS = {"project_pk": "project", "commitment_pk": "commitment", "request_pk": "request"}


def path_kwargs(endpoint: Endpoint, objects: dict) -> dict:
    values = {}
    for name in endpoint.kwargs:
        if name == "token_key":
            values[name] = objects["token"].token_key
            continue
        if name == "pk":
            collection = endpoint.template.split("{pk}")[0].rstrip("/").rsplit("/", 1)[-1]
            owner = PK_OWNERS.get(collection)
        else:
            owner = KWARG_OWNERS.get(name)
        if owner is None:
            raise LookupError(f"{endpoint}: no object of the world fills {{{name}}}; add one to matrix_support")
        values[name] = objects[owner].pk
    return values


def url_for(endpoint: Endpoint, objects: dict) -> str:
    return "/" + API_PREFIX + endpoint.template.format(**path_kwargs(endpoint, objects))


# --- Sending and classifying --------------------------------------------------------------------


def client_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def send(client: APIClient, endpoint: Endpoint, url: str, method: str | None = None):
    """The request with an empty body: JSON for writes, multipart for upload endpoints."""
    method = (method or endpoint.method).lower()
    if method == "get":
        return client.get(url)
    body_format = "multipart" if endpoint.takes_upload else "json"
    return getattr(client, method)(url, {}, format=body_format)


def classify(status: int) -> str:
    """ "ok" when the permission checks passed (a 2xx, or a 400/409/412 on the empty body)."""
    if 200 <= status < 300 or status in (400, 409, 412):
        return "ok"
    return str(status)


def answer(client: APIClient, endpoint: Endpoint, url: str, method: str | None = None) -> tuple[str, str]:
    """(class, detail): a view that raises gives "500" with the exception named."""
    try:
        response = send(client, endpoint, url, method)
    except Exception as exc:  # noqa: BLE001 - an unhandled exception is a 500 to report, not to crash on
        return "500", f"{type(exc).__name__}: {exc}"[:200]
    if getattr(response, "streaming", False):
        # Consumed through the test client's wrapper, which closes the file without closing the
        # database connection (a bare response.close() would end the connection mid-transaction).
        b"".join(response.streaming_content)
    return classify(response.status_code), f"{response.status_code} {_detail(response)}"


def _detail(response) -> str:
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False) or "json" not in content_type:
        return content_type
    return response.content.decode("utf-8", "replace")[:160]
