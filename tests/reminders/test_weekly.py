"""The weekly pipeline report, received by a real SMTP server with its workbook."""

import io

import openpyxl
import pytest

from accounts.models import Role
from notifications.models import Notification
from notifications.services import update_preferences
from reminders.weekly import is_first_workday_of_week, send_weekly_reports
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "first"),
    [
        ("2026-11-30", True),  # an ordinary Monday
        ("2026-12-01", False),
        ("2026-10-08", True),  # Thursday after the National Day holiday (1–7 October)
        ("2026-10-09", False),
        ("2026-10-10", False),  # a working Saturday, but the week's first working day was the 8th
        ("2026-10-04", False),  # a holiday
    ],
)
def test_the_first_working_day_of_the_week(day, first):
    assert is_first_workday_of_week(f.date(day)) is first


def test_subscribed_managers_get_the_week_by_email_with_their_projects_attached_once(
    smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    anting, nanxiang = f.unit("安亭镇"), f.unit("南翔镇")
    manager = f.user("manager_a", role=Role.MANAGER, org_unit=anting, email="manager@anting.example.cn")
    quiet = f.user("manager_b", role=Role.MANAGER, org_unit=anting, email="quiet@anting.example.cn")
    update_preferences(manager, weekly_report=True)
    officer = f.user("officer_a", org_unit=anting)
    f.project(actor=officer, officer=officer, name="氢能重卡电堆项目", signed_on=f.date("2026-11-26"))
    f.project(
        actor=officer,
        leading_unit=nanxiang,
        town=nanxiang,
        name="南翔商业综合体",
        signed_on=f.date("2026-11-27"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert send_weekly_reports(f.date("2026-12-01")) == 0  # Tuesday: not the week's first working day
        assert send_weekly_reports(f.date("2026-11-30")) == 1
        assert send_weekly_reports(f.date("2026-11-30")) == 0

    [email] = smtp_server.wait_for(1)
    assert email.rcpt_tos == ["manager@anting.example.cn"]
    assert "每周推进报告" in email.subject
    assert "新签约项目 1 个" in email.body and "氢能重卡电堆项目" in email.body
    assert "南翔商业综合体" not in email.body
    [(filename, content, mimetype)] = email.attachments
    assert filename.endswith(".xlsx") and "spreadsheetml" in mimetype
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    names = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "氢能重卡电堆项目" in names and "南翔商业综合体" not in names
    assert Notification.objects.filter(recipient=manager, kind=Notification.Kind.WEEKLY_REPORT).count() == 1
    assert not Notification.objects.filter(recipient=quiet).exists()
