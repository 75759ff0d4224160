"""What each channel puts on the wire, checked on real local servers: the email, WeCom's and DingTalk's
JSON, DingTalk's signature, long texts cut by UTF-8 bytes, and the robots' 20 messages a minute."""

import base64
import datetime
import hashlib
import hmac
import time

import pytest
from django.utils import timezone

from notifications.channels import dingtalk
from notifications.channels.email import send_email
from notifications.channels.robots import split_utf8
from notifications.models import Delivery
from notifications.services import notify
from notifications.tasks import deliver
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Delivery.Status
WECOM_BYTES, DINGTALK_BYTES = 4096, 20000


def send(notification, channel):
    delivery = notification.deliveries.get(channel=channel)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def officer(robot_unit):
    return f.user(org_unit=robot_unit, display_name="李专员")


def test_wecom_gets_markdown_naming_the_recipient(robot_server, robot_unit, officer):
    note = notify(officer, "stage_due", "准入评估即将到期", body="项目：安亭汽车电子\n还剩 2 个工作日", url="/p/3/")
    assert send(note, "wecom").status == S.SENT
    [request] = robot_server.requests
    assert request.method == "POST" and request.path == "/cgi-bin/webhook/send"
    assert request.param("key") == robot_unit.wecom_webhook.rsplit("=", 1)[1]
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**准入评估即将到期**\n@李专员\n项目：安亭汽车电子\n还剩 2 个工作日\n"
            "[查看详情](http://127.0.0.1:8000/p/3/)"
        },
    }


def test_dingtalk_gets_signed_markdown(robot_server, robot_unit, officer):
    note = notify(officer, "request_overdue", "诉求已逾期", body="申请技改贷款贴息\n已超期 1 个工作日")
    before = round(time.time() * 1000)
    assert send(note, "dingtalk").status == S.SENT
    [request] = robot_server.requests
    assert request.path == "/robot/send" and request.param("access_token") in robot_unit.dingtalk_webhook
    timestamp = request.param("timestamp")
    assert before <= int(timestamp) <= round(time.time() * 1000)
    secret = robot_unit.dingtalk_secret
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert request.param("sign") == expected.decode()
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "title": "诉求已逾期",
            "text": "#### 诉求已逾期\n\n@李专员\n\n申请技改贷款贴息\n\n已超期 1 个工作日",
        },
    }


def test_dingtalk_without_a_secret_is_not_signed(robot_server):
    unit = f.unit("未加签园区", kind="park", dingtalk_webhook=robot_server.url("/robot/send?access_token=plain"))
    assert send(notify(f.user(org_unit=unit), "system", "通知"), "dingtalk").status == S.SENT
    assert robot_server.requests[0].query == {"access_token": ["plain"]}


def test_the_signature_starts_the_query_when_the_webhook_has_none():
    url = dingtalk.signed("https://robot.example.gov.cn/send", "s3cret", timestamp_ms=1700000000000)
    digest = hmac.new(b"s3cret", b"1700000000000\ns3cret", hashlib.sha256).digest()
    sign = base64.b64encode(digest).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert url == f"https://robot.example.gov.cn/send?timestamp=1700000000000&sign={sign}"


def test_split_by_utf8_bytes_never_cuts_a_character_and_prefers_line_breaks():
    text = "嘉定🚗" * 1000  # 3- and 4-byte characters, no line break at all
    parts = split_utf8(text, 100)
    assert "".join(parts) == text and all(len(p.encode()) <= 100 for p in parts)
    lines = "\n".join(f"第{n}项：安亭镇汽车零部件项目准入评估" for n in range(200))
    parts = split_utf8(lines, 1000)
    assert "\n".join(parts) == lines and all(len(p.encode()) <= 1000 for p in parts)
    assert all(p.startswith("第") and p.endswith("评估") for p in parts)
    assert split_utf8("短消息", 4096) == ["短消息"]


def test_long_chinese_text_goes_out_in_order_under_each_robots_limit(robot_server, officer):
    body = "\n".join(
        f"{n:03d}. 安亭镇新能源汽车零部件项目：准入评估阶段将于三个工作日后到期，请及时处理。" for n in range(400)
    )
    note = notify(officer, "digest", "每日汇总", body=body)
    wecom = send(note, "wecom")
    dingtalk_delivery = send(note, "dingtalk")
    assert wecom.status == dingtalk_delivery.status == S.SENT

    wecom_parts = [r.json["markdown"]["content"] for r in robot_server.requests_to("/cgi-bin/webhook/send")]
    dingtalk_parts = [r.json["markdown"]["text"] for r in robot_server.requests_to("/robot/send")]
    assert len(wecom_parts) > 1 and len(dingtalk_parts) > 1 and wecom.parts_sent == len(wecom_parts)
    assert all(len(p.encode()) <= WECOM_BYTES for p in wecom_parts)
    assert all(len(p.encode()) <= DINGTALK_BYTES for p in dingtalk_parts)
    for parts in (wecom_parts, dingtalk_parts):
        total = len(parts)
        assert [p.split("\n", 1)[0] for p in parts] == [f"（{n}/{total}）" for n in range(1, total + 1)]
        text = "\n".join(p.split("\n", 1)[1] for p in parts)
        assert "\ufffd" not in text
        numbers = [int(line[:3]) for line in text.split("\n") if line[:3].isdigit()]
        assert numbers == list(range(400))  # every line once, in order, none cut


def test_the_21st_message_of_a_minute_waits_without_counting_as_a_failure(robot_server, robot_unit, published):
    notes = [notify(f.user(org_unit=robot_unit), "system", f"通知{n}") for n in range(21)]
    sent = [send(note, "wecom") for note in notes]
    assert [d.status for d in sent] == [S.SENT] * 20 + [S.PENDING]
    assert len(robot_server.requests) == 20
    waiting = sent[-1]
    assert (waiting.attempts, waiting.last_error) == (0, "")
    wait = waiting.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=62)
    assert published == [(waiting.pk, published[0][1])] and 50 < published[0][1] <= 62
    # The budget is the webhook's: the same unit's DingTalk robot still sends.
    assert send(notes[-1], "dingtalk").status == S.SENT


def test_a_robot_that_says_it_is_throttled_is_waited_for(robot_server, officer, published):
    robot_server.answer_next(body={"errcode": 45009, "errmsg": "api freq out of limit"})
    note = notify(officer, "system", "通知")
    wecom = send(note, "wecom")
    assert (wecom.status, wecom.attempts, wecom.last_error) == (S.PENDING, 0, "")
    assert published == [(wecom.pk, 60)]


def test_a_long_message_resumes_after_the_parts_already_sent(robot_server, officer):
    body = "\n".join("安亭镇项目推进情况：" + "进展顺利。" * 40 for _ in range(60))
    note = notify(officer, "digest", "每日汇总", body=body)
    robot_server.answer_next(times=2)  # the first two parts go through ...
    robot_server.answer_next(status=500)  # ... the third fails
    wecom = send(note, "wecom")
    assert (wecom.status, wecom.parts_sent) == (S.PENDING, 2)
    Delivery.objects.filter(pk=wecom.pk).update(next_attempt_at=timezone.now())
    wecom = send(note, "wecom")
    assert wecom.status == S.SENT
    numbers = [r.json["markdown"]["content"].split("\n", 1)[0] for r in robot_server.requests]
    total = wecom.parts_sent
    assert numbers == [f"（{n}/{total}）" for n in [1, 2, 3, *range(3, total + 1)]]


def test_send_email_carries_attachments(smtp_server):
    workbook = b"PK\x03\x04 fake xlsx bytes"
    send_email(
        "manager@example.gov.cn",
        "每周推进报告",
        "本周新增签约项目 3 个。",
        attachments=[
            ("每周推进报告.xlsx", workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        ],
    )
    [received] = smtp_server.wait_for(1)
    assert received.subject == "每周推进报告" and received.body.strip() == "本周新增签约项目 3 个。"
    assert received.attachments == [
        ("每周推进报告.xlsx", workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ]


def test_a_refused_email_is_retried(smtp_server, published):
    smtp_server.refuse_next()
    note = notify(f.user(email="li@example.gov.cn"), "system", "通知")
    delivery = send(note, "email")
    assert (delivery.status, delivery.attempts) == (S.PENDING, 1) and "451" in delivery.last_error
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert send(note, "email").status == S.SENT and len(smtp_server.wait_for(1)) == 1
