from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class OrgUnit(MP_Node):
    """A unit of the district: the district office, a town, a park, a state-owned company, ...

    Units form a tree; a user of a unit sees what belongs to that unit and to the units below it.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区级部门")
        TOWN = "town", _("镇")
        STREET = "street", _("街道")
        PARK = "park", _("园区")
        SOE = "soe", _("区属国企")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    is_promotion_body = models.BooleanField(
        _("招商主体"), default=False, help_text=_("可以作为项目的牵头单位（经济小区、区属国企、特色园区）。")
    )
    is_landing_area = models.BooleanField(_("落地区域"), default=False, help_text=_("项目可以落地的街镇或园区。"))
    wecom_webhook = models.URLField(_("企业微信/政务微信机器人地址"), max_length=500, blank=True)
    dingtalk_webhook = models.URLField(_("钉钉机器人地址"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(_("钉钉加签密钥"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild"])

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    MANAGER = "manager", _("管理人员")
    OFFICER = "officer", _("招商/服务专员")
    ENTERPRISE = "enterprise", _("企业用户")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    enterprise = models.ForeignKey(
        "companies.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机"), max_length=20, blank=True)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="enterprise_user_has_enterprise",
                condition=~Q(role="enterprise") | (Q(enterprise__isnull=False) & Q(org_unit__isnull=True)),
                violation_error_message=_("企业用户必须属于一个企业，且不属于任何政府单位。"),
            ),
            models.CheckConstraint(
                name="staff_user_has_no_enterprise",
                condition=Q(role="enterprise") | Q(enterprise__isnull=True),
                violation_error_message=_("政府工作人员不能属于企业。"),
            ),
            models.CheckConstraint(
                name="officer_or_manager_has_unit",
                condition=~Q(role__in=["officer", "manager"]) | Q(org_unit__isnull=False),
                violation_error_message=_("专员和管理人员必须属于一个单位。"),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_enterprise_user(self):
        return self.role == Role.ENTERPRISE

    @property
    def is_manager(self):
        return self.role == Role.MANAGER

    @property
    def is_officer(self):
        return self.role == Role.OFFICER

    @property
    def is_district_wide(self):
        """Administrators and managers of the district office see everything."""
        if self.is_superuser or self.role == Role.ADMIN:
            return True
        return self.role == Role.MANAGER and self.org_unit is not None and self.org_unit.depth == 1
