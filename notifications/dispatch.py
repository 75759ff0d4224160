"""Sending one delivery: claim it, send its messages in order, record how it went and when to try again.

A delivery row is the truth about its sending, as a job row is (see common.jobs): a worker claims it
with one UPDATE that only one worker can win, so a message delivered twice, a retry and a recovery
never send it twice; the outcome is written only by the run that still holds the claim.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.jobs import stale_before

from .channels import Postponed, Undeliverable, for_channel, without_secrets
from .models import Delivery

logger = logging.getLogger(__name__)

S = Delivery.Status
DEFAULT_MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 30
RETRY_FACTOR = 4  # 30 s, 2 min, 8 min, 32 min, ...
# A retry whose message comes this early (clocks differ a little between machines) is still taken.
EARLY_TOLERANCE = datetime.timedelta(seconds=2)
# A pending delivery whose message should have come this long ago is published again.
LOST_AFTER = datetime.timedelta(minutes=1)
RECOVER_BATCH = 1000


def max_attempts() -> int:
    return getattr(settings, "NOTIFY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


def backoff_seconds(attempts) -> int:
    """The wait after the `attempts`-th failed attempt."""
    return FIRST_RETRY_SECONDS * RETRY_FACTOR ** max(0, attempts - 1)


def claim(delivery_id) -> Delivery | None:
    """Take the delivery for this run: pending and due, or sending with a worker that stopped reporting."""
    now = timezone.now()
    token = uuid.uuid4()
    due = Q(status=S.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_TOLERANCE))
    abandoned = Q(status=S.SENDING, heartbeat_at__lt=stale_before())
    taken = (
        Delivery.objects.filter(pk=delivery_id, attempts__lt=max_attempts())
        .filter(due | abandoned)
        .update(status=S.SENDING, claim=token, attempts=F("attempts") + 1, heartbeat_at=now, next_attempt_at=None)
    )
    if not taken:
        return None
    return Delivery.objects.select_related("notification__recipient", "org_unit").get(pk=delivery_id)


def attempt(delivery_id) -> int | None:
    """Send the delivery if it is due. Returns the seconds after which to try again, or None."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    channel = for_channel(delivery.channel)
    try:
        messages = channel.messages(delivery)
        for number in range(delivery.parts_sent, len(messages)):
            channel.send(delivery, messages[number])
            if not _held(delivery, parts_sent=number + 1):
                return None
    except Postponed as postponed:
        return _postpone(delivery, postponed.seconds)
    except Undeliverable as error:
        _fail(delivery, str(error))
        return None
    except Exception as error:  # noqa: BLE001 - any failure of a channel is a failed attempt, retried later
        logger.warning("delivery %s by %s failed", delivery.pk, delivery.channel, exc_info=True)
        return _retry_or_fail(delivery, error)
    _update(delivery, status=S.SENT, sent_at=timezone.now(), last_error="")
    return None


def _held(delivery, **fields) -> bool:
    """Record progress while this run still holds the delivery; the update is also its heartbeat."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim, status=S.SENDING).update(
            heartbeat_at=timezone.now(), **fields
        )
    )


def _update(delivery, **fields) -> bool:
    """Write the outcome of this run and release the delivery, unless another run holds it now."""
    done = Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim, status=S.SENDING).update(claim=None, **fields)
    if not done:
        logger.warning("delivery %s was taken over before its outcome was recorded", delivery.pk)
    return bool(done)


def _postpone(delivery, seconds) -> int | None:
    """Wait for the channel's budget: not a failure, so the attempt is given back."""
    later = timezone.now() + datetime.timedelta(seconds=seconds)
    return seconds if _update(delivery, status=S.PENDING, attempts=F("attempts") - 1, next_attempt_at=later) else None


def _retry_or_fail(delivery, error) -> int | None:
    message = without_secrets(error)[:2000] or type(error).__name__
    if delivery.attempts >= max_attempts():
        _fail(delivery, message)
        return None
    seconds = backoff_seconds(delivery.attempts)
    later = timezone.now() + datetime.timedelta(seconds=seconds)
    return seconds if _update(delivery, status=S.PENDING, next_attempt_at=later, last_error=message) else None


def _fail(delivery, message):
    _update(delivery, status=S.FAILED, last_error=message[:2000])


def recover() -> tuple[list[int], int]:
    """Deliveries whose message was lost or whose worker died, to publish again; fails those tried too often.

    Returns (ids to publish, number failed).
    """
    now = timezone.now()
    stale = stale_before()
    exhausted = Delivery.objects.filter(
        Q(status=S.PENDING) | Q(status=S.SENDING, heartbeat_at__lt=stale), attempts__gte=max_attempts()
    ).update(status=S.FAILED, claim=None, last_error=_("多次尝试后仍未发送成功。"))
    lost_before = now - LOST_AFTER
    lost = Delivery.objects.filter(
        Q(status=S.PENDING, next_attempt_at__isnull=True, created_at__lt=lost_before)
        | Q(status=S.PENDING, next_attempt_at__lt=lost_before)
        | Q(status=S.SENDING, heartbeat_at__lt=stale)
    ).order_by("created_at", "pk")
    return list(lost.values_list("pk", flat=True)[:RECOVER_BATCH]), exhausted
