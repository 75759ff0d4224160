from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel, VersionedModel
from common.validators import validate_industry_code, validate_mobile, validate_uscc


class IndustryChain(models.Model):
    """A key industry chain of the district (汽车"新四化", 集成电路, ...): data, not code."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("重点产业链")
        verbose_name_plural = _("重点产业链")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Qualification(models.Model):
    """A recognition an enterprise can hold (高新技术企业, 专精特新, 小巨人, 上市, 规上)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = _("企业资质")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class RegistrationType(models.TextChoices):
    """Registration type as statistics count it."""

    STATE_OWNED = "state_owned", _("内资（国有）")
    COLLECTIVE = "collective", _("内资（集体）")
    PRIVATE = "private", _("内资（民营）")
    HMT = "hmt", _("港澳台投资")
    FOREIGN = "foreign", _("外商投资")

    @classmethod
    def overseas(cls):
        return {cls.HMT, cls.FOREIGN}


class Enterprise(VersionedModel):
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18位，按 GB 32100-2015 校验；境外投资方尚未注册的可以留空。"),
    )
    registration_type = models.CharField(_("登记注册类型"), max_length=16, choices=RegistrationType.choices)
    origin = models.CharField(_("投资来源国家或地区"), max_length=50, blank=True, default="中国")
    industry_code = models.CharField(
        _("国民经济行业代码"), max_length=5, blank=True, validators=[validate_industry_code]
    )
    industry_chain = models.ForeignKey(
        IndustryChain, verbose_name=_("重点产业链"), null=True, blank=True, on_delete=models.PROTECT
    )
    qualifications = models.ManyToManyField(Qualification, verbose_name=_("企业资质"), blank=True)
    town = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("所在街镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    service_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务专员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_enterprises",
    )
    relocation_risk = models.BooleanField(_("迁移预警"), default=False)
    relocation_note = models.CharField(_("迁移预警说明"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("示例数据"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        indexes = [models.Index(fields=["registration_type"]), models.Index(fields=["relocation_risk"])]
        constraints = [
            models.CheckConstraint(
                name="enterprise_uscc_not_blank",
                condition=Q(uscc__isnull=True) | ~Q(uscc=""),
                violation_error_message=_("统一社会信用代码不能为空字符串。"),
            ),
        ]

    def __str__(self):
        return self.name


class Contact(TimeStampedModel):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    mobile = models.CharField(_("手机"), max_length=11, blank=True, validators=[validate_mobile])
    phone = models.CharField(_("座机"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return f"{self.name}（{self.enterprise}）"

    @property
    def masked_mobile(self):
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else self.mobile


class Visit(TimeStampedModel):
    """A visit (走访): who met whom, when, about what, and the next step with its date."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="visits")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visited_on = models.DateField(_("走访日期"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("同行人员"), blank=True, related_name="joined_visits"
    )
    contacts = models.ManyToManyField(Contact, verbose_name=_("会见联系人"), blank=True, related_name="visits")
    met_with = models.CharField(_("会见人员"), max_length=200, blank=True)
    topic = models.CharField(_("主题"), max_length=200)
    summary = models.TextField(_("内容纪要"), blank=True)
    next_step = models.CharField(_("下一步工作"), max_length=200, blank=True)
    next_step_due_on = models.DateField(_("下一步完成日期"), null=True, blank=True)
    next_step_done_on = models.DateField(_("下一步完成于"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["next_step_due_on"], name="visit_next_step_due"),
            models.Index(fields=["-visited_on"], name="visit_visited_on"),
        ]
        constraints = [
            models.CheckConstraint(
                name="visit_next_step_has_date",
                condition=Q(next_step="") | Q(next_step_due_on__isnull=False),
                violation_error_message=_("填写了下一步工作时，需要填写完成日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.visited_on} {self.enterprise}：{self.topic}"
