"""企业微信 and 政务微信 group robots: markdown to the full webhook address configured on the unit (the
government editions live on their own hosts)."""

from django.utils.translation import gettext as _

from . import absolute_link, robots

CONTENT_BYTES = 4096
# "API freq out of limit": the robot refused for its rate, not for the message.
THROTTLED_CODES = (45009,)


def messages(delivery) -> list[dict]:
    notification = delivery.notification
    lines = [f"**{notification.title}**", f"@{notification.recipient}"]
    if notification.body:
        lines.append(notification.body)
    link = absolute_link(notification)
    if link:
        label = _("查看详情")
        lines.append(f"[{label}]({link})")
    return [
        {"msgtype": "markdown", "markdown": {"content": part}}
        for part in robots.numbered_parts("\n".join(lines), CONTENT_BYTES)
    ]


def send(delivery, message):
    webhook = robots.webhook_of(delivery, "wecom_webhook")
    robots.take_slot(webhook)
    robots.post(webhook, message, throttled_codes=THROTTLED_CODES)
