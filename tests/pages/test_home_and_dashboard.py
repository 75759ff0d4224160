"""The officer's home ("My work") at / and the managers' dashboard at /dashboard/."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from companies.models import IndustryChain
from projects import services as project_services
from projects.models import ProjectStage, SigningEvent
from projects.selectors import visible_projects
from reports.selectors import pipeline_report
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f
from tests.pages.conftest import page_client
from tests.reports.builders import build_pipeline, today_is
from workdays.calendar import count_workdays

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 12, 15)  # a Monday
ONE_DAY = dt.timedelta(days=1)
HOME_QUERIES = 16
DASHBOARD_QUERIES = 20  # the four groupings' report (3 queries, 4 for their labels), the stage durations (4), the page's own


def queries_of(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, params or {})
    assert answer.status_code == 200
    return len(captured)


def current_stage(project) -> ProjectStage:
    return ProjectStage.objects.select_related("stage_type").get(
        project=project, stage_type_id=project.current_stage_id
    )


# --- My work ------------------------------------------------------------------------------------


@pytest.fixture
def officer_work(world):
    """The 安亭 officer's open items as of TODAY: one stage overdue, one due soon, one far off; two requests."""
    officer = world["officer"]
    with today_is(TODAY):
        overdue = current_stage(world["anting_project"])  # 准入评估, due early in 2025
        soon_project = f.project(actor=officer, officer=officer, name="临近到期的项目", signed_on=f.date("2025-11-19"))
        far_project = f.project(actor=officer, officer=officer, name="远期项目", signed_on=f.date("2025-12-12"))
        hiring = Category.objects.get(code="hiring")
        waiting = request_services.submit_request(
            actor=world["ent_user"], category=hiring, title="招聘一线技工", description="需要 20 名技工。"
        )
        assigned = request_services.submit_request(
            actor=world["ent_user"], category=Category.objects.get(code="land"), title="扩建用地", description="扩建"
        )
        request_services.assign_request(actor=world["manager"], request=assigned, assignee=officer)
        other_town = f.enterprise("南翔样例企业", town=world["nanxiang"])
        elsewhere = request_services.submit_request(
            actor=world["other_officer"],
            enterprise=other_town,
            category=hiring,
            title="南翔企业的诉求",
            description="x",
        )
    return dict(
        overdue=overdue,
        soon=current_stage(soon_project),
        far=current_stage(far_project),
        waiting=waiting,
        assigned=assigned,
        elsewhere=elsewhere,
    )


def test_home_shows_the_officers_due_stages_and_waiting_requests_in_working_days(world, pages, officer_work):
    overdue, soon, far = officer_work["overdue"], officer_work["soon"], officer_work["far"]
    late = count_workdays(overdue.due_on + ONE_DAY, TODAY).workdays
    left = count_workdays(TODAY + ONE_DAY, soon.due_on).workdays
    assert overdue.due_on < TODAY < soon.due_on and 0 < left <= 5  # within the default lead of 5 working days
    assert count_workdays(TODAY + ONE_DAY, far.due_on).workdays > 5

    with today_is(TODAY):
        answer = pages["officer"].get("/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "我的工作" in html
    assert f'href="/projects/{overdue.project_id}/"' in html and f"逾期 {late} 个工作日" in html
    assert f'href="/projects/{soon.project_id}/"' in html and f"剩 {left} 个工作日" in html
    assert "远期项目" not in html
    assert world["nanxiang_project"].name not in html  # another officer's stage

    waiting, assigned = officer_work["waiting"], officer_work["assigned"]
    for item in (waiting, assigned):
        days = count_workdays(TODAY + ONE_DAY, item.due_on).workdays
        assert f'href="/service-requests/{item.pk}/"' in html and f"剩 {days} 个工作日" in html
    assert "待受理" in html  # the unassigned one, submitted in the officer's town
    assert "南翔企业的诉求" not in html
    # The assignment notified the officer; the unread notification links to the notification list.
    assert "新分派的诉求：扩建用地" in html and 'href="/notifications/"' in html


def test_home_lists_the_visits_the_officer_made(world, pages):
    from companies import services as company_services

    company_services.record_visit(
        actor=world["officer"],
        enterprise=world["enterprise"],
        visited_on=f.date("2025-12-01"),
        topic="了解扩产计划",
        next_step="反馈用地意见",
        next_step_due_on=f.date("2025-12-20"),
    )
    html = pages["officer"].get("/").content.decode()
    assert "了解扩产计划" in html and "反馈用地意见" in html
    assert f'href="/enterprises/{world["enterprise"].pk}/"' in html
    assert "了解扩产计划" not in pages["other_officer"].get("/").content.decode()


def test_home_queries_do_not_grow_with_the_items(world, pages, officer_work, django_assert_max_num_queries):
    officer = world["officer"]
    with today_is(TODAY):
        few = queries_of(pages["officer"], "/")
        for number in range(4):
            f.project(actor=officer, officer=officer, signed_on=f.date("2025-11-19"))
            request_services.submit_request(
                actor=world["ent_user"],
                category=Category.objects.get(code="hiring"),
                title=f"诉求{number}",
                description="x",
            )
        more = queries_of(pages["officer"], "/")
        with django_assert_max_num_queries(HOME_QUERIES):
            pages["officer"].get("/")
    assert more == few


def test_the_site_root_sends_an_enterprise_user_to_their_requests(pages, client):
    answer = pages["ent_user"].get("/")
    assert answer.status_code == 302 and answer["Location"] == "/service-requests/"
    assert client.get("/").status_code == 302  # anonymous: to the login page
    assert "/accounts/login/" in client.get("/")["Location"]


# --- Dashboard ----------------------------------------------------------------------------------


@pytest.fixture
def pipeline(db):
    """tests/reports/builders.py: P1-P3 in 安亭 (2025), P4-P5 in 南翔 (2025), P6 in 南翔 (2024); as of 2025-12-31."""
    event = SigningEvent.objects.create(name="2025年嘉定区投资促进大会", date=f.date("2025-01-06"))
    data = build_pipeline(event=event)
    data["event"] = event
    data["manager"] = f.user("dashboard_manager", role=Role.MANAGER, org_unit=f.district())
    data["ent_user"] = f.user(
        "dashboard_ent", role=Role.ENTERPRISE, enterprise=data["projects"][0].enterprise, org_unit=None
    )
    with today_is(f.date("2025-12-31")):
        yield data


def charts_of(html: str) -> dict:
    blocks = re.findall(r'<script id="(chart-[a-z-]+)" type="application/json">(.*?)</script>', html, re.S)
    return {chart_id: json.loads(body) for chart_id, body in blocks}


NUMBERS = [
    "project_count",
    "terminated_count",
    "total_investment",
    "funds_in_place",
    "landed_count",
    "construction_started_count",
    "in_production_count",
    "overdue_count",
    "landing_rate",
    "construction_rate",
    "production_rate",
    "funds_in_place_rate",
]


def test_dashboard_numbers_are_the_pipeline_reports(pipeline):
    manager = pipeline["manager"]
    answer = page_client(manager).get("/dashboard/", {"year": 2025})
    assert answer.status_code == 200
    total = answer.context["total"]
    expected = pipeline_report(visible_projects(manager).filter(signed_on__year=2025))["total"]
    assert {name: total[name] for name in NUMBERS} == {name: expected[name] for name in NUMBERS}
    # P1-P5: 80000 万元 signed, 3 landed (P1, P2, P4), 1 started (P1), none producing.
    assert (total["project_count"], total["total_investment"], total["landed_count"]) == (5, Decimal("80000"), 3)
    html = answer.content.decode()
    assert '<a href="/projects/?signed_year=2025" data-stat="project_count">5</a>' in html
    assert "8 亿元" in html and "60%" in html  # the landing rate, 3 of 5
    assert 'href="/projects/?signed_year=2025&amp;overdue=true" data-stat="overdue_count"' in html

    charts = charts_of(html)
    assert set(charts) == {"chart-stages", "chart-trend", "chart-chain", "chart-town", "chart-unit", "chart-events"}
    for option in charts.values():
        assert any(item["value"] for series in option["series"] for item in series["data"])
    stages = charts["chart-stages"]["series"][0]["data"]
    assert sum(item["value"] for item in stages) == 5
    assert {"value": 2, "link": "/projects/?signed_year=2025&stage=planning_permit"} in stages  # P2, P4
    months = charts["chart-trend"]["series"][0]["data"]
    assert [item["value"] for item in months] == [2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert months[0]["link"] == "/projects/?signed_after=2025-01-01&signed_before=2025-01-31"
    chains = charts["chart-chain"]["series"][0]["data"]
    assert {"value": 3, "link": "/projects/?signed_year=2025&industry_chain=auto"} in chains
    towns = charts["chart-town"]["series"][0]["data"]
    assert {"value": 3, "link": f"/projects/?signed_year=2025&town={pipeline['anting'].pk}"} in towns
    events = charts["chart-events"]["series"]
    assert events[0]["data"] == [
        {"value": 2, "link": f"/projects/?signed_year=2025&signing_event={pipeline['event'].pk}"}
    ]


def test_dashboard_filters_narrow_the_selection_and_the_links_keep_them(pipeline):
    client = page_client(pipeline["manager"])
    anting = pipeline["anting"]
    answer = client.get("/dashboard/", {"year": 2025, "town": anting.pk, "industry_chain": "auto"})
    total = answer.context["total"]
    assert (total["project_count"], total["total_investment"]) == (2, Decimal("30000"))  # P1 and P2
    query = f"signed_year=2025&town={anting.pk}&industry_chain=auto"
    assert total["links"]["all"] == f"/projects/?{query}"
    html, escaped = answer.content.decode(), query.replace("&", "&amp;")
    assert f'href="/projects/?{escaped}&amp;stage=planning_permit"' in html  # P2 is at 规划许可
    for passed in ("landed", "construction", "production"):
        assert f'href="/projects/?{escaped}&amp;passed={passed}"' in html
    assert "ordering=-stage" not in html
    assert client.get("/dashboard/", {"year": 2024}).context["total"]["project_count"] == 1  # P6
    every_year = client.get("/dashboard/", {"year": ""})
    assert every_year.context["total"]["project_count"] == 6
    assert [p["label"] for p in every_year.context["periods"]] == ["2024", "2025"]


def listed_count(client, url: str) -> int:
    """The number of projects the project list shows for `url`, read from its totals row."""
    answer = client.get(url)
    assert answer.status_code == 200
    found = re.search(r"筛选结果合计：(\d+) 个项目", answer.content.decode())
    assert found, "the project list shows no totals row"
    return int(found.group(1))


@pytest.mark.parametrize(("year", "started"), [(2025, 1), ("", 2)])  # P1; P1 and P6 (signed in 2024)
def test_the_started_count_links_to_a_list_of_exactly_those_projects(pipeline, year, started):
    client = page_client(pipeline["manager"])
    html = client.get("/dashboard/", {"year": year}).content.decode()
    link = re.search(r'<a href="([^"]+)" data-stat="construction_rate">', html).group(1).replace("&amp;", "&")
    shown = int(re.search(r"已开工 (\d+) 个", html).group(1))
    assert "passed=construction" in link
    assert shown == started
    assert listed_count(client, link) == shown


def test_dashboard_shows_the_targets_against_what_was_achieved(pipeline):
    project_services.create_annual_target(
        actor=pipeline["manager"],
        org_unit=pipeline["anting"],
        year=2025,
        signed_investment=Decimal("100000"),
        signed_projects=10,
        funds_in_place=Decimal("50000"),
    )
    answer = page_client(pipeline["manager"]).get("/dashboard/", {"year": 2025})
    (target,) = answer.context["targets"]
    signed = target["metrics"][0]
    # P1-P3 are led by 安亭镇: 60000 of 100000.
    assert (signed["done"], signed["rate"]) == (Decimal("60000"), Decimal("0.6000"))
    assert signed["url"] == f"/projects/?signed_year=2025&leading_unit={pipeline['anting'].pk}"
    html = answer.content.decode()
    assert "6 亿元</a> / 10 亿元" in html and "2025 年度指标完成情况" in html


def test_an_officer_sees_the_dashboard_of_their_scope(pipeline):
    answer = page_client(pipeline["officer"]).get("/dashboard/", {"year": 2025})
    assert answer.status_code == 200
    assert answer.context["total"]["project_count"] == 3  # 安亭's P1-P3 only


def test_dashboard_opens_on_the_latest_year_with_signings(pipeline):
    client = page_client(pipeline["manager"])
    assert client.get("/dashboard/").context["year"] == 2025
    with today_is(f.date("2026-03-02")):
        answer = client.get("/dashboard/")
    assert answer.context["year"] == 2025 and "2026 年尚无签约项目，显示 2025 年的数据" in answer.content.decode()


def test_bad_filters_are_shown_as_errors_not_a_500(pipeline):
    answer = page_client(pipeline["manager"]).get(
        "/dashboard/", {"year": "abc", "town": "999999", "industry_chain": "x"}
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.count("invalid-feedback") == 3 and "选择一个有效的选项" in html
    assert answer.context["total"]["project_count"] == 6  # the bad filters are ignored


def test_the_dashboard_is_for_staff_only(pipeline):
    assert page_client(pipeline["ent_user"]).get("/dashboard/").status_code == 403


def test_dashboard_queries_do_not_grow_with_the_projects(pipeline, django_assert_max_num_queries):
    client = page_client(pipeline["manager"])
    few = queries_of(client, "/dashboard/", {"year": 2025})
    event = SigningEvent.objects.create(name="2025年云签约", date=f.date("2025-06-06"), is_online=True)
    for number, town in enumerate(["马陆镇", "江桥镇", "华亭镇", "外冈镇"]):
        unit = f.unit(town)
        f.project(
            actor=pipeline["manager"],
            leading_unit=unit,
            signing_event=event,
            industry_chain=IndustryChain.objects.order_by("order")[number],
            signed_on=f.date(f"2025-0{number + 6}-06"),
        )
    more = queries_of(client, "/dashboard/", {"year": 2025})
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        assert client.get("/dashboard/", {"year": 2025}).context["total"]["project_count"] == 9
    assert more == few
