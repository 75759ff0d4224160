from decimal import Decimal

import pytest

from accounts.models import Role
from projects.models import ProjectStage
from projects.selectors import visible_projects
from reports.selectors import pipeline_report
from tests import factories as f
from tests.reports.builders import build_pipeline, finish, skip, stage, today_is

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_token_login_then_token_requests(api, world):
    world["officer"].set_password("s3cret-pass-123")
    world["officer"].save()
    answer = api.post("/api/v1/auth/token/", {"username": "officer_a", "password": "s3cret-pass-123"}, format="json")
    assert answer.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    listing = api.get("/api/v1/projects/")
    assert listing.status_code == 200
    assert [p["name"] for p in listing.json()["results"]] == [world["anting_project"].name]
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/projects/").status_code == 401


def test_wrong_password_is_a_clear_400_and_repeated_failures_lock_out(api, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        answer = api.post("/api/v1/auth/token/", {"username": "officer_a", "password": "wrong"}, format="json")
    assert answer.status_code in (400, 429)
    world["officer"].set_password("right-pass-123")
    world["officer"].save()
    locked = api.post("/api/v1/auth/token/", {"username": "officer_a", "password": "right-pass-123"}, format="json")
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"] and int(locked["Retry-After"]) > 0


def test_list_has_contract_fields_and_filters(world):
    client = client_for(world["manager"])
    body = client.get("/api/v1/projects/", {"town": world["anting"].pk}).json()
    assert body["count"] == 1 and {"count", "next", "previous", "results"} <= set(body)
    item = body["results"][0]
    for field in [
        "id",
        "code",
        "name",
        "enterprise",
        "total_investment",
        "signed_on",
        "town",
        "stage",
        "status",
        "notes",
    ]:
        assert field in item
    assert item["total_investment"] == "10000.00" and item["signed_on"] == "2025-01-06" and item["stage"] == "admission"
    assert client.get("/api/v1/projects/", {"q": "91310114570796872F"}).json()["count"] == 1
    assert client.get("/api/v1/projects/", {"q": "安亭样例"}).json()["count"] == 1
    assert client.get("/api/v1/projects/", {"overdue": "true"}).json()["count"] == 2
    assert client.get("/api/v1/projects/", {"signed_after": "2025-02-01"}).json()["count"] == 1
    assert client.get("/api/v1/projects/", {"status": "bogus"}).status_code == 400
    ordered = client.get("/api/v1/projects/", {"ordering": "signed_on"}).json()["results"]
    assert [p["signed_on"] for p in ordered] == ["2025-01-06", "2025-03-03"]


def test_officer_creates_a_project_and_foreign_keys_outside_scope_are_refused(world):
    client = client_for(world["officer"])
    payload = {
        "name": "新能源电驱系统项目",
        "enterprise": world["enterprise"].pk,
        "leading_unit": world["anting"].pk,
        "town": world["anting"].pk,
        "total_investment": "25000.50",
        "signed_on": "2025-06-03",
        "industry_chain": "auto",
    }
    created = client.post("/api/v1/projects/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["code"].startswith("JD-2025-") and created.json()["stage"] == "admission"
    outside = client.post("/api/v1/projects/", {**payload, "leading_unit": world["nanxiang"].pk}, format="json")
    assert outside.status_code == 400 and "leading_unit" in outside.json()
    other_enterprise = f.enterprise("南翔的企业有限公司", town=world["nanxiang"])
    outside = client.post("/api/v1/projects/", {**payload, "enterprise": other_enterprise.pk}, format="json")
    assert outside.status_code == 400 and "不在您的范围内" in outside.json()["enterprise"][0]
    bad = client.post("/api/v1/projects/", {**payload, "total_investment": "-5"}, format="json")
    assert bad.status_code == 400


def test_stale_updates_are_refused(world):
    client = client_for(world["officer"])
    url = f"/api/v1/projects/{world['anting_project'].pk}/"
    first = client.get(url)
    etag = first["ETag"]
    assert (
        client.patch(url, {"notes": "第一次修改", "version": 1}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    stale_etag = client.patch(url, {"notes": "基于旧副本"}, format="json", HTTP_IF_MATCH=etag)
    assert stale_etag.status_code == 412
    stale_version = client.patch(url, {"notes": "基于旧副本", "version": 1}, format="json")
    assert stale_version.status_code == 409 and "已被他人修改" in stale_version.json()["detail"]
    assert client.get(url).json()["notes"] == "第一次修改"


def test_stage_actions_with_missing_facts_and_history(world):
    client = client_for(world["officer"])
    project = world["anting_project"]
    stages = {s["code"]: s for s in client.get(f"/api/v1/projects/{project.pk}/stages/").json()}
    base = f"/api/v1/projects/{project.pk}/stages"
    assert (
        client.post(
            f"{base}/{stages['admission']['id']}/finish/", {"finished_on": "2025-02-10"}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{base}/{stages['registration']['id']}/finish/", {"finished_on": "2025-03-10"}, format="json"
        ).status_code
        == 200
    )
    missing = client.post(f"{base}/{stages['land']['id']}/finish/", {"finished_on": "2025-05-06"}, format="json")
    assert missing.status_code == 400
    assert [m["field"] for m in missing.json()["missing_facts"]] == ["land_area", "land_supply_mode"]
    assert "用地面积" in missing.json()["detail"]
    assert client.post(f"{base}/{stages['land']['id']}/skip/", {}, format="json").status_code == 400
    reopen = client.post(f"{base}/{stages['admission']['id']}/reopen/", {"reason": "材料有误"}, format="json")
    assert reopen.status_code == 403
    manager = client_for(world["manager"])
    assert (
        manager.post(f"{base}/{stages['admission']['id']}/reopen/", {"reason": "材料有误"}, format="json").status_code
        == 200
    )
    assert ProjectStage.objects.get(pk=stages["admission"]["id"]).status == "in_progress"

    history = client.get(f"/api/v1/projects/{project.pk}/history/").json()
    assert history["count"] >= 1 and history["results"][0]["user"] is not None


def test_not_visible_is_404_and_visible_but_not_allowed_is_403(world):
    officer = client_for(world["officer"])
    assert officer.get(f"/api/v1/projects/{world['nanxiang_project'].pk}/").status_code == 404
    assert (
        officer.post(
            f"/api/v1/projects/{world['anting_project'].pk}/reassign/", {"officer": world["officer"].pk}, format="json"
        ).status_code
        == 403
    )
    enterprise = client_for(world["ent_user"])
    assert enterprise.get(f"/api/v1/projects/{world['anting_project'].pk}/").status_code == 200
    assert (
        enterprise.patch(f"/api/v1/projects/{world['anting_project'].pk}/", {"notes": "x"}, format="json").status_code
        == 403
    )
    assert enterprise.get(f"/api/v1/projects/{world['nanxiang_project'].pk}/").status_code == 404


@pytest.fixture
def pipeline(db):
    """tests/reports/builders.py's P1-P6, and P7 whose landing stage (注册落地) was skipped, nothing after it done."""
    data = build_pipeline()
    officer = data["officer"]
    p7 = f.project(
        actor=officer,
        name="跳过注册落地的项目",
        officer=officer,
        signed_on=f.date("2025-03-03"),
        fixed_asset_investment=Decimal("3000"),
    )
    finish(p7, officer, admission="2025-04-07")
    skip(p7, officer, "registration", "2025-04-07", "已在区内注册")
    data["projects"].append(p7)
    data["manager"] = f.user("passed_manager", role=Role.MANAGER, org_unit=f.district())
    with today_is(f.date("2025-12-31")):
        yield data


def test_passed_filter_lists_exactly_the_projects_the_pipeline_report_counts(pipeline):
    p1, p2, _p3, p4, _p5, p6, p7 = pipeline["projects"]
    assert stage(p7, "registration").status == ProjectStage.Status.SKIPPED
    client = client_for(pipeline["manager"])
    total = pipeline_report(visible_projects(pipeline["manager"]))["total"]
    # P1, P2 finished 注册落地; P4 skipped it but finished 供地 after it. P7 skipped it only; P3, P5 never got there.
    expected = {
        "landed": ({p1, p2, p4, p6}, total["landed_count"]),
        "construction": ({p1, p6}, total["construction_started_count"]),
        "production": ({p6}, total["in_production_count"]),
    }
    for passed, (projects, counted) in expected.items():
        body = client.get("/api/v1/projects/", {"passed": passed, "page_size": 100}).json()
        assert {item["id"] for item in body["results"]} == {project.pk for project in projects}, passed
        assert body["count"] == counted == len(projects)
    assert client.get("/api/v1/projects/", {"passed": ""}).json()["count"] == 7

    bad = client.get("/api/v1/projects/", {"passed": "completion"})
    assert bad.status_code == 400 and "passed" in bad.json()
