"""What the WeCom (and 政务微信) and DingTalk group robots share: posting JSON to a webhook, cutting long
texts to the robots' byte limits, and their budget of 20 messages a minute."""

import hashlib
import math
import time

import requests
from django.core.cache import cache
from django.utils.translation import gettext as _

from . import DeliveryFailed, Postponed, Undeliverable, without_secrets

TIMEOUT_SECONDS = 10
MESSAGES_PER_MINUTE = 20
# A little over a minute: the robot counts a message when it arrives, a moment after its slot was taken.
SLOT_SECONDS = 62
# Room kept in each part for its number, "（12/34）" and a line break.
PART_NUMBER_BYTES = 32


def webhook_of(delivery, field) -> str:
    """The webhook configured on the delivery's unit now (it may have been changed since)."""
    url = getattr(delivery.org_unit, field, "") if delivery.org_unit_id else ""
    if not url:
        raise Undeliverable(_("单位已不再配置该机器人。"))
    return url


def split_utf8(text, limit) -> list[str]:
    """Cut `text` into parts of at most `limit` bytes in UTF-8, at a line break where one is near, never
    inside a character."""
    if limit < 4:
        raise ValueError("a part must have room for any character (4 bytes)")
    text = text.encode("utf-8", "replace").decode("utf-8")
    parts = []
    while len(text.encode("utf-8")) > limit:
        head = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
        cut = head.rfind("\n")
        if cut >= len(head) // 2:
            parts.append(head[:cut])
            text = text[cut + 1 :]
        else:
            parts.append(head)
            text = text[len(head) :]
    parts.append(text)
    return [part for part in parts if part.strip()]


def numbered_parts(text, limit) -> list[str]:
    parts = split_utf8(text, limit - PART_NUMBER_BYTES)
    if len(parts) == 1:
        return parts
    return [f"（{number}/{len(parts)}）\n{part}" for number, part in enumerate(parts, start=1)]


def take_slot(webhook):
    """Take one of the webhook's 20 messages of any 60 seconds, or raise Postponed until one is free.

    Each message holds one of 20 keys in the shared cache (Redis across processes) for a minute, so
    no 60 seconds ever see more than 20 messages, whichever process sends them.
    """
    prefix = "notifications:robot:" + hashlib.sha256(webhook.encode()).hexdigest()[:32]
    keys = [f"{prefix}:{slot}" for slot in range(MESSAGES_PER_MINUTE)]
    free_at = time.time() + SLOT_SECONDS
    for key in keys:
        if cache.add(key, free_at, timeout=SLOT_SECONDS):
            return
    held = [value for value in cache.get_many(keys).values() if isinstance(value, (int, float))]
    wait = min(held) - time.time() if held else 1
    raise Postponed(max(1, math.ceil(wait)))


def post(url, payload, throttled_codes=(), throttled_seconds=60):
    """POST `payload` as JSON; the robot answers `errcode` 0 when it took the message."""
    try:
        response = requests.post(url, json=payload, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise DeliveryFailed(
            _("无法连接机器人服务器：%(error)s") % {"error": without_secrets(f"{type(error).__name__}: {error}")}
        ) from error
    if not response.ok:
        raise DeliveryFailed(_("机器人服务器答复 HTTP %(status)s。") % {"status": response.status_code})
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "errcode" not in answer:
        raise DeliveryFailed(_("机器人服务器的答复无法识别：%(answer)s") % {"answer": response.text[:200]})
    if answer["errcode"] in throttled_codes:
        raise Postponed(throttled_seconds)
    if answer["errcode"] != 0:
        raise DeliveryFailed(
            _("机器人拒绝了消息：errcode %(code)s，%(message)s")
            % {"code": answer["errcode"], "message": without_secrets(answer.get("errmsg", ""))}
        )
