"""Signing events, annual targets, land-use commitments, assessments, stage types and project documents."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import OrgUnit, Role
from projects.models import LandCommitment, Project, ProjectDocument, SigningEvent
from tests import factories as f
from tests.reports.builders import build_pipeline, stage, today_is

from .conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def count_queries(client, url, params=None):
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url, params or {})
    assert answer.status_code == 200, answer.json()
    return len(queries)


@pytest.fixture
def planning(db):
    """The pipeline fixture (see tests/api/test_pipeline_report.py), P1, P2 and P6 signed at one event."""
    event = SigningEvent.objects.create(name="2025年嘉定区投资促进大会", date=f.date("2025-01-06"), location="嘉定")
    data = build_pipeline(event=event)
    data["event"] = event
    data["manager"] = f.user("planning_manager", role=Role.MANAGER, org_unit=f.district())
    data["admin"] = f.user("planning_admin", role=Role.ADMIN, org_unit=None)
    p1 = data["projects"][0]
    data["ent_user"] = f.user("planning_ent", role=Role.ENTERPRISE, enterprise=p1.enterprise, org_unit=None)
    return data


# --- Signing events ---------------------------------------------------------------------------


def test_signing_event_totals_and_progress(planning):
    empty = SigningEvent.objects.create(name="2025年线上云签约", date=f.date("2025-03-11"), is_online=True)
    client = client_for(planning["officer"])
    body = client.get("/api/v1/signing-events/").json()
    assert body["count"] == 2
    event = client.get(f"/api/v1/signing-events/{planning['event'].pk}/").json()
    # P1 (10000), P2 (20000) and P6 (20000); landed P1 P2 P6, started P1 P6, producing P6.
    assert (event["name"], event["date"], event["project_count"], event["total_investment"]) == (
        "2025年嘉定区投资促进大会",
        "2025-01-06",
        3,
        "50000.00",
    )
    assert (event["landed"], event["construction_started"], event["in_production"]) == (3, 2, 1)
    assert event["location"] == "嘉定" and event["is_online"] is False
    # The officer of 安亭镇 does not see P6, yet an event's published totals are the event's own.
    assert event["project_count"] == 3
    online = client.get(f"/api/v1/signing-events/{empty.pk}/").json()
    assert (online["project_count"], online["total_investment"], online["landed"]) == (0, "0.00", 0)
    assert [e["id"] for e in client.get("/api/v1/signing-events/", {"is_online": "true"}).json()["results"]] == [
        empty.pk
    ]
    assert client.get("/api/v1/signing-events/", {"year": 2024}).json()["count"] == 0
    assert client.get("/api/v1/signing-events/", {"year": 99999}).status_code == 400
    ordered = client.get("/api/v1/signing-events/", {"ordering": "date"}).json()["results"]
    assert [e["date"] for e in ordered] == ["2025-01-06", "2025-03-11"]


def test_signing_events_are_written_by_managers_and_hidden_from_enterprises(planning):
    payload = {"name": "2025年中国国际进口博览会嘉定专场", "date": "2025-11-06", "location": "国家会展中心"}
    denied = client_for(planning["officer"]).post("/api/v1/signing-events/", payload, format="json")
    assert denied.status_code == 403 and "管理人员" in denied.json()["detail"]
    manager = client_for(planning["manager"])
    created = manager.post("/api/v1/signing-events/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["project_count"] == 0 and created.json()["total_investment"] == "0.00"
    duplicate = manager.post("/api/v1/signing-events/", payload, format="json")
    assert duplicate.status_code == 400
    assert manager.post("/api/v1/signing-events/", {**payload, "date": "2025-02-30"}, format="json").status_code == 400
    assert manager.post("/api/v1/signing-events/", {**payload, "name": "长" * 201}, format="json").status_code == 400
    url = f"/api/v1/signing-events/{created.json()['id']}/"
    changed = manager.patch(url, {"is_online": True}, format="json")
    assert changed.status_code == 200 and changed.json()["is_online"] is True
    history = manager.get(url + "history/").json()
    assert history["count"] == 2 and history["results"][0]["user"] == "planning_manager"
    enterprise = client_for(planning["ent_user"])
    assert enterprise.get("/api/v1/signing-events/").json()["count"] == 0
    assert enterprise.get(url).status_code == 404


def test_signing_event_list_query_count_is_constant(planning):
    client = client_for(planning["manager"])
    few = count_queries(client, "/api/v1/signing-events/")
    officer = planning["officer"]
    for i in range(6):
        event = SigningEvent.objects.create(name=f"签约活动{i}", date=f.date("2025-06-03"))
        f.project(actor=officer, signing_event=event, signed_on=f.date("2025-06-03"))
    assert count_queries(client, "/api/v1/signing-events/") == few


# --- Annual targets ---------------------------------------------------------------------------


def test_annual_target_completion(planning):
    """安亭镇's and the district's 2025 targets, against the pipeline fixture plus P7.

    P7 lands in 安亭镇 but is led by a district company: a project counts once, for its leading body,
    so 安亭镇's figures leave it out and the district's include it.
    """
    soe = f.unit("嘉定区属国企", kind=OrgUnit.Kind.SOE, is_landing_area=False)
    f.project(
        actor=planning["manager"],
        leading_unit=soe,
        town=planning["anting"],
        total_investment=Decimal("8000"),
        signed_on=f.date("2025-06-03"),
    )
    manager = client_for(planning["manager"])
    anting = manager.post(
        "/api/v1/annual-targets/",
        {
            "org_unit": planning["anting"].pk,
            "year": 2025,
            "signed_investment": "100000",
            "signed_projects": 4,
            "funds_in_place": "50000",
            "construction_starts": 2,
        },
        format="json",
    )
    assert anting.status_code == 201, anting.json()
    body = anting.json()
    # 安亭镇 2025: P1 + P2 + P3 signed = 60000 of 100000; 3 of 4 projects; funds 4000+5000+30000 = 39000 of 50000;
    # construction finished in 2025: P1 (2025-09-15), 1 of 2; no production target.
    assert (body["signed_investment_done"], body["signed_investment_rate"]) == ("60000.00", "0.6000")
    assert (body["signed_projects_done"], body["signed_projects_rate"]) == (3, "0.7500")
    assert (body["funds_in_place_done"], body["funds_in_place_rate"]) == ("39000.00", "0.7800")
    assert (body["construction_starts_done"], body["construction_starts_rate"]) == (1, "0.5000")
    assert (body["production_starts_done"], body["production_starts_rate"]) == (0, None)

    district = manager.post(
        "/api/v1/annual-targets/",
        {"org_unit": f.district().pk, "year": 2025, "signed_investment": "200000", "production_starts": 1},
        format="json",
    ).json()
    # District 2025: P1-P5 (80000) + P7 (8000) = 88000 of 200000; 6 projects; funds 54000;
    # construction in 2025: P1 and P6 (2025-06-03, signed in 2024); production in 2025: P6 (2025-10-09).
    assert (district["signed_investment_done"], district["signed_investment_rate"]) == ("88000.00", "0.4400")
    assert (district["signed_projects_done"], district["funds_in_place_done"]) == (6, "54000.00")
    assert (district["construction_starts_done"], district["production_starts_done"]) == (2, 1)
    assert (district["production_starts_rate"], district["signed_projects_rate"]) == ("1.0000", None)

    # A town officer sees the town's target, not the district's; they may not write.
    officer = client_for(planning["officer"])
    assert [t["org_unit_name"] for t in officer.get("/api/v1/annual-targets/").json()["results"]] == ["安亭镇"]
    assert officer.get(f"/api/v1/annual-targets/{district['id']}/").status_code == 404
    denied = officer.patch(f"/api/v1/annual-targets/{body['id']}/", {"signed_projects": 9}, format="json")
    assert denied.status_code == 403
    assert client_for(planning["other"]).get("/api/v1/annual-targets/").json()["count"] == 0


def test_annual_target_rules(planning):
    manager = client_for(planning["manager"])
    payload = {"org_unit": planning["anting"].pk, "year": 2025, "signed_projects": 4}
    assert manager.post("/api/v1/annual-targets/", payload, format="json").status_code == 201
    assert manager.post("/api/v1/annual-targets/", payload, format="json").status_code == 400
    assert manager.post("/api/v1/annual-targets/", {**payload, "year": 1800}, format="json").status_code == 400
    assert manager.post("/api/v1/annual-targets/", {**payload, "year": 2026, "signed_projects": -1}).status_code == 400
    town_manager = client_for(f.user("planning_manager_a", role=Role.MANAGER, org_unit=planning["anting"]))
    outside = town_manager.post(
        "/api/v1/annual-targets/", {**payload, "org_unit": planning["nanxiang"].pk, "year": 2026}, format="json"
    )
    assert outside.status_code == 400 and "不在您的范围内" in outside.json()["org_unit"][0]
    target = manager.get("/api/v1/annual-targets/", {"year": 2025}).json()["results"][0]
    assert target["signed_projects_rate"] == "0.7500"
    assert (
        town_manager.patch(f"/api/v1/annual-targets/{target['id']}/", {"signed_projects": 3}).json()[
            "signed_projects_rate"
        ]
        == "1.0000"
    )


def test_annual_target_list_query_count_is_constant(planning):
    manager = client_for(planning["manager"])
    manager.post("/api/v1/annual-targets/", {"org_unit": planning["anting"].pk, "year": 2025}, format="json")
    few = count_queries(manager, "/api/v1/annual-targets/")
    for year in range(2020, 2025):
        for unit in (planning["anting"], planning["nanxiang"]):
            manager.post("/api/v1/annual-targets/", {"org_unit": unit.pk, "year": year}, format="json")
    for _ in range(3):
        f.project(actor=planning["officer"], signed_on=f.date("2024-06-03"))
    assert manager.get("/api/v1/annual-targets/").json()["count"] == 11
    assert count_queries(manager, "/api/v1/annual-targets/") == few


# --- Land-use commitments ---------------------------------------------------------------------


def commit(client, project, **fields):
    answer = client.post("/api/v1/land-commitments/", {"project": project.pk, **fields}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_land_commitment_gaps_and_behind_filter(planning):
    p1, p2, _p3, p4, _p5, p6 = planning["projects"]
    officer, other = client_for(planning["officer"]), client_for(planning["other"])
    # A: P1, 20 亩, handed over 2025-06-16. Start within 2 months (by 2025-08-16): started 2025-09-15, late.
    a = commit(
        officer,
        p1,
        contract_no="沪嘉规土(2025)出让合同第18号",
        handed_over_on="2025-06-16",
        start_within_months=2,
        complete_within_months=24,
        committed_output_per_mu="500",
        committed_tax_per_mu="50",
    )
    for year, output, tax in ((2024, "12000", "1500"), (2025, "8000", "1200")):
        url = f"/api/v1/land-commitments/{a['id']}/actuals/"
        assert officer.post(url, {"year": year, "output": output, "tax": tax, "jobs": 80}).status_code == 201
    # B: P6, 10 亩, handed over 2025-03-03: started 2025-06-03 (by 09-03), completed 09-01 (by 09-03),
    # producing 2025-10-09 (by 2025-11-03): all met; 2025 output 3500 = 350/亩 ≥ 300, tax 250 = 25/亩 ≥ 20.
    b = commit(
        other,
        p6,
        handed_over_on="2025-03-03",
        start_within_months=6,
        complete_within_months=6,
        production_within_months=8,
        full_production_within_months=60,
        committed_output_per_mu="300",
        committed_tax_per_mu="20",
    )
    other.post(f"/api/v1/land-commitments/{b['id']}/actuals/", {"year": 2025, "output": "3500", "tax": "250"})
    # C: P4, 15 亩, handed over 2025-07-01, to start within 3 months (by 2025-10-01): not started.
    c = commit(other, p4, handed_over_on="2025-07-01", start_within_months=3)

    manager = client_for(planning["manager"])
    with today_is(f.date("2026-07-01")):
        listed = {x["id"]: x for x in manager.get("/api/v1/land-commitments/").json()["results"]}
        behind = manager.get("/api/v1/land-commitments/", {"behind": "true"}).json()
        on_track = manager.get("/api/v1/land-commitments/", {"behind": "false"}).json()
    first = listed[a["id"]]
    milestones = {m["key"]: m for m in first["milestones"]}
    assert (milestones["start"]["committed_by"], milestones["start"]["reached_on"]) == ("2025-08-16", "2025-09-15")
    assert milestones["start"]["state"] == "late"
    assert (milestones["completion"]["committed_by"], milestones["completion"]["state"]) == ("2027-06-16", "pending")
    assert milestones["production"]["state"] == "unknown"
    # The latest year (2025) counts: 8000 / 20 = 400 per 亩 against 500; 1200 / 20 = 60 against 50.
    assert (first["latest_year"], first["latest_output_per_mu"], first["output_per_mu_gap"]) == (
        2025,
        "400.00",
        "-100.00",
    )
    assert (first["latest_tax_per_mu"], first["tax_per_mu_gap"]) == ("60.00", "10.00")
    assert first["actual_investment_intensity"] == "250.00"  # fixed assets 5000 / 20 亩
    assert (first["dates_behind"], first["output_behind"], first["is_behind"]) == (True, True, True)
    second = listed[b["id"]]
    assert [m["state"] for m in second["milestones"]] == ["met", "met", "met", "pending"]
    assert (second["output_per_mu_gap"], second["tax_per_mu_gap"], second["is_behind"]) == ("50.00", "5.00", False)
    third = listed[c["id"]]
    assert third["milestones"][0]["state"] == "overdue" and third["output_per_mu_gap"] is None
    assert (third["dates_behind"], third["output_behind"]) == (True, False)
    assert {x["id"] for x in behind["results"]} == {a["id"], c["id"]} and behind["count"] == 2
    assert [x["id"] for x in on_track["results"]] == [b["id"]]

    # Visibility: 安亭镇's officer sees only A; another town's commitment is a 404.
    assert [x["id"] for x in officer.get("/api/v1/land-commitments/").json()["results"]] == [a["id"]]
    assert officer.get(f"/api/v1/land-commitments/{b['id']}/").status_code == 404
    assert officer.get(f"/api/v1/land-commitments/{b['id']}/actuals/").status_code == 404
    assert client_for(planning["ent_user"]).get("/api/v1/land-commitments/").json()["count"] == 0
    # A standard factory (P2) has no land contract.
    refused = officer.post("/api/v1/land-commitments/", {"project": p2.pk, "start_within_months": 3}, format="json")
    assert refused.status_code == 400 and "出让" in refused.json()["project"][0]


def test_changing_a_commitment_replans_the_stages(planning):
    p6 = planning["projects"][5]
    other = client_for(planning["other"])
    full_production = stage(p6, "full_production")
    assert full_production.due_on == f.date("2029-09-03")  # land finished 2025-03-03 + 54 months by default
    made = commit(other, p6, handed_over_on="2025-03-03", full_production_within_months=60)
    assert stage(p6, "full_production").due_on == f.date("2030-03-03")
    changed = other.patch(
        f"/api/v1/land-commitments/{made['id']}/", {"handed_over_on": "2025-04-30", "full_production_within_months": 10}
    )
    assert changed.status_code == 200, changed.json()
    assert stage(p6, "full_production").due_on == f.date("2026-02-28")
    stages = other.get(f"/api/v1/projects/{p6.pk}/stages/").json()
    assert next(s for s in stages if s["code"] == "full_production")["due_on"] == "2026-02-28"
    history = other.get(f"/api/v1/land-commitments/{made['id']}/history/").json()
    assert history["count"] == 2
    moved = other.patch(f"/api/v1/land-commitments/{made['id']}/", {"project": planning["projects"][3].pk})
    assert moved.status_code == 400


def test_land_commitment_and_actual_validation(planning):
    p1 = planning["projects"][0]
    officer = client_for(planning["officer"])
    made = commit(officer, p1, handed_over_on="2025-06-16")
    again = officer.post("/api/v1/land-commitments/", {"project": p1.pk}, format="json")
    assert again.status_code == 400 and "已有用地承诺" in again.json()["project"][0]
    url = f"/api/v1/land-commitments/{made['id']}/"
    for bad in (
        {"handed_over_on": "9999-12-01"},
        {"handed_over_on": "2025-13-01"},
        {"start_within_months": 100000},
        {"start_within_months": 601},
        {"committed_output_per_mu": "-1"},
        {"committed_output_per_mu": "abc"},
        {"contract_no": "号" * 65},
    ):
        assert officer.patch(url, bad, format="json").status_code == 400, bad
    nanxiang_project = planning["projects"][3]
    outside = officer.post("/api/v1/land-commitments/", {"project": nanxiang_project.pk}, format="json")
    assert outside.status_code == 400 and "不在您的范围内" in outside.json()["project"][0]

    actuals = url + "actuals/"
    first = officer.post(actuals, {"year": 2025, "output": "9000", "tax": "900", "jobs": 120}, format="json")
    assert first.status_code == 201 and first.json()["output_per_mu"] == "450.00"  # 9000 / 20 亩
    duplicate = officer.post(actuals, {"year": 2025, "output": "1"}, format="json")
    assert duplicate.status_code == 400 and "2025 年度的实绩已经登记" in duplicate.json()["year"][0]
    assert officer.post(actuals, {"year": 2999}, format="json").status_code == 400
    assert officer.post(actuals, {"year": "二〇二五"}, format="json").status_code == 400
    assert officer.post(actuals, {"year": 2024, "jobs": -3}, format="json").status_code == 400
    second = officer.post(actuals, {"year": 2024, "output": "5000"}, format="json").json()
    clash = officer.patch(f"{actuals}{second['id']}/", {"year": 2025}, format="json")
    assert clash.status_code == 400 and "已经登记" in clash.json()["year"][0]
    fixed = officer.patch(f"{actuals}{second['id']}/", {"output": "5200"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["output_per_mu"] == "260.00"
    assert [x["year"] for x in officer.get(actuals).json()["results"]] == [2024, 2025]
    enterprise = client_for(planning["ent_user"])
    assert enterprise.post(actuals, {"year": 2023}, format="json").status_code == 404


def test_land_commitment_list_query_count_is_constant(planning):
    manager = client_for(planning["manager"])
    p1, _p2, p3, p4, _p5, p6 = planning["projects"]
    # Started 2025-09-15, a month after the committed 2025-08-16: behind, so the filtered page is not empty.
    commit(manager, p1, handed_over_on="2025-06-16", start_within_months=2, committed_output_per_mu="100")
    assert manager.get("/api/v1/land-commitments/", {"behind": "true"}).json()["count"] == 1
    few = count_queries(manager, "/api/v1/land-commitments/")
    few_behind = count_queries(manager, "/api/v1/land-commitments/", {"behind": "true"})
    for project in (p3, p4, p6):
        made = commit(manager, project, handed_over_on="2025-06-16", start_within_months=3)
        manager.post(f"/api/v1/land-commitments/{made['id']}/actuals/", {"year": 2025, "output": "10"}, format="json")
    assert count_queries(manager, "/api/v1/land-commitments/") == few
    assert manager.get("/api/v1/land-commitments/", {"behind": "true"}).json()["count"] == 3  # P1, P3, P4
    assert count_queries(manager, "/api/v1/land-commitments/", {"behind": "true"}) == few_behind


# --- Assessments ------------------------------------------------------------------------------


def test_assessment_dimensions_are_data_written_by_administrators(planning):
    officer = client_for(planning["officer"])
    dimensions = officer.get("/api/v1/assessment-dimensions/").json()
    assert dimensions["count"] == 10 and dimensions["results"][0]["name"] == "产业层级"
    rd = next(d for d in dimensions["results"] if d["code"] == "rd_capacity")
    url = f"/api/v1/assessment-dimensions/{rd['id']}/"
    denied = officer.patch(url, {"weight": "2.00"}, format="json")
    assert denied.status_code == 403 and "系统管理员" in denied.json()["detail"]
    assert client_for(planning["manager"]).patch(url, {"weight": "2.00"}, format="json").status_code == 403
    admin = client_for(planning["admin"])
    assert admin.patch(url, {"weight": "2.00"}, format="json").json()["weight"] == "2.00"
    assert admin.patch(url, {"weight": "0"}, format="json").status_code == 400
    assert admin.patch(url, {"max_score": 0}, format="json").status_code == 400
    created = admin.post(
        "/api/v1/assessment-dimensions/",
        {"code": "carbon", "name": "碳排放", "max_score": 5, "weight": "0.50", "order": 11},
        format="json",
    )
    assert created.status_code == 201
    assert admin.post("/api/v1/assessment-dimensions/", {"code": "carbon", "name": "碳排放2"}).status_code == 400
    assert officer.get("/api/v1/assessment-dimensions/", {"is_active": "true"}).json()["count"] == 11
    assert client_for(planning["ent_user"]).get("/api/v1/assessment-dimensions/").json()["count"] == 0


def test_assessment_scores_are_validated_and_the_weighted_total_computed(planning):
    from projects.models import AssessmentDimension

    industry = AssessmentDimension.objects.get(code="industry_level")
    rd = AssessmentDimension.objects.get(code="rd_capacity")
    rd.weight = Decimal("2.00")
    rd.save()
    p1 = planning["projects"][0]
    officer = client_for(planning["officer"])
    payload = {
        "project": p1.pk,
        "assessed_on": "2025-01-20",
        "conclusion": "recommended",
        "scores": [
            {"dimension": industry.pk, "score": "8", "comment": "属于汽车“新四化”核心环节"},
            {"dimension": rd.pk, "score": "9"},
        ],
    }
    created = officer.post("/api/v1/assessments/", payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    # 8 × 1 + 9 × 2 = 26 out of 10 × 1 + 10 × 2 = 30, i.e. 86.67 %.
    assert (body["weighted_score"], body["weighted_max"], body["weighted_percent"]) == ("26.00", "30.00", "86.67")
    assert body["assessor"] == planning["officer"].pk and body["scores"][0]["dimension_name"] == "产业层级"

    too_high = {**payload, "scores": [{"dimension": industry.pk, "score": "11"}]}
    answer = officer.post("/api/v1/assessments/", too_high, format="json")
    assert (
        answer.status_code == 400
        and "产业层级" in answer.json()["scores"][0]
        and "超出范围" in answer.json()["scores"][0]
    )
    repeated = {
        **payload,
        "scores": [{"dimension": industry.pk, "score": "1"}, {"dimension": industry.pk, "score": "2"}],
    }
    assert "重复" in officer.post("/api/v1/assessments/", repeated, format="json").json()["scores"][0]
    for bad in (
        {**payload, "scores": []},
        {**payload, "scores": [{"dimension": 999999, "score": "1"}]},
        {**payload, "scores": [{"dimension": industry.pk, "score": "-1"}]},
        {**payload, "scores": [{"dimension": industry.pk, "score": "abc"}]},
        {**payload, "scores": "lots"},
        {**payload, "conclusion": "maybe"},
        {**payload, "assessed_on": "2999-01-01"},
    ):
        assert officer.post("/api/v1/assessments/", bad, format="json").status_code == 400, bad
    industry.is_active = False
    industry.save()
    inactive = officer.post("/api/v1/assessments/", payload, format="json")
    assert inactive.status_code == 400 and "已停用" in inactive.json()["scores"][0]

    nanxiang_project = planning["projects"][3]
    outside = officer.post("/api/v1/assessments/", {**payload, "project": nanxiang_project.pk}, format="json")
    assert outside.status_code == 400 and "project" in outside.json()
    listed = officer.get("/api/v1/assessments/", {"project": p1.pk}).json()
    assert listed["count"] == 1 and listed["results"][0]["weighted_score"] == "26.00"
    assert officer.get("/api/v1/assessments/", {"project": "x"}).status_code == 400
    assert client_for(planning["other"]).get(f"/api/v1/assessments/{body['id']}/").status_code == 404
    assert client_for(planning["ent_user"]).get("/api/v1/assessments/").json()["count"] == 0
    rescored = officer.patch(
        f"/api/v1/assessments/{body['id']}/", {"scores": [{"dimension": rd.pk, "score": "5"}]}, format="json"
    )
    assert rescored.status_code == 200 and rescored.json()["weighted_score"] == "10.00"  # 5 × 2


def test_assessment_list_query_count_is_constant(planning):
    from projects.models import AssessmentDimension

    dimensions = list(AssessmentDimension.objects.all()[:3])
    officer = client_for(planning["officer"])
    p1 = planning["projects"][0]

    def add():
        scores = [{"dimension": d.pk, "score": "5"} for d in dimensions]
        assert (
            officer.post("/api/v1/assessments/", {"project": p1.pk, "scores": scores}, format="json").status_code == 201
        )

    add()
    few = count_queries(officer, "/api/v1/assessments/")
    for _ in range(4):
        add()
    assert count_queries(officer, "/api/v1/assessments/") == few


# --- Stage types ------------------------------------------------------------------------------


def test_stage_types_are_read_only_for_staff(planning):
    officer = client_for(planning["officer"])
    body = officer.get("/api/v1/stage-types/").json()
    assert [s["code"] for s in body["results"]][:4] == ["negotiation", "signing", "admission", "registration"]
    land = next(s for s in body["results"] if s["code"] == "land")
    assert (land["name"], land["party"], land["due_basis"], land["target_workdays"]) == (
        "供地/拿地",
        "government",
        "workdays",
        90,
    )
    assert land["required_facts"] == ["land_area", "land_supply_mode"]
    assert sum(s["target_workdays"] or 0 for s in body["results"]) == 226
    assert officer.post("/api/v1/stage-types/", {"code": "x"}, format="json").status_code == 405
    assert officer.patch(f"/api/v1/stage-types/{land['id']}/", {"order": 1}, format="json").status_code == 405
    assert client_for(planning["ent_user"]).get("/api/v1/stage-types/").json()["count"] == 0


# --- Project documents ------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, project, name="施工许可证.pdf", content=PDF, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(f"/api/v1/projects/{project.pk}/documents/", data, format="multipart")


def test_documents_upload_list_and_download_follow_project_visibility(planning, media):
    p1 = planning["projects"][0]
    officer = client_for(planning["officer"])
    created = upload(officer, p1, kind="permit", title="建筑工程施工许可证")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["title"], body["original_name"], body["size"]) == (
        "permit",
        "建筑工程施工许可证",
        "施工许可证.pdf",
        len(PDF),
    )
    assert body["content_type"] == "application/pdf" and body["uploaded_by"] == planning["officer"].pk
    stored = ProjectDocument.objects.get(pk=body["id"])
    assert "施工" not in stored.file.name and stored.file.name.startswith("project-documents/")
    assert stored.history.count() == 1 and stored.history.first().history_user == planning["officer"]

    download = officer.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    listing = officer.get(f"/api/v1/projects/{p1.pk}/documents/").json()
    assert [d["id"] for d in listing["results"]] == [body["id"]]

    other = client_for(planning["other"])
    assert other.get(f"/api/v1/projects/{p1.pk}/documents/").status_code == 404
    assert other.get(body["download_url"]).status_code == 404
    assert upload(other, p1).status_code == 404

    enterprise = client_for(planning["ent_user"])
    assert enterprise.get(f"/api/v1/projects/{p1.pk}/documents/").json()["count"] == 1
    assert enterprise.get(body["download_url"]).status_code == 200
    refused = upload(enterprise, p1)
    assert refused.status_code == 403 and "上传" in refused.json()["detail"]
    p2 = planning["projects"][1]
    assert enterprise.get(f"/api/v1/projects/{p2.pk}/documents/").status_code == 404
    # A document id under another project's URL is not found either.
    upload(officer, p2, name="合同.pdf", kind="contract")
    assert officer.get(f"/api/v1/projects/{p2.pk}/documents/{body['id']}/download/").status_code == 404


def test_bad_files_are_refused_with_a_clear_400(planning, media, settings):
    p1 = planning["projects"][0]
    officer = client_for(planning["officer"])
    exe = upload(officer, p1, name="setup.exe", content=b"MZ\x90\x00")
    assert exe.status_code == 400 and "不支持的文件类型" in exe.json()["file"][0]
    fake = upload(officer, p1, name="合同.pdf", content=b"just text pretending")
    assert fake.status_code == 400 and "不符" in fake.json()["file"][0]
    empty = upload(officer, p1, name="空.pdf", content=b"")
    assert empty.status_code == 400
    settings.UPLOAD_MAX_BYTES = 10
    large = upload(officer, p1)
    assert large.status_code == 400 and "文件过大" in large.json()["file"][0]
    settings.UPLOAD_MAX_BYTES = 20 * 2**20
    assert upload(officer, p1, kind="poster").status_code == 400
    assert upload(officer, p1, title="标" * 201).status_code == 400
    missing = officer.post(f"/api/v1/projects/{p1.pk}/documents/", {"kind": "permit"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    as_json = officer.post(f"/api/v1/projects/{p1.pk}/documents/", {"kind": "permit"}, format="json")
    assert as_json.status_code == 415
    assert ProjectDocument.objects.count() == 0
    assert not any(p.is_file() for p in media.rglob("*"))


def test_document_list_query_count_is_constant(planning, media):
    p1 = planning["projects"][0]
    officer = client_for(planning["officer"])
    upload(officer, p1)
    few = count_queries(officer, f"/api/v1/projects/{p1.pk}/documents/")
    for i in range(4):
        upload(officer, p1, name=f"文件{i}.pdf")
    assert count_queries(officer, f"/api/v1/projects/{p1.pk}/documents/") == few


def test_land_commitment_for_an_unknown_project_is_a_400(planning):
    officer = client_for(planning["officer"])
    assert officer.post("/api/v1/land-commitments/", {"project": 10**12}, format="json").status_code == 400
    assert officer.post("/api/v1/land-commitments/", {"project": "abc"}, format="json").status_code == 400
    assert LandCommitment.objects.count() == 0
    assert Project.objects.count() == 6
