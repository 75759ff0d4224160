"""Many notifications at once (the reminder sweep's deliveries): the same rows, history and deliveries as
`notify` gives one by one, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from common.exceptions import ServiceError
from notifications import services
from notifications.models import Delivery, Notification
from notifications.services import notify, notify_many, update_preferences
from tests import factories as f

pytestmark = pytest.mark.django_db


def draft(recipient, title, key="", kind="stage_due", url="/projects/1/"):
    return Notification(recipient=recipient, kind=kind, title=title, body="到期日期：2026-12-07", url=url, key=key)


def channels_of(notification) -> dict[str, str]:
    return {d.channel: d.target for d in notification.deliveries.all()}


def test_each_notification_gets_its_row_its_history_and_a_delivery_per_chosen_channel(
    robot_unit, published, django_capture_on_commit_callbacks
):
    officer = f.user(org_unit=robot_unit, email="li@example.gov.cn")
    quiet = f.user(org_unit=robot_unit, email="wang@example.gov.cn")
    update_preferences(quiet, channels=["in_app", "wecom"])
    enterprise_user = f.user(role=Role.ENTERPRISE, org_unit=None, enterprise=f.enterprise(), email="boss@example.com")
    inactive = f.user(org_unit=robot_unit, email="gone@example.gov.cn", is_active=False)
    drafts = [draft(officer, "阶段一"), draft(quiet, "阶段二"), draft(enterprise_user, "诉求"), draft(inactive, "停用")]

    with django_capture_on_commit_callbacks(execute=True):
        notes = notify_many(drafts)
        assert published == []  # not before the commit

    assert [n.title for n in notes] == ["阶段一", "阶段二", "诉求", "停用"] and all(n.pk for n in notes)
    assert channels_of(notes[0]) == {"email": "li@example.gov.cn", "wecom": "127.0.0.1", "dingtalk": "127.0.0.1"}
    assert channels_of(notes[1]) == {"wecom": "127.0.0.1"}
    assert channels_of(notes[2]) == {"email": "boss@example.com"}
    assert channels_of(notes[3]) == {}
    assert sorted(pk for pk, _countdown in published) == sorted(Delivery.objects.values_list("pk", flat=True))
    for note in notes:
        [record] = note.history.all()
        assert (record.history_type, record.history_user, record.history_change_reason) == ("+", None, "发送通知")


def test_a_keyed_notification_already_there_is_returned_and_not_delivered_again(robot_unit, published):
    officer = f.user(org_unit=robot_unit, email="li@example.gov.cn")
    first = notify(officer, "stage_due", "阶段一", key="stage:1:due:2026-12-07")
    deliveries = Delivery.objects.count()

    notes = notify_many([draft(officer, "阶段一", key="stage:1:due:2026-12-07"), draft(officer, "阶段二", key="k2")])

    assert notes[0].pk == first.pk and notes[1].pk != first.pk
    assert Notification.objects.count() == 2 and Delivery.objects.count() == deliveries + 3
    assert Notification.history.filter(id=first.pk).count() == 1


def test_a_notification_made_by_another_process_meanwhile_is_taken_as_notify_would(monkeypatch, published):
    officer = f.user(email="li@example.gov.cn")
    other = notify(officer, "stage_due", "阶段一", key="k1")
    # As if the other process inserted its row after this one looked for existing keys.
    monkeypatch.setattr(services, "_keyed_notifications", lambda drafts: {})

    notes = notify_many([draft(officer, "阶段一", key="k1"), draft(officer, "阶段二", key="k2")])

    assert notes[0].pk == other.pk and notes[1].title == "阶段二"
    assert Notification.objects.count() == 2


def test_titles_are_cut_and_bad_kinds_or_links_are_refused_before_anything_is_written():
    officer = f.user()
    [note] = notify_many([draft(officer, "长" * 300)])
    assert len(note.title) == 200
    with pytest.raises(ServiceError, match="未知的通知类型"):
        notify_many([draft(officer, "x"), draft(officer, "y", kind="bogus")])
    with pytest.raises(ServiceError, match="站内相对链接"):
        notify_many([draft(officer, "x", url="https://example.com/")])
    assert Notification.objects.count() == 1


def test_the_queries_do_not_grow_with_the_number_of_notifications(robot_unit):
    def queries_for(count):
        # Users made with their unit object carry it, as the callers give them.
        drafts = [
            draft(f.user(org_unit=robot_unit, email=f"u{count}_{n}@example.gov.cn"), f"通知{n}", key=f"k{n}")
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            notify_many(drafts)
        return len(queries)

    assert queries_for(2) == queries_for(12)
    assert Delivery.objects.count() == 14 * 3
