"""Reminders through a live Celery worker: email to a real SMTP server, messages to the robots' stand-in."""

import uuid

import pytest

from accounts.models import Role
from notifications.models import Delivery, Notification
from projects.models import ProjectStage
from reminders import services
from tests import factories as f
from tests.live import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_a_due_stage_reaches_the_officer_by_email_wecom_and_dingtalk_once(live_worker, smtp_server, robot_server):
    key = uuid.uuid4().hex
    park = f.unit(
        "嘉定工业区",
        kind="park",
        wecom_webhook=robot_server.url(f"/cgi-bin/webhook/send?key={key}"),
        dingtalk_webhook=robot_server.url(f"/robot/send?access_token={key}"),
        dingtalk_secret=f"SEC{key}",
    )
    f.user("manager_p", role=Role.MANAGER, org_unit=park)
    officer = f.user("officer_p", org_unit=park, display_name="李专员", email="li@park.example.cn")
    project = f.project(actor=officer, officer=officer, leading_unit=park, town=park, name="智能传感器研发中心")
    stage = project.stages.get(stage_type=project.current_stage)
    ProjectStage.objects.filter(pk=stage.pk).update(due_on=f.date("2026-12-07"))
    live_worker.extra_env.update(EMAIL_URL=smtp_server.email_url, SITE_URL="https://zs.jiading.example.cn")
    live_worker.start()

    services.sweep(f.date("2026-12-04"))
    services.sweep(f.date("2026-12-04"))

    [email] = smtp_server.wait_for(1, timeout=60)
    assert email.rcpt_tos == ["li@park.example.cn"]
    assert "「智能传感器研发中心」" in email.subject and "还有 1 个工作日到期" in email.subject
    assert f"https://zs.jiading.example.cn/projects/{project.pk}/" in email.body
    robot_server.wait_for(2, timeout=60)
    wecom = robot_server.requests_to("/cgi-bin/webhook/send")
    dingtalk = robot_server.requests_to("/robot/send")
    assert len(wecom) == len(dingtalk) == 1
    assert "李专员" in wecom[0].json["markdown"]["content"]
    assert dingtalk[0].param("sign") and dingtalk[0].param("timestamp")
    wait_for(
        lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3,
        message="three deliveries recorded as sent",
    )
    assert Notification.objects.filter(recipient=officer).count() == 1
    assert len(smtp_server.messages) == 1
