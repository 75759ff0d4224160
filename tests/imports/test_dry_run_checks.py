"""A dry run refuses exactly the new projects a commit would refuse, the database's own checks included,
and writes nothing."""

from decimal import Decimal

import pytest

from accounts.models import Role
from companies.models import IndustryChain
from projects import services
from projects.models import Project
from tests import factories as f

pytestmark = pytest.mark.django_db


def items(count=3, **changes):
    town = f.unit("安亭镇")
    chain = IndustryChain.objects.get(code="auto")
    return [
        {
            "name": f"检查项目{number}",
            "enterprise": f.enterprise(),
            "leading_unit": town,
            "town": town,
            "industry_chain": chain,
            "total_investment": Decimal("1000.00"),
            "signed_on": f.date("2025-03-03"),
            **changes,
        }
        for number in range(count)
    ]


def manager():
    return f.user("manager", role=Role.MANAGER, org_unit=f.district())


def test_a_project_over_its_check_constraint_is_refused_as_by_the_insert():
    actor, given = manager(), items()
    given[1]["fixed_asset_investment"] = Decimal("2000.00")

    with pytest.raises(services.ProjectsRefused) as refused:
        services.create_projects(actor=actor, items=given)
    with pytest.raises(services.ProjectsRefused) as checked_only:
        services.check_new_projects(actor=actor, items=given)

    assert list(refused.value.errors) == list(checked_only.value.errors) == [1]
    assert refused.value.errors[1].message_dict == checked_only.value.errors[1].message_dict
    assert Project.objects.filter(name__startswith="检查项目").count() == 0
