"""Creating many projects at once gives what creating them one by one gives; a refusal writes nothing."""

from decimal import Decimal

import pytest

from accounts.models import Role
from companies.models import IndustryChain
from projects import services
from projects.models import Project, ProjectStage
from tests import factories as f

pytestmark = pytest.mark.django_db

SIGNING_DATES = ("2025-01-06", "2025-01-06", "2025-09-30", None)


def items(suffix):
    officer = f.user(f"officer_{suffix}", org_unit=f.unit("安亭镇"))
    chain = IndustryChain.objects.get(code="auto")
    town = f.unit("安亭镇")
    return [
        {
            "name": f"项目{number}{suffix}",
            "enterprise": f.enterprise(),
            "leading_unit": town,
            "town": town,
            "officer": officer,
            "total_investment": Decimal("12345.67"),
            "industry_chain": chain,
            "signed_on": f.date(signed_on) if signed_on else None,
        }
        for number, signed_on in enumerate(SIGNING_DATES)
    ]


def what_was_written(project):
    """The project's plan and history, without what differs between two projects (ids, names, dates)."""
    stages = ProjectStage.objects.filter(project=project).select_related("stage_type").order_by("stage_type__order")
    return {
        "current_stage": project.current_stage_id,
        "stages": [
            (
                s.stage_type.code,
                s.status,
                s.started_on,
                s.finished_on,
                s.due_on,
                s.due_is_provisional,
                s.owner_id == project.officer_id,
            )
            for s in stages
        ],
        "project_history": [
            (h.history_type, h.history_user_id, h.history_change_reason, h.code == project.code, h.current_stage_id)
            for h in project.history.order_by("history_id")
        ],
        "stage_history": [
            (h.stage_type.code, h.history_type, h.history_user_id, h.history_change_reason, h.status, h.due_on)
            for h in ProjectStage.history.filter(project_id=project.pk).order_by("stage_type__order", "history_id")
        ],
    }


def test_many_at_once_are_created_as_one_by_one():
    manager = f.user("manager", role=Role.MANAGER, org_unit=f.district())
    one_by_one = [services.create_project(actor=manager, **item) for item in items("甲")]
    together = services.create_projects(actor=manager, items=items("乙"))

    for single, bulk in zip(one_by_one, together, strict=True):
        bulk.refresh_from_db()
        single.refresh_from_db()
        assert what_was_written(bulk) == what_was_written(single)
    signed = what_was_written(together[0])
    assert [reason for *_head, reason, _status, _due in signed["stage_history"][:2]] == ["按签约日期完成"] * 2
    assert signed["project_history"] == [("+", manager.pk, "创建项目", True, signed["current_stage"])]
    codes = [p.code for p in (*one_by_one, *together)]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "名" * 300},  # checked before the insert
        {"funds_in_place": Decimal("-1.00")},  # refused by the database's check constraint
    ],
)
def test_a_refused_item_writes_nothing(bad):
    manager = f.user("manager", role=Role.MANAGER, org_unit=f.district())
    given = items("丙")
    given[2].update(bad)
    counts = (Project.objects.count(), ProjectStage.objects.count(), Project.history.count())

    with pytest.raises(services.ProjectsRefused) as refused:
        services.create_projects(actor=manager, items=given)
    with pytest.raises(services.ProjectsRefused) as checked:
        services.check_new_projects(actor=manager, items=given)

    assert list(refused.value.errors) == list(checked.value.errors) == [2]
    assert refused.value.errors[2].message_dict == checked.value.errors[2].message_dict
    assert (Project.objects.count(), ProjectStage.objects.count(), Project.history.count()) == counts


def test_checking_new_projects_writes_nothing():
    manager = f.user("manager", role=Role.MANAGER, org_unit=f.district())
    counts = (Project.objects.count(), ProjectStage.objects.count(), Project.history.count())

    services.check_new_projects(actor=manager, items=items("丁"))

    assert (Project.objects.count(), ProjectStage.objects.count(), Project.history.count()) == counts
