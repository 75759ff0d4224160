from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role


class Notification(models.Model):
    """A message in a user's in-app inbox. Other channels (email, group robots) deliver from these rows."""

    class Kind(models.TextChoices):
        STAGE_DUE = "stage_due", _("阶段即将到期")
        STAGE_OVERDUE = "stage_overdue", _("阶段已逾期")
        VISIT_DUE = "visit_due", _("走访后续即将到期")
        VISIT_OVERDUE = "visit_overdue", _("走访后续已逾期")
        REQUEST_DUE = "request_due", _("诉求即将到期")
        REQUEST_OVERDUE = "request_overdue", _("诉求已逾期")
        REQUEST_ASSIGNED = "request_assigned", _("诉求已分派")
        REQUEST_RATING_POOR = "request_rating_poor", _("诉求差评")
        ESCALATION = "escalation", _("逾期上报")
        DIGEST = "digest", _("汇总提醒")
        WEEKLY_REPORT = "weekly_report", _("每周推进报告")
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


class Channel(models.TextChoices):
    """The ways a notification reaches a person. The inbox always; the others where the user can be reached."""

    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("邮件")
    WECOM = "wecom", _("企业微信/政务微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


# Channels delivered by a task, each recorded as a Delivery; the inbox is the Notification row itself.
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.WECOM, Channel.DINGTALK)
ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)

LEAD_DAYS_DEFAULT = (5, 1)
LEAD_DAYS_MAX = 30
LEAD_DAYS_COUNT = 5
WEEKLY_REPORT_ROLES = (Role.MANAGER, Role.ADMIN)


def default_lead_days():
    return list(LEAD_DAYS_DEFAULT)


def validate_lead_days(value):
    if not isinstance(value, list) or any(type(days) is not int for days in value):
        raise ValidationError(_("提前提醒天数必须是整数列表，例如 [5, 1]。"), code="not_integers")
    if len(value) > LEAD_DAYS_COUNT:
        raise ValidationError(
            _("提前提醒天数最多设置 %(count)s 个。"), code="max_length", params={"count": LEAD_DAYS_COUNT}
        )
    if any(not 0 <= days <= LEAD_DAYS_MAX for days in value):
        raise ValidationError(
            _("提前提醒天数必须在 0 到 %(max)s 个工作日之间。"), code="out_of_range", params={"max": LEAD_DAYS_MAX}
        )


class NotificationPreference(models.Model):
    """How a user wants to be reminded. Created at the first change; until then the defaults apply.

    A channel switched on here is used only while it can reach the user: an email address on the
    account, a group robot configured on the user's unit.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("邮件"), default=True, help_text=_("账户登记了邮箱时发送邮件。"))
    wecom_enabled = models.BooleanField(
        _("企业微信/政务微信群机器人"), default=True, help_text=_("所在单位配置了机器人时发到单位的群。")
    )
    dingtalk_enabled = models.BooleanField(
        _("钉钉群机器人"), default=True, help_text=_("所在单位配置了机器人时发到单位的群。")
    )
    lead_days = models.JSONField(
        _("提前提醒（工作日）"),
        default=default_lead_days,
        blank=True,
        validators=[validate_lead_days],
        help_text=_("到期前几个工作日提醒，如 [5, 1]：最多 5 个，每个 0 到 30；留空则只在逾期时提醒。"),
    )
    weekly_report = models.BooleanField(_("订阅周报"), default=False, help_text=_("管理人员每周收到推进报告。"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self):
        return str(self.user)

    def clean(self):
        if isinstance(self.lead_days, list):
            self.lead_days = sorted(set(self.lead_days), reverse=True)
        if self.weekly_report and self.user_id and self.user.role not in WEEKLY_REPORT_ROLES:
            raise ValidationError({"weekly_report": _("只有管理人员可以订阅周报。")})

    def enables(self, channel) -> bool:
        return channel == Channel.IN_APP or getattr(self, f"{channel}_enabled")


class Delivery(models.Model):
    """A notification sent through one channel beyond the inbox: where to, how it went, when to try again.

    One row per notification and channel, so that a notification reaches each channel at most once
    however often its sending runs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=[(c.value, c.label) for c in EXTERNAL_CHANNELS])
    # The email address, or the host of the robot's webhook: never the webhook's key nor the signing secret.
    target = models.CharField(_("发送目标"), max_length=254)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("机器人所属单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # A long message goes out in several parts; a retry continues after those already sent.
    parts_sent = models.PositiveSmallIntegerField(_("已发送段数"), default=0)
    claim = models.UUIDField(_("执行标识"), null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in EXTERNAL_CHANNELS]), name="delivery_external_channel"
            ),
        ]

    def __str__(self):
        return f"{self.notification} → {self.get_channel_display()}"
