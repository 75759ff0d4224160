"""Delivering notifications by email and group robots, each delivery in a task of its own so that a
failing channel never holds back the others."""

import logging

from celery import shared_task

from . import dispatch

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def deliver(self, delivery_id):
    retry_in = dispatch.attempt(delivery_id)
    if retry_in is not None:
        schedule(delivery_id, countdown=retry_in)


@shared_task(bind=True, acks_late=True)
def recover_deliveries(self):
    """Publish again the deliveries whose message was lost or whose worker died. Runs every few minutes."""
    lost, failed = dispatch.recover()
    for delivery_id in lost:
        schedule(delivery_id)
    if lost or failed:
        logger.info("delivery recovery: %d republished, %d failed", len(lost), failed)
    return {"republished": len(lost), "failed": failed}


def schedule(delivery_id, countdown=None):
    """Publish `deliver` now. A broker that is down is only logged: the row waits for the recovery."""
    try:
        deliver.apply_async(args=(delivery_id,), countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure; the row is the record of the work
        logger.warning("broker unavailable: delivery %s left for recovery", delivery_id, exc_info=True)
