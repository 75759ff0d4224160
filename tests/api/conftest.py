import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories as f


@pytest.fixture
def api():
    return APIClient()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(db):
    """Two towns, their officers and a district manager; an enterprise user of an Anting enterprise."""
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    officer = f.user("officer_a", org_unit=anting)
    other_officer = f.user("officer_n", org_unit=nanxiang)
    manager = f.user("manager", role=Role.MANAGER, org_unit=f.district())
    town_manager = f.user("manager_a", role=Role.MANAGER, org_unit=anting)
    ent = f.enterprise("安亭样例汽车零部件有限公司", town=anting, uscc="91310114570796872F")
    ent_user = f.user("ent", role=Role.ENTERPRISE, enterprise=ent, org_unit=None)
    anting_project = f.project(
        actor=officer,
        enterprise=ent,
        leading_unit=anting,
        town=anting,
        officer=officer,
        signed_on=f.date("2025-01-06"),
        fixed_asset_investment=6000,
    )
    nanxiang_project = f.project(
        actor=other_officer, leading_unit=nanxiang, town=nanxiang, officer=other_officer, signed_on=f.date("2025-03-03")
    )
    return dict(
        anting=anting,
        nanxiang=nanxiang,
        officer=officer,
        other_officer=other_officer,
        manager=manager,
        town_manager=town_manager,
        enterprise=ent,
        ent_user=ent_user,
        anting_project=anting_project,
        nanxiang_project=nanxiang_project,
    )
