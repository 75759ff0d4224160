"""The scheduler of the periodic tasks: django-celery-beat's, which also sends late what it could not
send while the broker was away.

Celery's scheduler counts an entry as run before it sends it, and only logs a send that failed: the
daily reminder sweep due at 8:00 while Redis restarts would wait for the next day, and that day's
reminders would never be owed again. Here an entry that could not be sent is kept and tried again every
few seconds until the broker takes it (once, however many times it fell due meanwhile).
"""

import logging

from django_celery_beat.schedulers import DatabaseScheduler as BaseDatabaseScheduler

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5


class DatabaseScheduler(BaseDatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self.unsent = {}
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        logger.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception:  # noqa: BLE001 - any failure to send: the entry is sent again later
            logger.warning(
                "Scheduler: could not send %s; it is sent when the broker is back", entry.name, exc_info=True
            )
            self.unsent[entry.name] = entry
        else:
            self.unsent.pop(entry.name, None)

    def tick(self, *args, **kwargs):
        self.send_unsent()
        delay = super().tick(*args, **kwargs)
        return min(delay, RETRY_SECONDS) if self.unsent else delay

    def send_unsent(self):
        for name, entry in list(self.unsent.items()):
            try:
                self.apply_async(entry, advance=False)
            except Exception:  # noqa: BLE001 - still away: keep them all for the next tick
                return
            del self.unsent[name]
            logger.info("Scheduler: sent %s (%s) late, the broker being back", name, entry.task)
