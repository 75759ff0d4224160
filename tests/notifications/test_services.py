import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Role
from common.exceptions import ServiceError
from notifications.models import Notification
from notifications.selectors import own_notifications, unread_count
from notifications.services import mark_read, notify
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_notify_stores_the_message_and_its_target():
    officer = f.user()
    project = f.project(actor=officer)
    note = notify(
        officer, Notification.Kind.STAGE_DUE, "准入评估即将到期", body="还剩 2 个工作日", url="/p/1/", target=project
    )
    note.refresh_from_db()
    assert (note.recipient, note.kind, note.title, note.body, note.url) == (
        officer,
        "stage_due",
        "准入评估即将到期",
        "还剩 2 个工作日",
        "/p/1/",
    )
    assert note.target == project and note.read_at is None and not note.is_read
    assert note.history.count() == 1 and note.history.first().history_change_reason == "发送通知"


def test_notify_refuses_unknown_kinds_and_links_off_site():
    officer = f.user()
    with pytest.raises(ServiceError, match="未知的通知类型"):
        notify(officer, "bogus", "x")
    for url in ["https://example.com/", "//example.com/x", "javascript:alert(1)"]:
        with pytest.raises(ServiceError, match="站内相对链接"):
            notify(officer, "system", "x", url=url)
    assert not Notification.objects.exists()


def test_a_keyed_notification_is_delivered_once():
    officer = f.user()
    first = notify(officer, "request_due", "诉求明天到期", key="request-due:7:2025-06-03")
    again = notify(officer, "request_due", "诉求明天到期", key="request-due:7:2025-06-03")
    other = notify(f.user(), "request_due", "诉求明天到期", key="request-due:7:2025-06-03")
    assert again.pk == first.pk and other.pk != first.pk
    assert Notification.objects.count() == 2
    # Unkeyed notifications are never merged.
    notify(officer, "system", "维护通知")
    notify(officer, "system", "维护通知")
    assert own_notifications(officer).filter(kind="system").count() == 2


def test_long_titles_are_cut_to_fit():
    note = notify(f.user(), "system", "长" * 300)
    assert len(note.title) == 200


def test_mark_read_touches_only_the_users_own_and_is_audited():
    alice, bob = f.user(), f.user()
    mine = [notify(alice, "system", f"通知{i}") for i in range(3)]
    theirs = notify(bob, "system", "别人的通知")
    assert mark_read(alice, ids=[mine[0].pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None and unread_count(alice) == 2
    assert mark_read(alice) == 2 and unread_count(alice) == 0 and unread_count(bob) == 1
    assert mark_read(alice) == 0
    record = Notification.objects.get(pk=mine[1].pk).history.order_by("-history_id").first()
    assert record.history_user == alice and record.history_change_reason == "已读"


def test_anonymous_users_have_no_notifications():
    from django.contrib.auth.models import AnonymousUser

    notify(f.user(), "system", "x")
    assert not own_notifications(AnonymousUser()).exists() and not own_notifications(None).exists()


def test_admin_lists_and_filters_but_does_not_edit(client):
    root = f.user("root", role=Role.ADMIN, org_unit=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    alice = f.user("alice")
    read = notify(alice, "system", "已读的通知")
    notify(alice, "request_rating_poor", "诉求收到差评")
    mark_read(alice, ids=[read.pk])
    url = reverse("admin:notifications_notification_changelist")
    page = client.get(url, {"read": "no"}).content.decode()
    assert "诉求收到差评" in page and "已读的通知" not in page
    page = client.get(url, {"kind": "system"}).content.decode()
    assert "已读的通知" in page and "诉求收到差评" not in page
    change = client.get(reverse("admin:notifications_notification_change", args=[read.pk]))
    assert change.status_code == 200 and 'name="title"' not in change.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert not admin.site._registry[Notification].has_delete_permission(None)
