"""A small, hand-computable pipeline: six projects in two towns and two chains, stages finished on known dates.

Built through the real services. Working days are those of the State Council's 2024 and 2025
arrangements (both ends of a stage counted). Used by the pipeline report, signing event and annual
target tests; the expected figures are worked out in those tests.
"""

import datetime
import itertools
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from common.validators import uscc_check_character
from companies.models import IndustryChain
from projects import services
from projects.models import Project, ProjectStage
from tests import factories as f

_serial = itertools.count(1)


def valid_uscc() -> str:
    first17 = f"91310114{next(_serial):09d}"
    return first17 + uscc_check_character(first17)


@contextmanager
def today_is(day: datetime.date):
    """Make the services' and the reports' "today" a fixed day."""
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


def stage(project, code):
    return ProjectStage.objects.select_related("stage_type", "project").get(project=project, stage_type__code=code)


def finish(project, actor, **finishes):
    """Finish stages in order: finish(p, officer, admission="2025-02-10", registration=...)."""
    for code, day in finishes.items():
        services.finish_stage(actor=actor, stage=stage(project, code), finished_on=f.date(day))


def skip(project, actor, code, on, reason="不适用"):
    """Skip a stage on a given day (the next stage starts that day)."""
    with today_is(f.date(on)):
        services.skip_stage(actor=actor, stage=stage(project, code), reason=reason)


def build_pipeline(event=None, event_2024=None):
    """P1-P3 in 安亭镇 (led by 安亭镇), P4-P6 in 南翔镇 (led by 南翔镇). See the module docstring."""
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    officer = f.user("pipeline_officer_a", org_unit=anting)
    other = f.user("pipeline_officer_n", org_unit=nanxiang)
    auto, medical = IndustryChain.objects.get(code="auto"), IndustryChain.objects.get(code="medical")

    def make(actor, town, chain, total, funds, signed, **extra):
        extra.setdefault("land_area", Decimal("20"))
        extra.setdefault("land_supply_mode", Project.LandSupplyMode.TRANSFER)
        return f.project(
            actor=actor,
            enterprise=f.enterprise(uscc=valid_uscc(), town=town),
            leading_unit=town,
            town=town,
            officer=actor,
            industry_chain=chain,
            total_investment=Decimal(total),
            fixed_asset_investment=Decimal(total) / 2,
            funds_in_place=None if funds is None else Decimal(funds),
            signed_on=f.date(signed),
            expected_annual_output=Decimal("8000"),
            expected_annual_tax=Decimal("800"),
            **extra,
        )

    p1 = make(officer, anting, auto, 10000, 4000, "2025-01-06", signing_event=event)
    finish(
        p1,
        officer,
        admission="2025-02-10",
        registration="2025-03-10",
        land="2025-06-16",
        planning_permit="2025-08-18",
        construction="2025-09-15",
    )
    p2 = make(
        officer,
        anting,
        auto,
        20000,
        5000,
        "2025-01-06",
        signing_event=event,
        land_supply_mode=Project.LandSupplyMode.STANDARD_FACTORY,
    )
    finish(p2, officer, admission="2025-02-17", registration="2025-03-17")
    skip(p2, officer, "land", "2025-03-17", "租赁标准厂房")
    p3 = make(officer, anting, medical, 30000, 30000, "2025-03-03")
    finish(p3, officer, admission="2025-04-07")

    p4 = make(other, nanxiang, medical, 5000, None, "2025-03-03", land_area=Decimal("15"))
    finish(p4, other, admission="2025-03-31")
    skip(p4, other, "registration", "2025-03-31", "已在区内注册")
    finish(p4, other, land="2025-07-01")
    p5 = make(other, nanxiang, auto, 15000, 15000, "2025-05-06")
    services.update_project(actor=other, project=p5, status=Project.Status.TERMINATED)
    p6 = make(
        other,
        nanxiang,
        medical,
        20000,
        10000,
        "2024-11-06",
        signing_event=event_2024 or event,
        land_area=Decimal("10"),
        land_supply_mode=Project.LandSupplyMode.LEASE_THEN_TRANSFER,
    )
    finish(
        p6,
        other,
        admission="2024-12-04",
        registration="2025-01-06",
        land="2025-03-03",
        planning_permit="2025-05-06",
        construction="2025-06-03",
        completion="2025-09-01",
        production="2025-10-09",
    )
    projects = [Project.objects.get(pk=p.pk) for p in (p1, p2, p3, p4, p5, p6)]
    return dict(anting=anting, nanxiang=nanxiang, officer=officer, other=other, projects=projects)
