"""GET /api/v1/reports/pipeline/ against a hand-computed fixture (tests/reports/builders.py).

The six projects, as of 2025-12-31:

    project  town  chain    total   funds  signed      current stage    past 落地/开工/投产  open stage overdue
    P1       安亭  auto     10000    4000  2025-01-06  completion       yes / yes / no      no (due 2027-06-16)
    P2       安亭  auto     20000    5000  2025-01-06  planning_permit  yes / no  / no      yes
    P3       安亭  medical  30000   30000  2025-03-03  registration     no  / no  / no      yes
    P4       南翔  medical   5000       -  2025-03-03  planning_permit  yes*/ no  / no      yes
    P5       南翔  auto     15000   15000  2025-05-06  admission        no  / no  / no      yes (terminated)
    P6       南翔  medical  20000   10000  2024-11-06  full_production  yes / yes / yes     no (due 2029)

    * P4 skipped 注册落地 but finished 供地 after it, so it is past 注册落地.

Working days spent in each finished stage (start and finish both counted; 2025 holidays: 1-1,
1-28..2-4 with 1-26 and 2-8 worked, 4-4, 5-1..5-5 with 4-27 worked, 6-2, 10-1..10-8 with 9-28 and
10-11 worked):

    admission     P1 1-06..2-10 = 26 weekdays - 6 holidays + 2 makeup days = 22
                  P2 1-06..2-17 = 31 - 6 + 2 = 27;  P3 3-03..4-07 = 26 - 1 (4-4) = 25
                  P4 3-03..3-31 = 21;  P6 2024-11-06..12-04 = 21      → 116 / 5 = 23.2 (target 20)
    registration  P1 2-10..3-10 = 21;  P2 2-17..3-17 = 21;
                  P6 2024-12-04..2025-01-06 = 20 + 3 (1-01 off) = 23  →  65 / 3 = 21.7 (target 20)
    land          P1 3-10..6-16 = 71 - 5 + 1 = 67;  P4 3-31..7-01 = 67 - 5 + 1 = 63;
                  P6 1-06..3-03 = 41 - 6 + 2 = 37                     → 167 / 3 = 55.7 (target 90)
    planning      P1 6-16..8-18 = 46;  P6 3-03..5-06 = 47 - 4 + 1 = 44 →  90 / 2 = 45.0 (target 50)
    construction  P1 8-18..9-15 = 21;  P6 5-06..6-03 = 21 - 1 (6-2) = 20 → 41 / 2 = 20.5 (target 46)
    completion    P6 6-03..9-01 = 65;  production P6 9-01..10-09 = 29 - 6 + 1 = 24
    negotiation, signing: finished on the signing day, a working day: 1 each, 6 projects.
    Government steps (due in working days): 23.2 + 21.7 + 55.7 + 45.0 + 20.5 = 166.1 against 20+20+90+50+46 = 226.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests import factories as f
from tests.reports.builders import build_pipeline, today_is

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/pipeline/"


@pytest.fixture
def pipeline(db):
    data = build_pipeline()
    data["manager"] = f.user("pipeline_manager", role=Role.MANAGER, org_unit=f.district())
    with today_is(f.date("2025-12-31")):
        yield data


def report(user, **params):
    answer = client_for(user).get(URL, params)
    assert answer.status_code == 200, answer.json()
    return answer.json()


def by_key(body):
    return {g["label"]: g for g in body["groups"]}


def stage_counts(group):
    return {s["code"]: (s["project_count"], s["total_investment"]) for s in group["stages"] if s["project_count"]}


def test_whole_selection_without_grouping(pipeline):
    body = report(pipeline["manager"])
    assert body["group_by"] is None and body["as_of"] == "2025-12-31"
    assert len(body["groups"]) == 1 and body["groups"][0] == body["total"]
    total = body["total"]
    assert total["key"] == "total" and total["label"] == "合计"
    assert total["project_count"] == 6 and total["terminated_count"] == 1
    assert total["total_investment"] == "100000.00"  # 10000+20000+30000+5000+15000+20000
    assert total["funds_in_place"] == "64000.00"  # 4000+5000+30000+15000+10000 (P4 has none)
    assert (total["landed_count"], total["construction_started_count"], total["in_production_count"]) == (4, 2, 1)
    assert total["landing_rate"] == "0.6667"  # 4/6, the terminated P5 stays in the denominator
    assert total["construction_rate"] == "0.3333"  # 2/6
    assert total["production_rate"] == "0.1667"  # 1/6
    assert total["funds_in_place_rate"] == "0.6400"  # 64000/100000
    assert total["overdue_count"] == 4  # P2, P3, P4, P5
    assert stage_counts(total) == {
        "admission": (1, "15000.00"),
        "registration": (1, "30000.00"),
        "planning_permit": (2, "25000.00"),
        "completion": (1, "10000.00"),
        "full_production": (1, "20000.00"),
    }
    assert [s["code"] for s in total["stages"]][:3] == ["negotiation", "signing", "admission"]


def test_average_working_days_per_stage_against_targets(pipeline):
    durations = report(pipeline["manager"])["durations"]
    stages = {s["code"]: s for s in durations["stages"]}
    expected = {
        "negotiation": (6, "1.0", None),
        "signing": (6, "1.0", None),
        "admission": (5, "23.2", 20),
        "registration": (3, "21.7", 20),
        "land": (3, "55.7", 90),
        "planning_permit": (2, "45.0", 50),
        "construction": (2, "20.5", 46),
        "completion": (1, "65.0", None),
        "production": (1, "24.0", None),
        "full_production": (0, None, None),
    }
    for code, (count, average, target) in expected.items():
        assert (stages[code]["finished_count"], stages[code]["average_workdays"], stages[code]["target_workdays"]) == (
            count,
            average,
            target,
        ), code
    assert stages["admission"]["exceeds_target"] is True and stages["land"]["exceeds_target"] is False
    assert stages["completion"]["exceeds_target"] is None
    assert durations["government_average_workdays"] == "166.1"
    assert durations["government_target_workdays"] == 226
    assert durations["provisional"] is False


def test_group_by_town(pipeline):
    groups = by_key(report(pipeline["manager"], group_by="town"))
    assert list(groups) == ["安亭镇", "南翔镇"]
    anting, nanxiang = groups["安亭镇"], groups["南翔镇"]
    assert anting["key"] == str(pipeline["anting"].pk)
    # 安亭: P1, P2, P3
    assert (anting["project_count"], anting["total_investment"], anting["funds_in_place"]) == (
        3,
        "60000.00",
        "39000.00",
    )
    assert (anting["landing_rate"], anting["construction_rate"], anting["production_rate"]) == (
        "0.6667",  # P1, P2
        "0.3333",  # P1
        "0.0000",
    )
    assert anting["funds_in_place_rate"] == "0.6500"  # 39000/60000
    assert (anting["overdue_count"], anting["terminated_count"]) == (2, 0)
    # 南翔: P4, P5, P6
    assert (nanxiang["project_count"], nanxiang["total_investment"], nanxiang["funds_in_place"]) == (
        3,
        "40000.00",
        "25000.00",
    )
    assert (nanxiang["landing_rate"], nanxiang["construction_rate"], nanxiang["production_rate"]) == (
        "0.6667",  # P4, P6
        "0.3333",  # P6
        "0.3333",  # P6
    )
    assert nanxiang["funds_in_place_rate"] == "0.6250"  # 25000/40000
    assert (nanxiang["overdue_count"], nanxiang["terminated_count"]) == (2, 1)
    total = report(pipeline["manager"], group_by="town")["total"]
    assert (total["project_count"], total["total_investment"], total["landing_rate"]) == (6, "100000.00", "0.6667")


def test_group_by_chain_year_unit_and_event(pipeline):
    chains = by_key(report(pipeline["manager"], group_by="industry_chain"))
    auto, medical = chains["汽车“新四化”"], chains["高性能医疗设备及精准医疗/生物医药"]
    assert auto["key"] == "auto" and list(chains)[0] == "汽车“新四化”"
    # auto: P1, P2, P5 = 45000, funds 24000; medical: P3, P4, P6 = 55000, funds 40000
    assert (auto["project_count"], auto["total_investment"], auto["funds_in_place_rate"]) == (3, "45000.00", "0.5333")
    assert (medical["total_investment"], medical["funds_in_place_rate"], medical["production_rate"]) == (
        "55000.00",
        "0.7273",  # 40000/55000
        "0.3333",
    )
    years = {g["key"]: g for g in report(pipeline["manager"], group_by="signing_year")["groups"]}
    assert list(years) == ["2024", "2025"]
    # 2025: P1-P5 = 80000, funds 54000, landed P1 P2 P4, started P1
    assert (years["2025"]["project_count"], years["2025"]["total_investment"]) == (5, "80000.00")
    assert (
        years["2025"]["landing_rate"],
        years["2025"]["construction_rate"],
        years["2025"]["funds_in_place_rate"],
    ) == (
        "0.6000",
        "0.2000",
        "0.6750",
    )
    assert years["2024"]["label"] == "2024" and years["2024"]["in_production_count"] == 1
    units = by_key(report(pipeline["manager"], group_by="leading_unit"))
    assert {k: g["project_count"] for k, g in units.items()} == {"安亭镇": 3, "南翔镇": 3}
    events = report(pipeline["manager"], group_by="signing_event")["groups"]
    assert [(g["key"], g["label"], g["project_count"]) for g in events] == [(None, "未填写", 6)]


def test_filters_of_the_project_list_pass_through(pipeline):
    anting = pipeline["anting"].pk
    body = report(pipeline["manager"], signed_year=2025, town=anting)
    assert (body["total"]["project_count"], body["total"]["total_investment"]) == (3, "60000.00")
    body = report(pipeline["manager"], signed_year=2025, industry_chain="medical", group_by="town")
    assert [(g["label"], g["project_count"]) for g in body["groups"]] == [("安亭镇", 1), ("南翔镇", 1)]  # P3, P4
    body = report(pipeline["manager"], status="terminated")
    assert (body["total"]["project_count"], body["total"]["landing_rate"]) == (1, "0.0000")
    body = report(pipeline["manager"], overdue="true")
    assert body["total"]["project_count"] == 4
    # The durations cover the filtered selection only: 安亭's admission stages are P1 22, P2 27, P3 25.
    body = report(pipeline["manager"], town=anting)
    admission = next(s for s in body["durations"]["stages"] if s["code"] == "admission")
    assert (admission["finished_count"], admission["average_workdays"]) == (3, "24.7")


def test_an_officer_sees_only_the_projects_in_scope(pipeline):
    total = report(pipeline["officer"])["total"]
    assert (total["project_count"], total["total_investment"], total["overdue_count"]) == (3, "60000.00", 2)
    assert [g["label"] for g in report(pipeline["officer"], group_by="town")["groups"]] == ["安亭镇"]
    # A filter for another town cannot widen the scope.
    assert report(pipeline["officer"], town=pipeline["nanxiang"].pk)["total"]["project_count"] == 0


def test_empty_selection_has_null_rates(pipeline):
    total = report(pipeline["manager"], signed_year=2023)["total"]
    assert total["project_count"] == 0 and total["total_investment"] == "0.00"
    assert total["landing_rate"] is None and total["funds_in_place_rate"] is None
    assert report(pipeline["manager"], signed_year=2023, group_by="town")["groups"] == []


def test_bad_input_is_a_400_and_enterprise_users_are_refused(pipeline):
    client = client_for(pipeline["manager"])
    bad = client.get(URL, {"group_by": "colour"})
    assert bad.status_code == 400 and "不支持的分组" in bad.json()["group_by"][0]
    for params in (
        {"signed_year": "99999"},
        {"signed_year": "二〇二五"},
        {"town": "abc"},
        {"status": "bogus"},
        {"signing_event": "9" * 25},
        {"officer": "-1"},
    ):
        assert client.get(URL, params).status_code == 400, params
    assert client.get(URL, {"signed_after": "2025-02-30"}).status_code == 400
    enterprise = f.user("pipeline_ent", role=Role.ENTERPRISE, enterprise=f.enterprise(), org_unit=None)
    refused = client_for(enterprise).get(URL)
    assert refused.status_code == 403 and "政府工作人员" in refused.json()["detail"]


def _count_queries(user, **params):
    client = client_for(user)
    client.get(URL, params)  # warm up: session, user, unit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("group_by", [None, "town", "industry_chain", "signing_year", "signing_event"])
def test_query_count_does_not_grow_with_projects(db, group_by):
    manager = f.user("count_manager", role=Role.MANAGER, org_unit=f.district())
    towns = [f.unit("安亭镇"), f.unit("南翔镇"), f.unit("江桥镇"), f.unit("马陆镇")]
    officer = f.user("count_officer", org_unit=towns[0])

    def add(n, offset):
        for i in range(n):
            town = towns[(i + offset) % len(towns)]
            f.project(actor=officer, leading_unit=town, town=town, signed_on=f.date(f"202{4 + i % 2}-03-03"))

    params = {"group_by": group_by} if group_by else {}
    add(5, 0)
    small = _count_queries(manager, **params)
    add(15, 1)
    large = _count_queries(manager, **params)
    assert small == large, (small, large)
    assert large <= 12


def test_durations_are_provisional_when_a_finished_stage_spans_an_unpublished_year(pipeline):
    from workdays.models import CalendarYear

    CalendarYear.objects.filter(year=2024).update(is_published=False)  # P6's first stages began in 2024
    assert report(pipeline["manager"])["durations"]["provisional"] is True
    assert report(pipeline["manager"], signed_year=2025)["durations"]["provisional"] is False
