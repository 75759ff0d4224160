from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification


class Reminder(models.Model):
    """One reminder owed to one person: a stage due in five working days, an overdue request, ...

    The unique (recipient, key) is what makes a reminder happen once: every sweep inserts the reminders
    due on its day and the database drops those already there, whichever process, rerun or retry sends
    them. A reminder is delivered when a notification carries it (alone, or in a digest).
    """

    # Neither foreign key has an index of its own: the unique (recipient, key) and the index on
    # (notification, claim) lead with them, and every index is written again by each sweep.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    # e.g. "stage:812:before:5:2026-12-03": the item, the occasion and the due date it was computed from,
    # so a re-planned date is reminded afresh.
    key = models.CharField(_("去重键"), max_length=200)
    kind = models.CharField(_("类型"), max_length=32, choices=Notification.Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    due_on = models.DateField(_("到期日期"), null=True, blank=True)
    swept_on = models.DateField(_("提醒日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claim = models.UUIDField(_("发送标识"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("站内通知"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
        db_index=False,
    )

    class Meta:
        verbose_name = _("到期提醒")
        verbose_name_plural = _("到期提醒")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="reminder_unique_key_per_recipient")]
        indexes = [models.Index(fields=["notification", "claim"], name="reminder_undelivered")]

    def __str__(self):
        return self.title
