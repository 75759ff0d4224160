"""Two reminder sweeps at the same moment on PostgreSQL, each on its own connection."""

import threading

import pytest
from django.db import connection

from notifications.models import Notification
from projects.models import ProjectStage
from reminders import services
from reminders.models import Reminder
from tests import factories as f

pytestmark = pytest.mark.postgres


def test_two_sweeps_at_once_send_each_reminder_once(on_postgres, committed_db):
    anting = f.unit("安亭镇")
    for number in range(40):
        officer = f.user(f"officer_{number}", org_unit=anting)
        project = f.project(actor=officer, officer=officer, name=f"并发项目{number}")
        ProjectStage.objects.filter(project=project, stage_type=project.current_stage).update(
            due_on=f.date("2026-12-07")
        )
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            services.sweep(f.date("2026-12-04"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Reminder.objects.count() == 40
    assert Notification.objects.count() == 40
    assert not Reminder.objects.filter(notification__isnull=True).exists()
