from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Notification(models.Model):
    """A message in a user's in-app inbox. Other channels (email, group robots) deliver from these rows."""

    class Kind(models.TextChoices):
        STAGE_DUE = "stage_due", _("阶段即将到期")
        STAGE_OVERDUE = "stage_overdue", _("阶段已逾期")
        REQUEST_DUE = "request_due", _("诉求即将到期")
        REQUEST_OVERDUE = "request_overdue", _("诉求已逾期")
        REQUEST_ASSIGNED = "request_assigned", _("诉求已分派")
        REQUEST_RATING_POOR = "request_rating_poor", _("诉求差评")
        ESCALATION = "escalation", _("逾期上报")
        DIGEST = "digest", _("汇总提醒")
        SYSTEM = "system", _("系统通知")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内相对链接，以 / 开头。"))
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("相关对象类型"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("相关对象编号"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # The same reminder is delivered once: a rerun or a retry finds the row with its key.
    key = models.CharField(_("去重键"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_read")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_unique_key_per_recipient"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None
