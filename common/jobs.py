"""Background work recorded in database rows, so that nothing is lost when the broker forgets.

A job row is the truth about a piece of work: the Celery message only says "look at row N". A worker
claims the row (a single UPDATE that only one worker can win), works, and finishes it with an UPDATE
that names its claim, so a run that lost its claim (its worker was presumed dead and the job handed to
another) cannot finish it a second time. A scheduled recovery republishes jobs whose message was
lost (still pending after a while) or whose worker died (running with no heartbeat), and fails those
that were tried too often.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class JobState(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class BackgroundJob(models.Model):
    """Abstract: a unit of background work with its state, progress and the claim of the worker on it."""

    State = JobState

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=JobState.choices, default=JobState.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claim = models.UUIDField(_("执行标识"), null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self):
        return self.state in (JobState.DONE, JobState.FAILED)


def stale_before():
    return timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


def claim(job_model, pk):
    """Take job `pk` for this worker: the pending job, or a running one whose worker stopped beating.

    Returns the claimed row, or None when another worker holds it or it is finished: the caller then
    does nothing, which makes a duplicated or redelivered message harmless.
    """
    token = uuid.uuid4()
    now = timezone.now()
    taken = (
        job_model.objects.filter(pk=pk)
        .filter(Q(state=JobState.PENDING) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale_before()))
        .filter(attempts__lt=settings.JOB_MAX_ATTEMPTS)
        .update(state=JobState.RUNNING, claim=token, attempts=F("attempts") + 1, heartbeat_at=now, started_at=now)
    )
    if not taken:
        return None
    return job_model.objects.get(pk=pk)


def heartbeat(job, progress=None) -> bool:
    """Record that the worker holding `job` is alive (and how far it is). False: the claim was lost."""
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    alive = type(job).objects.filter(pk=job.pk, claim=job.claim, state=JobState.RUNNING).update(**fields)
    return bool(alive)


def finish(job, **fields) -> bool:
    """Mark the job done with `fields`, only if this run still holds it. False: another run owns it now."""
    fields.update(state=JobState.DONE, progress=100, finished_at=timezone.now(), error="")
    done = type(job).objects.filter(pk=job.pk, claim=job.claim, state=JobState.RUNNING).update(**fields)
    if done:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(done)


def fail(job, message) -> bool:
    failed = (
        type(job)
        .objects.filter(pk=job.pk, claim=job.claim, state=JobState.RUNNING)
        .update(state=JobState.FAILED, finished_at=timezone.now(), error=str(message)[:2000])
    )
    return bool(failed)


def publish(task, *args, **kwargs):
    """Send `task` once the current transaction commits. A broker that is down does not fail the caller:
    the job row stays pending and the scheduled recovery sends it again."""

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # noqa: BLE001 - any broker failure; the row is the record of the work
            logger.warning("broker unavailable: %s%r left for recovery", task.name, args, exc_info=True)

    transaction.on_commit(send)


def recover(job_model, task) -> dict:
    """Republish jobs whose message was lost or whose worker died; fail those tried too often."""
    stale = stale_before()
    exhausted = job_model.objects.filter(
        Q(state=JobState.PENDING) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale),
        attempts__gte=settings.JOB_MAX_ATTEMPTS,
    ).update(
        state=JobState.FAILED,
        finished_at=timezone.now(),
        error=str(_("多次尝试后仍未完成，请重新发起。")),
    )
    lost = list(
        job_model.objects.filter(
            Q(state=JobState.PENDING, created_at__lt=stale) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for pk in lost:
        try:
            task.apply_async(args=(pk,), retry=False)
        except Exception:  # noqa: BLE001
            logger.warning("broker unavailable: recovery of %s %s postponed", job_model.__name__, pk)
    if lost or exhausted:
        logger.info("%s recovery: %d republished, %d failed", job_model.__name__, len(lost), exhausted)
    return {"republished": len(lost), "failed": exhausted}
