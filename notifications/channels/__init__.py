"""The channels that carry a notification beyond the inbox, one module each.

Each module offers `messages(delivery)`, the messages that make up the delivery in the order they
are sent (a long text goes out in several parts), and `send(delivery, message)`, which sends one of
them or raises one of the exceptions below.
"""

import re

from django.conf import settings

from notifications.models import Channel


class DeliveryFailed(Exception):
    """This attempt failed; a later one may succeed."""


class Undeliverable(DeliveryFailed):
    """No later attempt can succeed: the target is gone."""


class Postponed(Exception):
    """The channel may not send now; try again in `seconds`, without counting an attempt."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def for_channel(channel):
    from . import dingtalk, email, wecom

    return {Channel.EMAIL: email, Channel.WECOM: wecom, Channel.DINGTALK: dingtalk}[channel]


def absolute_link(notification) -> str:
    return settings.SITE_URL.rstrip("/") + notification.url if notification.url else ""


_SECRET_PARAMETERS = re.compile(r"((?:key|access_token|sign|timestamp)=)[^&\s'\"]+", re.IGNORECASE)


def without_secrets(text) -> str:
    """A webhook's address carries its key: keep it out of what is logged and stored."""
    return _SECRET_PARAMETERS.sub(r"\1***", str(text))
