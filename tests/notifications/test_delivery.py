"""Notifications going out by email and group robots: which deliveries are made, and how each is sent,
retried, recovered and never sent twice. The channels are real local servers (tests/servers.py)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications import dispatch
from notifications.models import Delivery
from notifications.services import notify, retry_deliveries, update_preferences
from notifications.tasks import deliver, recover_deliveries
from tests import factories as f
from tests.servers import free_port

pytestmark = pytest.mark.django_db

S = Delivery.Status


def make_due(delivery):
    """As if the time to try again had come."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def age(queryset, **delta):
    past = timezone.now() - datetime.timedelta(**delta)
    queryset.update(created_at=past)


def channels_of(notification) -> dict[str, str]:
    return {d.channel: d.target for d in notification.deliveries.all()}


def test_notify_makes_a_delivery_for_each_chosen_channel_that_reaches_the_recipient(
    robot_unit, published, django_capture_on_commit_callbacks
):
    officer = f.user(org_unit=robot_unit, email="li@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(officer, "stage_due", "准入评估即将到期", url="/projects/1/")
        assert published == []  # not before the commit
    assert channels_of(note) == {"email": "li@example.gov.cn", "wecom": "127.0.0.1", "dingtalk": "127.0.0.1"}
    assert sorted(published) == sorted((d.pk, None) for d in note.deliveries.all())
    # The webhook's key and the signing secret are never recorded.
    for delivery in note.deliveries.all():
        assert robot_unit.dingtalk_secret not in str(vars(delivery)) and "key=" not in delivery.target

    assert channels_of(notify(f.user(), "system", "没有邮箱的专员")) == {}
    ent_user = f.user(role=Role.ENTERPRISE, org_unit=None, enterprise=f.enterprise(), email="boss@example.com")
    assert channels_of(notify(ent_user, "system", "企业用户")) == {"email": "boss@example.com"}
    assert channels_of(notify(officer, "system", "仅站内", deliver=False)) == {}
    inactive = f.user(org_unit=robot_unit, email="gone@example.gov.cn", is_active=False)
    assert channels_of(notify(inactive, "system", "已停用")) == {}


def test_a_user_who_turned_email_off_gets_no_email_delivery(robot_unit):
    officer = f.user(org_unit=robot_unit, email="li@example.gov.cn")
    update_preferences(officer, channels=["in_app", "wecom"])
    assert channels_of(notify(officer, "system", "通知")) == {"wecom": "127.0.0.1"}


def test_a_keyed_notification_is_not_delivered_again(robot_unit, published, django_capture_on_commit_callbacks):
    officer = f.user(org_unit=robot_unit, email="li@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(officer, "request_due", "诉求明天到期", key="request-due:7")
    with django_capture_on_commit_callbacks(execute=True):
        again = notify(officer, "request_due", "诉求明天到期", key="request-due:7")
    assert again.pk == first.pk and Delivery.objects.count() == 3 and len(published) == 3


def test_email_reaches_the_recipient_with_subject_body_and_link(smtp_server, settings):
    settings.SITE_URL = "https://zs.jiading.example.gov.cn/"
    officer = f.user(email="li@example.gov.cn")
    note = notify(officer, "stage_due", "准入评估即将到期", body="还剩 2 个工作日。", url="/projects/7/")
    delivery = note.deliveries.get()
    deliver(delivery.pk)
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["li@example.gov.cn"] and received.subject == "准入评估即将到期"
    assert "还剩 2 个工作日。" in received.body
    assert "https://zs.jiading.example.gov.cn/projects/7/" in received.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (S.SENT, 1, "") and delivery.sent_at


def test_delivering_twice_sends_once_and_the_database_holds_one_row_per_channel(smtp_server):
    note = notify(f.user(email="li@example.gov.cn"), "system", "只发一次")
    delivery = note.deliveries.get()
    deliver(delivery.pk)
    deliver(delivery.pk)
    assert dispatch.attempt(delivery.pk) is None
    assert len(smtp_server.wait_for(1)) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(notification=note, channel="email", target="other@example.gov.cn")


def test_a_failing_robot_is_retried_with_backoff_then_fails_while_the_email_goes(robot_server, smtp_server, published):
    unit = f.unit("故障机器人园区", kind="park", wecom_webhook=robot_server.url("/cgi-bin/webhook/send?key=broken"))
    officer = f.user(org_unit=unit, email="li@example.gov.cn", display_name="李专员")
    note = notify(officer, "stage_overdue", "阶段已逾期")
    email, wecom = note.deliveries.get(channel="email"), note.deliveries.get(channel="wecom")
    robot_server.answer_next(body={"errcode": 93000, "errmsg": "invalid webhook url"})
    robot_server.answer_always(status=500, body={"error": "internal"})

    deliver(wecom.pk)
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts) == (S.PENDING, 1)
    assert wecom.last_error == "机器人拒绝了消息：errcode 93000，invalid webhook url"
    deliver(email.pk)  # the robot's failure holds nothing back
    assert smtp_server.wait_for(1)[0].subject == "阶段已逾期"

    waits = [published[-1][1]]
    for attempt in range(2, 6):
        deliver(wecom.pk)  # too early: nothing is sent
        assert len(robot_server.requests) == attempt - 1
        make_due(wecom)
        before = timezone.now()
        deliver(wecom.pk)
        wecom.refresh_from_db()
        assert wecom.attempts == attempt and wecom.last_error == "机器人服务器答复 HTTP 500。"
        if attempt < 5:
            assert wecom.status == S.PENDING
            waits.append(published[-1][1])
            assert wecom.next_attempt_at - before >= datetime.timedelta(seconds=published[-1][1] - 1)
    assert waits == [30, 120, 480, 1920]
    assert wecom.status == S.FAILED and len(robot_server.requests) == 5
    make_due(wecom)
    deliver(wecom.pk)
    assert len(robot_server.requests) == 5
    email.refresh_from_db()
    assert email.status == S.SENT

    # An administrator may send it again, from its first attempt.
    robot_server.answer_always()
    assert retry_deliveries(Delivery.objects.all()) == 1
    deliver(wecom.pk)
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts) == (S.SENT, 1)


def test_max_attempts_come_from_the_settings(robot_server, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    unit = f.unit("单次尝试园区", kind="park", wecom_webhook=robot_server.url("/send?key=once"))
    robot_server.answer_always(status=500)
    wecom = notify(f.user(org_unit=unit), "system", "通知").deliveries.get()
    deliver(wecom.pk)
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts) == (S.FAILED, 1)


def test_a_network_error_is_a_failed_attempt_that_keeps_the_key_secret(published):
    closed = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=SECRETKEY123"
    unit = f.unit("断网园区", kind="park", wecom_webhook=closed)
    wecom = notify(f.user(org_unit=unit), "system", "通知").deliveries.get()
    deliver(wecom.pk)
    wecom.refresh_from_db()
    assert (wecom.status, wecom.attempts) == (S.PENDING, 1) and published == [(wecom.pk, 30)]
    assert wecom.last_error.startswith("无法连接机器人服务器") and "SECRETKEY123" not in wecom.last_error


def test_a_robot_removed_since_fails_at_once(robot_unit, published):
    dingtalk = notify(f.user(org_unit=robot_unit), "system", "通知").deliveries.get(channel="dingtalk")
    robot_unit.dingtalk_webhook = ""
    robot_unit.save()
    deliver(dingtalk.pk)
    dingtalk.refresh_from_db()
    assert (dingtalk.status, dingtalk.last_error) == (S.FAILED, "单位已不再配置该机器人。") and published == []


def test_a_delivery_held_by_a_live_worker_is_left_alone_and_taken_over_when_it_stops(smtp_server, settings):
    delivery = notify(f.user(email="li@example.gov.cn"), "system", "通知").deliveries.get()
    assert dispatch.claim(delivery.pk) is not None  # a worker took it ...
    deliver(delivery.pk)
    assert smtp_server.messages == []
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    Delivery.objects.filter(pk=delivery.pk).update(heartbeat_at=stale)  # ... and died
    deliver(delivery.pk)
    assert len(smtp_server.wait_for(1)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (S.SENT, 2)


def test_recovery_republishes_lost_and_abandoned_deliveries_only(published, settings):
    user = f.user(email="li@example.gov.cn")
    fresh, lost, later, abandoned, busy, exhausted, sent = (
        notify(user, "system", f"通知{n}").deliveries.get() for n in range(7)
    )
    age(Delivery.objects.exclude(pk=fresh.pk), minutes=5)
    future = timezone.now() + datetime.timedelta(minutes=5)
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=future, attempts=1)
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    Delivery.objects.filter(pk=abandoned.pk).update(status=S.SENDING, heartbeat_at=stale, attempts=1)
    Delivery.objects.filter(pk=busy.pk).update(status=S.SENDING, heartbeat_at=timezone.now(), attempts=1)
    Delivery.objects.filter(pk=exhausted.pk).update(status=S.SENDING, heartbeat_at=stale, attempts=5)
    Delivery.objects.filter(pk=sent.pk).update(status=S.SENT)

    assert recover_deliveries() == {"republished": 2, "failed": 1}
    assert sorted(published) == sorted([(lost.pk, None), (abandoned.pk, None)])
    exhausted.refresh_from_db()
    assert exhausted.status == S.FAILED and exhausted.last_error == "多次尝试后仍未发送成功。"
    # A retry whose time passed more than a minute ago was lost too.
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=2))
    published.clear()
    recover_deliveries()
    assert (later.pk, None) in published


def test_administrators_see_deliveries_and_send_failed_ones_again(
    client, smtp_server, published, django_capture_on_commit_callbacks
):
    root = f.user("root", role=Role.ADMIN, org_unit=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    note = notify(f.user(email="li@example.gov.cn"), "system", "投递失败的通知")
    delivery = note.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=S.FAILED, attempts=5, last_error="连接超时")
    changelist = reverse("admin:notifications_delivery_changelist")
    page = client.get(changelist, {"status": "failed"}).content.decode()
    assert "投递失败的通知" in page and "li@example.gov.cn" in page
    assert "连接超时" in client.get(reverse("admin:notifications_notification_change", args=[note.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_again", "_selected_action": [delivery.pk]})
    assert published == [(delivery.pk, None)]
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (S.SENT, 1) and len(smtp_server.wait_for(1)) == 1
