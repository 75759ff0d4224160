"""Signing events (/signing-events/, /signing-events/<pk>/) and land commitments (/land-commitments/)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from projects import services
from tests import factories as f
from tests.pages.conftest import page_client
from tests.reports.builders import build_pipeline, today_is

pytestmark = pytest.mark.django_db

EVENTS_QUERIES = 4
EVENT_QUERIES = 10
LAND_QUERIES = 5


@pytest.fixture
def planning(db):
    """tests/reports/builders.py's six projects; P1, P2 (安亭) and P6 (南翔) signed at one event."""
    manager = f.user("planning_manager", role=Role.MANAGER, org_unit=f.district())
    event = services.create_signing_event(
        actor=manager, name="2025年嘉定区投资促进大会", date=f.date("2025-01-06"), location="嘉定"
    )
    data = build_pipeline(event=event)
    data["event"] = event
    data["manager"] = manager
    data["ent_user"] = f.user(
        "planning_ent", role=Role.ENTERPRISE, enterprise=data["projects"][0].enterprise, org_unit=None
    )
    data["clients"] = {name: page_client(data[name]) for name in ("manager", "officer", "other", "ent_user")}
    return data


def cell(html: str, name: str) -> str:
    found = re.search(rf'data-total="{name}">(.*?)<', html, re.S)
    return found.group(1).strip() if found else ""


def queries_of(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, params or {})
    assert answer.status_code == 200
    return len(captured)


# --- Signing events ---------------------------------------------------------------------------


def test_signing_events_list_their_totals_and_progress_with_links(planning):
    online = services.create_signing_event(
        actor=planning["manager"], name="2025年云签约", date=f.date("2025-03-11"), is_online=True
    )
    answer = planning["clients"]["manager"].get("/signing-events/")
    assert answer.status_code == 200
    html = answer.content.decode()
    event = planning["event"]
    assert f'href="/signing-events/{event.pk}/"' in html and "2025年嘉定区投资促进大会" in html
    assert "云签约" in html and "现场签约" in html
    # P1 10000 + P2 20000 + P6 20000; landed P1 P2 P6, started P1 P6, producing P6.
    row = next(e for e in answer.context["events"] if e.pk == event.pk)
    assert (row.project_count, row.total_investment, row.landed, row.construction_started, row.in_production) == (
        3,
        Decimal("50000"),
        3,
        2,
        1,
    )
    assert f'<a href="/projects/?signing_event={event.pk}">3</a>' in html
    progress = f"/projects/?signing_event={event.pk}&amp;passed="
    assert f'<a href="{progress}landed">3</a>' in html
    assert f'<a href="{progress}construction">2</a>' in html
    assert f'<a href="{progress}production">1</a>' in html
    assert cell(html, "project_count") == "3" and cell(html, "total_investment") == "5 亿元"
    filtered = planning["clients"]["manager"].get("/signing-events/", {"q": "云签约"})
    assert [e.pk for e in filtered.context["events"]] == [online.pk]
    bad = planning["clients"]["manager"].get("/signing-events/", {"year": "abc"})
    assert bad.status_code == 200 and "输入整数" in bad.content.decode()


def test_signing_event_page_lists_the_visible_projects_with_a_totals_row(planning):
    event = planning["event"]
    p1, p2, *_rest, p6 = planning["projects"]
    answer = planning["clients"]["manager"].get(f"/signing-events/{event.pk}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    for project in (p1, p2, p6):
        assert f'href="/projects/{project.pk}/"' in html
    assert cell(html, "total_investment") == "50,000"
    total = answer.context["total"]
    assert (total["project_count"], total["landed_count"], total["construction_started_count"]) == (3, 3, 2)
    assert total["in_production_count"] == 1
    assert "合计 3 个项目" in html
    # Each progress count opens the list of exactly the projects it counts.
    client = planning["clients"]["manager"]
    progress = [
        ("landed", "landed", 3),
        ("construction_started", "construction", 2),
        ("in_production", "production", 1),
    ]
    for name, passed, count in progress:
        url = f"/projects/?signing_event={event.pk}&passed={passed}"
        assert f'data-total="{name}"><a href="{url.replace("&", "&amp;")}">{count}</a>' in html
        listed = client.get(url).content.decode()
        assert f"筛选结果合计：{count} 个项目" in listed
    # The officer of 安亭镇 sees the event, but only its 安亭 projects are listed and summed.
    officer = planning["clients"]["officer"].get(f"/signing-events/{event.pk}/")
    assert officer.status_code == 200 and cell(officer.content.decode(), "total_investment") == "30,000"
    assert f'href="/projects/{p6.pk}/"' not in officer.content.decode()
    assert "您可查看的 2 个项目（该活动共 3 个）" in officer.content.decode()


def test_signing_event_pages_are_for_staff_and_unknown_events_are_404(planning):
    assert planning["clients"]["ent_user"].get("/signing-events/").status_code == 403
    assert planning["clients"]["ent_user"].get(f"/signing-events/{planning['event'].pk}/").status_code == 403
    assert planning["clients"]["manager"].get("/signing-events/999999/").status_code == 404


def test_signing_event_queries_do_not_grow_with_the_projects(planning, django_assert_max_num_queries):
    client, event = planning["clients"]["manager"], planning["event"]
    few_list = queries_of(client, "/signing-events/")
    few_page = queries_of(client, f"/signing-events/{event.pk}/")
    for number in range(4):
        f.project(actor=planning["manager"], signing_event=event, signed_on=f.date("2025-01-06"))
        services.create_signing_event(actor=planning["manager"], name=f"签约活动{number}", date=f.date("2025-05-01"))
    with django_assert_max_num_queries(EVENTS_QUERIES):
        client.get("/signing-events/")
    with django_assert_max_num_queries(EVENT_QUERIES):
        assert client.get(f"/signing-events/{event.pk}/").context["total"]["project_count"] == 7
    assert queries_of(client, "/signing-events/") == few_list
    assert queries_of(client, f"/signing-events/{event.pk}/") == few_page


# --- Land commitments -------------------------------------------------------------------------


@pytest.fixture
def commitments(planning):
    """As tests/api/test_planning_api.py: A (P1) and C (P4) are behind, B (P6) is on track."""
    p1, _p2, _p3, p4, _p5, p6 = planning["projects"]
    a = services.create_land_commitment(
        actor=planning["officer"],
        project=p1,
        contract_no="沪嘉规土(2025)出让合同第18号",
        handed_over_on=f.date("2025-06-16"),
        start_within_months=2,
        complete_within_months=24,
        committed_output_per_mu=Decimal("500"),
        committed_tax_per_mu=Decimal("50"),
    )
    services.add_land_actual(
        actor=planning["officer"], commitment=a, year=2025, output=Decimal("8000"), tax=Decimal("1200")
    )
    b = services.create_land_commitment(
        actor=planning["other"],
        project=p6,
        handed_over_on=f.date("2025-03-03"),
        start_within_months=6,
        complete_within_months=6,
        production_within_months=8,
        full_production_within_months=60,
        committed_output_per_mu=Decimal("300"),
        committed_tax_per_mu=Decimal("20"),
    )
    services.add_land_actual(
        actor=planning["other"], commitment=b, year=2025, output=Decimal("3500"), tax=Decimal("250")
    )
    c = services.create_land_commitment(
        actor=planning["other"], project=p4, handed_over_on=f.date("2025-07-01"), start_within_months=3
    )
    return dict(a=a, b=b, c=c)


def test_land_commitments_show_only_those_behind_by_default_with_the_gaps(planning, commitments):
    p1, _p2, _p3, p4, _p5, p6 = planning["projects"]
    client = planning["clients"]["manager"]
    with today_is(f.date("2026-07-01")):
        answer = client.get("/land-commitments/")
        everything = client.get("/land-commitments/", {"behind": "0"})
    assert answer.status_code == 200
    html = " ".join(answer.content.decode().split())
    assert [row["commitment"].pk for row in answer.context["rows"]] == [commitments["c"].pk, commitments["a"].pk]
    assert f'href="/projects/{p1.pk}/"' in html and f'href="/projects/{p4.pk}/"' in html
    assert f'href="/projects/{p6.pk}/"' not in html
    # A: start committed by 2025-08-16, reached 2025-09-15; 2025 output 8000 / 20 亩 = 400 against 500.
    assert "开工：2025-08-16 / 2025-09-15 <span" in html and "逾期完成" in html
    assert "差距 -100" in html and "已逾期" in html  # C has not started by 2025-10-01
    assert "2 份出让合同未达承诺" in html
    assert len(everything.context["rows"]) == 3 and f'href="/projects/{p6.pk}/"' in everything.content.decode()
    assert "按期" in everything.content.decode()


def test_land_commitments_follow_what_the_user_sees(planning, commitments):
    with today_is(f.date("2026-07-01")):
        officer = planning["clients"]["officer"].get("/land-commitments/", {"behind": "0"})
        searched = planning["clients"]["manager"].get("/land-commitments/", {"behind": "0", "q": "第18号"})
    assert [row["commitment"].pk for row in officer.context["rows"]] == [commitments["a"].pk]
    assert [row["commitment"].pk for row in searched.context["rows"]] == [commitments["a"].pk]
    assert planning["clients"]["ent_user"].get("/land-commitments/").status_code == 403


def test_land_commitment_queries_do_not_grow(planning, commitments, django_assert_max_num_queries):
    client = planning["clients"]["manager"]
    few = queries_of(client, "/land-commitments/", {"behind": "0"})
    p3 = planning["projects"][2]
    made = services.create_land_commitment(
        actor=planning["manager"], project=p3, handed_over_on=f.date("2025-06-16"), start_within_months=3
    )
    services.add_land_actual(actor=planning["manager"], commitment=made, year=2025, output=Decimal("10"))
    with django_assert_max_num_queries(LAND_QUERIES):
        assert len(client.get("/land-commitments/", {"behind": "0"}).context["rows"]) == 4
    assert queries_of(client, "/land-commitments/", {"behind": "0"}) == few
