"""The notification pages: each user's own inbox, marking read, and the notification settings."""

import pytest

from notifications import services
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
PREFERENCES = "/notifications/preferences/"


def send(user, title, url="", **extra):
    return services.notify(user, Notification.Kind.SYSTEM, title, body=f"{title}的内容", url=url, **extra)


def bell_count(response) -> int:
    """The unread count the navbar's bell shows (0 when it shows no badge)."""
    html = response.content.decode()
    marker = 'data-unread="'
    if marker not in html:
        return 0
    start = html.index(marker) + len(marker)
    return int(html[start : html.index('"', start)])


@pytest.fixture
def inbox(world):
    officer = world["officer"]
    read = send(officer, "已读通知")
    services.mark_read(officer, ids=[read.pk])
    unread = [send(officer, f"未读通知{n}", url=f"/projects/{n}/") for n in range(6)]
    others = send(world["other_officer"], "别人的通知")
    return dict(read=read, unread=unread, others=others)


def test_the_list_shows_own_notifications_newest_first_unread_highlighted(pages, inbox, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = pages["officer"].get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "别人的通知" not in html
    positions = [html.index(f"未读通知{n}") for n in reversed(range(6))]
    assert positions == sorted(positions) and html.index("未读通知0") < html.index("已读通知")
    newest = inbox["unread"][-1]
    assert f'id="notification-{newest.pk}" data-read="0"' in html
    assert f'id="notification-{inbox["read"].pk}" data-read="1"' in html
    assert "list-group-item-primary" in html and "全部标为已读" in html
    assert bell_count(response) == 6


def test_the_list_query_count_does_not_grow_with_the_rows(pages, world, django_assert_max_num_queries):
    for n in range(40):
        send(world["officer"], f"通知{n}")
    with django_assert_max_num_queries(5):
        response = pages["officer"].get(LIST + "?page=2")
    assert "通知14" in response.content.decode()  # newest first, 25 a page: the 26th newest is 通知14


def test_the_unread_tab_shows_only_unread(pages, inbox):
    html = pages["officer"].get(LIST + "?unread=1").content.decode()
    assert "未读通知3" in html and "已读通知" not in html


def test_marking_one_read_drops_the_bell(pages, inbox):
    client, target = pages["officer"], inbox["unread"][2]
    response = client.post(f"/notifications/{target.pk}/read/", {"next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    target.refresh_from_db()
    assert target.read_at is not None and target.history.first().history_user == target.recipient
    assert bell_count(client.get(LIST)) == 5


def test_marking_one_read_through_htmx_answers_the_row_and_the_bell(pages, inbox):
    target = inbox["unread"][0]
    response = pages["officer"].post(f"/notifications/{target.pk}/read/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{target.pk}" data-read="1"' in html
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html and 'data-unread="5"' in html
    assert "<html" not in html


def test_all_read(pages, inbox):
    client = pages["officer"]
    response = client.post("/notifications/read-all/", follow=True)
    assert "已将 6 条通知标为已读" in response.content.decode()
    assert bell_count(response) == 0
    assert not Notification.objects.filter(recipient=inbox["read"].recipient, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=inbox["others"].pk).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(pages, inbox):
    target = inbox["unread"][4]
    response = pages["officer"].post(f"/notifications/{target.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/projects/4/"
    target.refresh_from_db()
    assert target.is_read


def test_someone_elses_notification_is_not_found(pages, inbox):
    other = inbox["others"]
    assert pages["officer"].post(f"/notifications/{other.pk}/read/").status_code == 404
    assert pages["officer"].post(f"/notifications/{other.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_enterprise_users_have_their_notifications_too(pages, world):
    send(world["ent_user"], "您的诉求已受理", url="/service-requests/1/")
    response = pages["ent_user"].get(LIST)
    assert response.status_code == 200 and "您的诉求已受理" in response.content.decode()
    assert bell_count(response) == 1
    assert pages["ent_user"].get(PREFERENCES).status_code == 200


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get(LIST)["Location"].startswith("/accounts/login/")


# --- Preferences ------------------------------------------------------------------------------


def test_preferences_show_the_defaults(pages, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = pages["officer"].get(PREFERENCES)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="5,1"' in html and "订阅每周推进报告" not in html  # officers get no weekly report
    assert "钉钉群机器人" in html and "当前无法送达" in html  # no robot on the unit, no email


def test_preferences_are_saved_through_the_service(pages, world):
    manager = world["manager"]
    manager.email = "wang@example.com"
    manager.save()
    response = pages["manager"].post(
        PREFERENCES, {"channels": ["email"], "lead_days": "3，10、1", "weekly_report": "on"}, follow=True
    )
    assert "通知设置已保存" in response.content.decode()
    stored = NotificationPreference.objects.get(user=manager)
    assert stored.lead_days == [10, 3, 1] and stored.weekly_report and stored.email_enabled
    assert 'value="10,3,1"' in response.content.decode()


def test_an_empty_lead_time_means_overdue_reminders_only(pages, world):
    pages["officer"].post(PREFERENCES, {"lead_days": ""})
    assert NotificationPreference.objects.get(user=world["officer"]).lead_days == []


def test_lead_days_that_are_not_numbers_keep_the_input_and_say_why(pages, world):
    response = pages["officer"].post(PREFERENCES, {"lead_days": "5,三"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写以逗号分隔的工作日天数" in html and 'value="5,三"' in html
    assert not NotificationPreference.objects.filter(user=world["officer"]).exists()


def test_lead_days_out_of_range_show_the_services_error(pages, world):
    response = pages["officer"].post(PREFERENCES, {"lead_days": "40,1"})
    html = response.content.decode()
    assert "提前提醒天数必须在 0 到 30 个工作日之间" in html and 'value="40,1"' in html
    assert not NotificationPreference.objects.filter(user=world["officer"]).exists()


def test_a_channel_that_cannot_reach_the_user_is_refused(pages, world):
    response = pages["officer"].post(PREFERENCES, {"channels": ["email"], "lead_days": "5,1"})
    assert "您的账户未登记邮箱，无法选择邮件通知" in response.content.decode()


def test_enterprise_users_are_offered_the_inbox_and_email_only(pages, world):
    html = pages["ent_user"].get(PREFERENCES).content.decode()
    assert 'value="email"' in html and 'value="wecom"' not in html and 'value="dingtalk"' not in html
    response = pages["ent_user"].post(PREFERENCES, {"channels": ["wecom"], "lead_days": "1"})
    assert "wecom" in response.content.decode() and response.status_code == 200
    assert not NotificationPreference.objects.filter(user=world["ent_user"]).exists()


def test_a_robot_on_the_users_unit_can_be_chosen(pages, world):
    unit = world["anting"]
    unit.wecom_webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    unit.save()
    html = pages["officer"].get(PREFERENCES).content.decode()
    assert html.count("当前无法送达") == 2  # email and DingTalk; the unit's WeCom robot reaches the officer
