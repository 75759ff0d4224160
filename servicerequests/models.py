from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel, VersionedModel


class Category(models.Model):
    """A kind of request (用工, 融资, 政策, ...), with the working days it is due in."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    due_workdays = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=5)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ServiceRequest(VersionedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("已受理")
        IN_PROGRESS = "in_progress", _("办理中")
        RESOLVED = "resolved", _("已办结")
        CLOSED = "closed", _("已关闭")
        REJECTED = "rejected", _("不予受理")

    class Rating(models.IntegerChoices):
        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        BASICALLY_SATISFIED = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    enterprise = models.ForeignKey(
        "companies.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="service_requests"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("相关项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("详细描述"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="submitted_requests",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
    )
    due_on = models.DateField(_("办理期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reply = models.TextField(_("办理答复"), blank=True)
    reject_reason = models.CharField(_("不予受理原因"), max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), choices=Rating.choices, null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="request_status_due"),
            models.Index(fields=["enterprise", "status"], name="request_enterprise_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="request_rejected_has_reason",
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                violation_error_message=_("不予受理必须说明原因。"),
            ),
            models.CheckConstraint(
                name="request_rating_after_resolution",
                condition=Q(rating__isnull=True) | Q(status__in=["resolved", "closed"]),
                violation_error_message=_("诉求办结后才能评价。"),
            ),
            models.CheckConstraint(
                name="request_rating_in_range",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                violation_error_message=_("评价应为1至5级。"),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise}：{self.title}"

    @property
    def is_poorly_rated(self):
        return self.rating is not None and self.rating <= self.Rating.DISSATISFIED


class Comment(TimeStampedModel):
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"))
    is_internal = models.BooleanField(_("内部备注"), default=False, help_text=_("仅政府工作人员可见。"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("诉求留言")
        verbose_name_plural = _("诉求留言")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.author}：{self.body[:20]}"


class Attachment(models.Model):
    """A file attached to a request. Stored under a random name and served only by a view that checks
    the caller may see the request: never through a public URL."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name
