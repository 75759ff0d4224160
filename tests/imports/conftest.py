import pytest

from accounts.models import Role
from projects import services as project_services
from tests import factories as f
from tests.api.conftest import client_for

from .workbooks import uscc


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(db, media):
    """安亭镇 and 南翔镇 under the district; an officer of each, a district manager, an enterprise user."""
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    f.unit("嘉定工业区", kind="park")
    manager = f.user("district_manager", role=Role.MANAGER, org_unit=f.district(), display_name="王经理")
    officer = f.user("anting_officer", org_unit=anting, display_name="李专员")
    other_officer = f.user("nanxiang_officer", org_unit=nanxiang, display_name="赵专员")
    known = f.enterprise("上海已知汽车部件有限公司", town=anting, uscc=uscc(1))
    ent_user = f.user("ent_user", role=Role.ENTERPRISE, enterprise=known, org_unit=None)
    event = project_services.create_signing_event(actor=manager, name="进博会嘉定专场签约", date=f.date("2024-11-06"))
    return dict(
        anting=anting,
        nanxiang=nanxiang,
        manager=manager,
        officer=officer,
        other_officer=other_officer,
        known=known,
        ent_user=ent_user,
        event=event,
    )


@pytest.fixture
def as_officer(people):
    return client_for(people["officer"])


@pytest.fixture
def as_manager(people):
    return client_for(people["manager"])
