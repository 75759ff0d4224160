from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def daily_sweep():
    """Project stages and visits' next steps: reminders, overdue notices and escalations of the day."""
    return repr(services.sweep(kinds=("stage", "visit")))


@shared_task(acks_late=True)
def hourly_sweep():
    """Service requests: due, overdue and not accepted within a working day."""
    return repr(services.sweep(kinds=("request",), now=timezone.now()))


@shared_task(acks_late=True)
def deliver_pending():
    """Deliver reminders recorded by a sweep that stopped before delivering them."""
    return services.deliver_pending()


@shared_task(acks_late=True)
def weekly_report():
    """On the first working day of the week, the pipeline report to the managers who subscribed."""
    from .weekly import send_weekly_reports

    return send_weekly_reports()
