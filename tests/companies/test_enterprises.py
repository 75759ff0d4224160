import pytest

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from companies import services
from companies.models import Enterprise, RegistrationType
from tests import factories as f

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields.setdefault("registration_type", RegistrationType.PRIVATE)
    return services.create_enterprise(actor=actor, **fields)


def test_uscc_is_normalised_validated_and_unique():
    officer = f.user()
    ent = create(officer, name="上海海康威视科技有限公司", uscc=" 91310114570796872f ")
    assert ent.uscc == "91310114570796872F"
    with pytest.raises(ServiceError) as raised:
        create(officer, name="另一家公司", uscc="91310114570796872E")
    assert "校验位错误" in raised.value.message_dict["uscc"][0]
    with pytest.raises(ServiceError) as raised:
        create(officer, name="完全不同的名字", uscc="91310114570796872F", allow_duplicate=True)
    assert "uscc" in raised.value.message_dict


def test_foreign_investor_may_have_no_uscc():
    ent = create(f.user(), name="Bosch Rexroth AG", registration_type=RegistrationType.FOREIGN, origin="德国")
    assert ent.uscc is None
    assert create(f.user(), name="Mobileye N.V.", registration_type=RegistrationType.FOREIGN).uscc is None


def test_a_close_name_is_flagged_before_it_is_saved():
    officer = f.user()
    create(officer, name="上海卓钢链电子商务有限公司")
    with pytest.raises(services.PossibleDuplicateError) as raised:
        create(officer, name="卓钢链电子商务（上海）有限公司")
    assert raised.value.duplicates[0].enterprise.name == "上海卓钢链电子商务有限公司"
    assert "可能与已有企业重复" in raised.value.messages[0]
    assert Enterprise.objects.count() == 1
    create(officer, name="卓钢链电子商务（上海）有限公司", allow_duplicate=True)
    assert Enterprise.objects.count() == 2


def test_a_uscc_one_character_off_is_flagged():
    officer = f.user()
    create(officer, name="甲公司", uscc="914403001922038216")
    # One character of the body mistyped; the check character is then recomputed.
    with pytest.raises(services.PossibleDuplicateError):
        create(officer, name="乙公司", uscc="914403001922038229")


def test_unrelated_names_are_not_flagged():
    officer = f.user()
    create(officer, name="上海汽车集团股份有限公司")
    create(officer, name="联影医疗科技股份有限公司")


def test_enterprise_users_cannot_maintain_enterprises():
    ent = f.enterprise()
    user = f.user(role=Role.ENTERPRISE, enterprise=ent, org_unit=None)
    with pytest.raises(PermissionDeniedError):
        create(user, name="新企业")


def test_stale_update_is_refused():
    officer = f.user()
    ent = create(officer, name="某某科技有限公司")
    services.update_enterprise(actor=officer, enterprise=ent, expected_version=1, address="嘉定区安亭镇")
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.update_enterprise(actor=officer, enterprise=ent, expected_version=1, address="嘉定区南翔镇")
    ent.refresh_from_db()
    assert (ent.address, ent.version) == ("嘉定区安亭镇", 2)
    assert ent.history.first().history_user == officer
