"""DingTalk group robots: markdown to the unit's webhook, signed with the unit's secret when it has one."""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from django.utils.translation import gettext as _

from . import absolute_link, robots

TEXT_BYTES = 20000
# "Send too fast": a robot that exceeds 20 messages a minute is held back for ten minutes.
THROTTLED_CODES = (130101, 410100)
THROTTLED_SECONDS = 600


def messages(delivery) -> list[dict]:
    notification = delivery.notification
    # DingTalk's markdown joins single lines; a blank line keeps each line of the body on its own.
    paragraphs = [f"#### {notification.title}", f"@{notification.recipient}"]
    paragraphs += [line for line in notification.body.splitlines() if line.strip()]
    link = absolute_link(notification)
    if link:
        label = _("查看详情")
        paragraphs.append(f"[{label}]({link})")
    parts = robots.numbered_parts("\n\n".join(paragraphs), TEXT_BYTES)
    return [{"msgtype": "markdown", "markdown": {"title": notification.title, "text": part}} for part in parts]


def signed(webhook, secret, timestamp_ms=None) -> str:
    """The webhook with DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret", base64, URL-encoded."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    separator = "&" if "?" in webhook else "?"
    if webhook.endswith(("?", "&")):
        separator = ""
    return f"{webhook}{separator}timestamp={timestamp}&sign={quote_plus(base64.b64encode(digest))}"


def send(delivery, message):
    webhook = robots.webhook_of(delivery, "dingtalk_webhook")
    robots.take_slot(webhook)
    secret = delivery.org_unit.dingtalk_secret
    url = signed(webhook, secret) if secret else webhook
    robots.post(url, message, throttled_codes=THROTTLED_CODES, throttled_seconds=THROTTLED_SECONDS)
