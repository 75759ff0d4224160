"""The weekly pipeline report: on the first working day of each week, managers who asked for it get
the week's changes in their scope by email, with the project list as an Excel workbook."""

import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from notifications.models import Notification
from notifications.selectors import weekly_report_recipients
from notifications.services import notify
from projects.models import ProjectStage
from projects.selectors import visible_projects
from workdays.calendar import Calendar

LISTED = 20  # items named in the email for each kind of change; the workbook has everything


@dataclass
class WeekChanges:
    start: dt.date  # the first day of the week reported on
    end: dt.date  # its last day
    new_signings: list
    finished_stages: list
    newly_overdue: list


def is_first_workday_of_week(day: dt.date, calendar: Calendar | None = None) -> bool:
    calendar = calendar or Calendar(day.year - 1, day.year)
    if not calendar.is_workday(day):
        return False
    monday = day - dt.timedelta(days=day.weekday())
    return not any(calendar.is_workday(monday + dt.timedelta(days=n)) for n in range(day.weekday()))


def week_key(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def week_changes(user, day: dt.date) -> WeekChanges:
    """What changed in `user`'s projects in the seven days before `day`."""
    start, end = day - dt.timedelta(days=7), day - dt.timedelta(days=1)
    projects = visible_projects(user)
    stages = ProjectStage.objects.filter(project__in=projects.values("pk")).select_related("project", "stage_type")
    return WeekChanges(
        start=start,
        end=end,
        new_signings=list(projects.filter(signed_on__range=(start, end)).order_by("-total_investment", "pk")),
        finished_stages=list(
            stages.filter(status=ProjectStage.Status.DONE, finished_on__range=(start, end)).order_by("finished_on")
        ),
        newly_overdue=list(
            stages.filter(
                status__in=[ProjectStage.Status.PENDING, ProjectStage.Status.IN_PROGRESS], due_on__range=(start, end)
            ).order_by("due_on")
        ),
    )


def report_body(changes: WeekChanges) -> str:
    lines = [
        _("本周推进情况（%(start)s 至 %(end)s）") % {"start": changes.start, "end": changes.end},
        "",
        _("新签约项目 %(count)d 个") % {"count": len(changes.new_signings)},
    ]
    lines += [
        _("· %(name)s，总投资 %(amount)s 万元，签约于 %(date)s")
        % {"name": p.name, "amount": p.total_investment, "date": p.signed_on}
        for p in changes.new_signings[:LISTED]
    ]
    lines += ["", _("完成阶段 %(count)d 个") % {"count": len(changes.finished_stages)}]
    lines += [
        _("· 「%(project)s」%(stage)s，完成于 %(date)s")
        % {"project": s.project.name, "stage": s.stage_type.name, "date": s.finished_on}
        for s in changes.finished_stages[:LISTED]
    ]
    lines += ["", _("本周新增逾期阶段 %(count)d 个") % {"count": len(changes.newly_overdue)}]
    lines += [
        _("· 「%(project)s」%(stage)s，计划 %(date)s 完成")
        % {"project": s.project.name, "stage": s.stage_type.name, "date": s.due_on}
        for s in changes.newly_overdue[:LISTED]
    ]
    lines += ["", _("附件为您管辖范围内全部项目的清单。")]
    return "\n".join(lines)


def send_weekly_reports(day: dt.date | None = None) -> int:
    """Send this week's report to each subscriber once (the notification's key is the week). Returns how
    many were sent now; on any day but the week's first working day, none."""
    day = day or timezone.localdate()
    if not is_first_workday_of_week(day):
        return 0
    sent = 0
    key = week_key(day)
    with override(settings.LANGUAGE_CODE):
        for manager in weekly_report_recipients().select_related("org_unit"):
            if Notification.objects.filter(recipient=manager, key=key).exists():
                continue
            notify(
                manager,
                Notification.Kind.WEEKLY_REPORT,
                _("每周推进报告（%(day)s）") % {"day": day.isoformat()},
                body=report_body(week_changes(manager, day)),
                url="/dashboard/",
                key=key,
            )
            sent += 1
    return sent


def project_workbook(notification) -> list[tuple[str, bytes, str]]:
    """The Excel attached to a weekly report's email: the recipient's projects, built when it is sent."""
    from exports.writer import download_name, write_export

    stream = io.BytesIO()
    write_export("projects", notification.recipient, {}, stream)
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return [(download_name("projects"), stream.getvalue(), mimetype)]
