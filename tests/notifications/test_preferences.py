import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from common.exceptions import ServiceError
from notifications.models import NotificationPreference
from notifications.selectors import preferences_of, weekly_report_recipients
from notifications.services import update_preferences
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/preferences/"
WECOM = "https://qywx.example.gov.cn/cgi-bin/webhook/send?key=k-1"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=t-1"


@pytest.fixture
def unit_with_robots():
    return f.unit("嘉定工业区", kind="park", wecom_webhook=WECOM, dingtalk_webhook=DINGTALK, dingtalk_secret="SEC")


def test_defaults_follow_what_can_reach_the_user(unit_with_robots):
    bare = preferences_of(f.user())
    assert bare.channels == ("in_app",) and bare.available_channels == ("in_app",)
    assert bare.lead_days == (5, 1) and bare.weekly_report is False
    reachable = preferences_of(f.user(org_unit=unit_with_robots, email="li@example.gov.cn"))
    assert reachable.channels == ("in_app", "email", "wecom", "dingtalk")
    assert reachable.available_channels == reachable.channels
    # Reading the defaults writes nothing.
    assert not NotificationPreference.objects.exists()


def test_enterprise_users_are_never_offered_the_robots():
    ent_user = f.user(role=Role.ENTERPRISE, org_unit=None, enterprise=f.enterprise(), email="boss@example.com")
    assert preferences_of(ent_user).channels == ("in_app", "email")
    with pytest.raises(ServiceError, match="企业用户只能选择站内通知和邮件"):
        update_preferences(ent_user, channels=["in_app", "email", "wecom"])


def test_update_changes_only_what_is_given_and_normalises_lead_days(unit_with_robots):
    officer = f.user(org_unit=unit_with_robots, email="li@example.gov.cn")
    prefs = update_preferences(officer, channels=["dingtalk"], lead_days=[1, 10, 3, 10])
    assert prefs.channels == ("in_app", "dingtalk") and prefs.lead_days == (10, 3, 1)
    prefs = update_preferences(officer, lead_days=[])
    assert prefs.channels == ("in_app", "dingtalk") and prefs.lead_days == ()
    stored = NotificationPreference.objects.get(user=officer)
    assert (stored.email_enabled, stored.wecom_enabled, stored.dingtalk_enabled) == (False, False, True)


def test_a_channel_that_cannot_reach_the_user_is_refused_and_keeps_its_choice(unit_with_robots):
    officer = f.user()  # 安亭镇 has no robot; no email
    with pytest.raises(ServiceError) as refused:
        update_preferences(officer, channels=["email"])
    assert refused.value.message_dict["channels"] == ["您的账户未登记邮箱，无法选择邮件通知。"]
    with pytest.raises(ServiceError, match="您所在单位未配置钉钉群机器人"):
        update_preferences(officer, channels=["dingtalk"])
    update_preferences(officer, channels=[])
    # Choices about channels that cannot reach the user are kept for when they can.
    stored = NotificationPreference.objects.get(user=officer)
    assert stored.email_enabled and stored.dingtalk_enabled
    officer.email = "new@example.gov.cn"
    officer.save()
    assert preferences_of(officer).channels == ("in_app", "email")


def test_invalid_values_are_refused_in_chinese_and_nothing_is_written():
    officer = f.user()
    cases = {
        "lead_days": ([31], "提前提醒天数必须在 0 到 30 个工作日之间。"),
        "channels": (["fax"], "未知的通知渠道“fax”。"),
        "weekly_report": (True, "只有管理人员可以订阅周报。"),
    }
    for field, (value, message) in cases.items():
        with pytest.raises(ServiceError) as refused:
            update_preferences(officer, **{field: value})
        assert refused.value.message_dict[field] == [message]
    with pytest.raises(ServiceError, match="最多设置 5 个"):
        update_preferences(officer, lead_days=[1, 2, 3, 4, 5, 6])
    with pytest.raises(ServiceError, match="整数列表"):
        update_preferences(officer, lead_days=["5"])
    assert preferences_of(officer).lead_days == (5, 1)
    assert not NotificationPreference.objects.filter(user=officer, weekly_report=True).exists()


def test_managers_subscribe_to_the_weekly_report():
    manager = f.user(role=Role.MANAGER, org_unit=f.district())
    assert update_preferences(manager, weekly_report=True).weekly_report
    f.user(role=Role.MANAGER, org_unit=f.district())  # not subscribed
    inactive = f.user(role=Role.MANAGER, org_unit=f.district(), is_active=False)
    update_preferences(inactive, weekly_report=True)
    assert list(weekly_report_recipients()) == [manager]


def test_a_subscription_left_from_a_former_role_lapses():
    manager = f.user(role=Role.MANAGER, org_unit=f.district())
    update_preferences(manager, weekly_report=True)
    manager.role = Role.OFFICER
    manager.save()
    assert preferences_of(manager).weekly_report is False and list(weekly_report_recipients()) == []
    update_preferences(manager, lead_days=[2])
    assert NotificationPreference.objects.get(user=manager).weekly_report is False


def test_api_reads_and_writes_the_callers_own(unit_with_robots):
    alice = f.user("alice", org_unit=unit_with_robots, email="alice@example.gov.cn")
    bob = f.user("bob", org_unit=unit_with_robots, email="bob@example.gov.cn")
    api = client_for(alice)
    assert api.get(URL).json() == {
        "channels": ["in_app", "email", "wecom", "dingtalk"],
        "available_channels": ["in_app", "email", "wecom", "dingtalk"],
        "lead_days": [5, 1],
        "weekly_report": False,
    }
    put = api.put(URL, {"channels": ["email"], "lead_days": [3], "weekly_report": False}, format="json")
    assert put.status_code == 200
    assert put.json()["channels"] == ["in_app", "email"] and put.json()["lead_days"] == [3]
    patch = api.patch(URL, {"lead_days": [10, 2]}, format="json")
    assert patch.status_code == 200 and patch.json()["channels"] == ["in_app", "email"]
    assert patch.json()["lead_days"] == [10, 2]
    assert api.get(URL).json()["lead_days"] == [10, 2]
    assert preferences_of(bob).lead_days == (5, 1) and preferences_of(bob).channels[-1] == "dingtalk"


def test_api_refuses_bad_input_with_chinese_messages():
    officer = f.user()
    api = client_for(officer)
    incomplete = api.put(URL, {"lead_days": [3]}, format="json")
    assert incomplete.status_code == 400 and incomplete.json()["channels"] == ["该字段是必填项。"]
    out_of_range = api.patch(URL, {"lead_days": [0, 45]}, format="json")
    assert out_of_range.status_code == 400
    assert out_of_range.json()["lead_days"] == ["提前提醒天数必须在 0 到 30 个工作日之间。"]
    not_numbers = api.patch(URL, {"lead_days": ["明天"]}, format="json")
    assert not_numbers.status_code == 400 and "整数" in str(not_numbers.json()["lead_days"])
    unknown = api.patch(URL, {"channels": ["sms"]}, format="json")
    assert unknown.status_code == 400 and "不是合法选项" in str(unknown.json()["channels"])
    unreachable = api.patch(URL, {"channels": ["wecom"]}, format="json")
    assert unreachable.json()["channels"] == ["您所在单位未配置企业微信/政务微信群机器人，无法选择该渠道。"]
    weekly = api.patch(URL, {"weekly_report": True}, format="json")
    assert weekly.status_code == 400 and weekly.json()["weekly_report"] == ["只有管理人员可以订阅周报。"]
    assert api.patch(URL, ["lead_days"], format="json").status_code == 400
    assert not NotificationPreference.objects.exists()


def test_anonymous_callers_are_refused():
    api = APIClient()
    assert api.get(URL).status_code == 401
    assert api.patch(URL, {"lead_days": [1]}, format="json").status_code == 401


def test_admin_validates_lead_days(client):
    root = f.user("root", role=Role.ADMIN, org_unit=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    officer = f.user("li")
    add = reverse("admin:notifications_notificationpreference_add")
    form = {"user": officer.pk, "email_enabled": "on", "lead_days": "[40]", "weekly_report": ""}
    page = client.post(add, form)
    assert page.status_code == 200 and "提前提醒天数必须在 0 到 30 个工作日之间" in page.content.decode()
    assert client.post(add, {**form, "lead_days": "[2, 7]"}).status_code == 302
    assert preferences_of(officer).lead_days == (7, 2)
    assert client.get(reverse("admin:notifications_delivery_changelist")).status_code == 200
