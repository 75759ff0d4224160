import os
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel, VersionedModel, area_field, money_field
from common.uploads import stored_name


class SigningEvent(TimeStampedModel):
    """A signing event (签约活动). Its project count and total are computed from its projects."""

    name = models.CharField(_("名称"), max_length=200)
    date = models.DateField(_("日期"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    is_online = models.BooleanField(_("云签约"), default=False)
    description = models.TextField(_("说明"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("签约活动")
        verbose_name_plural = _("签约活动")
        ordering = ["-date", "id"]
        constraints = [models.UniqueConstraint(fields=["name", "date"], name="signing_event_unique_name_date")]

    def __str__(self):
        return f"{self.date} {self.name}"


class StageType(models.Model):
    """One step of a project's life (洽谈 ... 达产), configured by an administrator."""

    class DueBasis(models.TextChoices):
        NONE = "none", _("不设期限")
        WORKDAYS = "workdays", _("上一阶段完成后若干工作日")
        MONTHS_AFTER_LAND = "months_after_land", _("交地后若干个月")

    class Party(models.TextChoices):
        GOVERNMENT = "government", _("政府")
        ENTERPRISE = "enterprise", _("企业")

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("顺序"), unique=True)
    party = models.CharField(_("责任方"), max_length=16, choices=Party.choices)
    due_basis = models.CharField(_("期限计算方式"), max_length=24, choices=DueBasis.choices)
    target_workdays = models.PositiveSmallIntegerField(
        _("目标工作日"), null=True, blank=True, help_text=_("政府审批环节：上一阶段完成后的工作日数。")
    )
    target_months = models.PositiveSmallIntegerField(
        _("目标月数"), null=True, blank=True, help_text=_("企业建设环节：交地后的月数（土地出让合同未约定时使用）。")
    )
    required_facts = models.JSONField(
        _("完成所需信息"),
        default=list,
        blank=True,
        help_text=_('完成本阶段前项目必须具备的字段，例如 ["land_area", "land_supply_mode"]。'),
    )
    commitment_field = models.CharField(
        _("对应的用地承诺"),
        max_length=40,
        blank=True,
        help_text=_("土地出让合同中约定本阶段期限的字段，例如 start_within_months。"),
    )
    marks_landed = models.BooleanField(_("完成即计为落地"), default=False)
    marks_construction = models.BooleanField(_("完成即计为开工"), default=False)
    marks_production = models.BooleanField(_("完成即计为投产"), default=False)
    is_land_handover = models.BooleanField(_("完成即为交地"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("阶段类型")
        verbose_name_plural = _("阶段类型")
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                name="stage_type_workdays_target",
                condition=~Q(due_basis="workdays") | Q(target_workdays__isnull=False),
                violation_error_message=_("按工作日计算期限的阶段必须填写目标工作日。"),
            ),
            models.CheckConstraint(
                name="stage_type_months_target",
                condition=~Q(due_basis="months_after_land") | Q(target_months__isnull=False),
                violation_error_message=_("按交地后月数计算期限的阶段必须填写目标月数。"),
            ),
        ]

    def __str__(self):
        return self.name


class Project(VersionedModel):
    class Source(models.TextChoices):
        EXHIBITION = "exhibition", _("展会招商")
        REFERRAL = "referral", _("以商引商")
        FUND = "fund", _("基金招商")
        CHAIN = "chain", _("产业链招商")
        ONLINE = "online", _("在线签约")
        OTHER = "other", _("其他")

    class LandSupplyMode(models.TextChoices):
        TRANSFER = "transfer", _("出让")
        LEASE = "lease", _("租赁")
        LEASE_THEN_TRANSFER = "lease_then_transfer", _("先租后让")
        STANDARD_FACTORY = "standard_factory", _("标准厂房")
        TURNKEY = "turnkey", _("拎包入住")

    class Priority(models.TextChoices):
        MAJOR = "major", _("重大")
        KEY = "key", _("重点")
        GENERAL = "general", _("一般")

    class Status(models.TextChoices):
        ACTIVE = "active", _("推进中")
        PAUSED = "paused", _("暂缓")
        TERMINATED = "terminated", _("终止")
        COMPLETED = "completed", _("已完成")

    code = models.CharField(_("项目编号"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=200, db_index=True)
    enterprise = models.ForeignKey(
        "companies.Enterprise", verbose_name=_("投资方"), on_delete=models.PROTECT, related_name="projects"
    )
    signing_event = models.ForeignKey(
        SigningEvent,
        verbose_name=_("签约活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    industry_chain = models.ForeignKey(
        "companies.IndustryChain",
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    town = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("落地街镇或园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="landed_projects",
    )
    leading_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_projects"
    )
    source = models.CharField(_("项目来源"), max_length=16, choices=Source.choices, default=Source.OTHER)
    total_investment = money_field(_("总投资（万元）"))
    fixed_asset_investment = money_field(_("固定资产投资（万元）"))
    registered_capital = money_field(_("注册资本（万元）"))
    foreign_capital = money_field(_("外资（万美元）"))
    land_area = area_field(_("用地面积（亩）"))
    land_supply_mode = models.CharField(_("供地方式"), max_length=24, choices=LandSupplyMode.choices, blank=True)
    expected_annual_output = money_field(_("预计年产值（万元）"))
    expected_annual_tax = money_field(_("预计年税收（万元）"))
    expected_jobs = models.PositiveIntegerField(_("预计就业人数"), null=True, blank=True)
    funds_in_place = money_field(_("到位资金（万元）"))
    priority = models.CharField(_("项目等级"), max_length=16, choices=Priority.choices, default=Priority.GENERAL)
    status = models.CharField(_("项目状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current_stage = models.ForeignKey(
        StageType,
        verbose_name=_("当前阶段"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("第一个尚未完成或跳过的阶段；全部完成时为最后一个阶段。"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("招商专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officer_projects",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("项目团队"), blank=True, related_name="team_projects"
    )
    is_sample = models.BooleanField(_("示例数据"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(m2m_fields=[team])

    class Meta:
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["status", "current_stage"], name="project_status_stage"),
            # The list's default order (-signed_on, -id): a page is read straight off the index.
            models.Index(fields=["signed_on", "id"], name="project_signed_on_id"),
            models.Index(fields=["town", "status"], name="project_town_status"),
            models.Index(fields=["leading_unit", "status"], name="project_unit_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="project_fixed_assets_within_total",
                condition=Q(fixed_asset_investment__isnull=True)
                | Q(total_investment__isnull=True)
                | Q(fixed_asset_investment__lte=models.F("total_investment")),
                violation_error_message=_("固定资产投资不能超过总投资。"),
            ),
            models.CheckConstraint(
                name="project_funds_non_negative",
                condition=Q(funds_in_place__isnull=True) | Q(funds_in_place__gte=0),
                violation_error_message=_("到位资金不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def _per_mu(self, amount):
        if amount is None or not self.land_area:
            return None
        return (amount / self.land_area).quantize(Decimal("0.01"))

    @property
    def investment_intensity(self):
        """投资强度: fixed-asset investment per 亩 (万元/亩)."""
        return self._per_mu(self.fixed_asset_investment)

    @property
    def output_per_mu(self):
        """亩均产值 (万元/亩), from the expected annual output."""
        return self._per_mu(self.expected_annual_output)

    @property
    def tax_per_mu(self):
        """亩均税收 (万元/亩), from the expected annual tax."""
        return self._per_mu(self.expected_annual_tax)


class ProjectStage(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        DONE = "done", _("已完成")
        SKIPPED = "skipped", _("已跳过")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stages")
    stage_type = models.ForeignKey(StageType, verbose_name=_("阶段"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    due_is_provisional = models.BooleanField(
        _("期限为暂定"), default=False, help_text=_("期限落在国务院尚未公布节假日安排的年份。")
    )
    started_on = models.DateField(_("实际开始日期"), null=True, blank=True)
    finished_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_stages",
    )
    notes = models.TextField(_("备注"), blank=True)
    skip_reason = models.CharField(_("跳过原因"), max_length=200, blank=True)
    reopen_reason = models.CharField(_("重新打开原因"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目阶段")
        verbose_name_plural = _("项目阶段")
        ordering = ["project", "stage_type__order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage_type"], name="project_stage_unique"),
            models.CheckConstraint(
                name="stage_done_has_finish_date",
                condition=~Q(status="done") | Q(finished_on__isnull=False),
                violation_error_message=_("已完成的阶段必须有实际完成日期。"),
            ),
            models.CheckConstraint(
                name="stage_skip_has_reason",
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                violation_error_message=_("跳过阶段必须说明原因。"),
            ),
            models.CheckConstraint(
                name="stage_finish_after_start",
                condition=Q(started_on__isnull=True)
                | Q(finished_on__isnull=True)
                | Q(finished_on__gte=models.F("started_on")),
                violation_error_message=_("完成日期不能早于开始日期。"),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="stage_status_due")]

    def __str__(self):
        return f"{self.project.code} {self.stage_type.name}"

    @property
    def is_open(self):
        return self.status in (self.Status.PENDING, self.Status.IN_PROGRESS)


class LandCommitment(TimeStampedModel):
    """A land contract's commitments (全生命周期管理), for a project on transferred land."""

    project = models.OneToOneField(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="land_commitment"
    )
    contract_no = models.CharField(_("出让合同编号"), max_length=64, blank=True)
    handed_over_on = models.DateField(_("交地日期"), null=True, blank=True)
    start_within_months = models.PositiveSmallIntegerField(_("约定开工期限（交地后月数）"), null=True, blank=True)
    complete_within_months = models.PositiveSmallIntegerField(_("约定竣工期限（交地后月数）"), null=True, blank=True)
    production_within_months = models.PositiveSmallIntegerField(_("约定投产期限（交地后月数）"), null=True, blank=True)
    full_production_within_months = models.PositiveSmallIntegerField(
        _("约定达产期限（交地后月数）"), null=True, blank=True
    )
    committed_investment_intensity = money_field(_("承诺投资强度（万元/亩）"))
    committed_output_per_mu = money_field(_("承诺亩均产值（万元/亩）"))
    committed_tax_per_mu = money_field(_("承诺亩均税收（万元/亩）"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用地承诺")
        verbose_name_plural = _("用地承诺")

    def __str__(self):
        return str(self.project)


class LandYearlyActual(TimeStampedModel):
    """Actual output, tax and jobs of a year after production, against the land commitments."""

    commitment = models.ForeignKey(
        LandCommitment, verbose_name=_("用地承诺"), on_delete=models.CASCADE, related_name="yearly_actuals"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    output = money_field(_("实际产值（万元）"))
    tax = money_field(_("实际税收（万元）"))
    jobs = models.PositiveIntegerField(_("实际就业人数"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用地年度实绩")
        verbose_name_plural = _("用地年度实绩")
        ordering = ["commitment", "year"]
        constraints = [models.UniqueConstraint(fields=["commitment", "year"], name="land_actual_unique_year")]

    def __str__(self):
        return f"{self.commitment.project} {self.year}"

    def _per_mu(self, amount):
        area = self.commitment.project.land_area
        if amount is None or not area:
            return None
        return (amount / area).quantize(Decimal("0.01"))

    @property
    def output_per_mu(self):
        return self._per_mu(self.output)

    @property
    def tax_per_mu(self):
        return self._per_mu(self.tax)


class AnnualTarget(TimeStampedModel):
    """The year's targets (年度指标) of an org unit; completion is computed from the projects."""

    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="annual_targets"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    signed_investment = money_field(_("签约投资额目标（万元）"))
    signed_projects = models.PositiveIntegerField(_("签约项目数目标"), null=True, blank=True)
    funds_in_place = money_field(_("到位资金目标（万元）"))
    construction_starts = models.PositiveIntegerField(_("开工项目数目标"), null=True, blank=True)
    production_starts = models.PositiveIntegerField(_("投产项目数目标"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度指标")
        verbose_name_plural = _("年度指标")
        ordering = ["-year", "org_unit"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "year"], name="annual_target_unique")]

    def __str__(self):
        return f"{self.org_unit} {self.year}"


class AssessmentDimension(models.Model):
    """A dimension of the admission scorecard ("十精准"): data an administrator maintains."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    max_score = models.PositiveSmallIntegerField(_("满分"), default=10)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal("1.00"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评估维度")
        verbose_name_plural = _("评估维度")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Assessment(TimeStampedModel):
    class Conclusion(models.TextChoices):
        RECOMMENDED = "recommended", _("建议准入")
        CONDITIONAL = "conditional", _("有条件准入")
        REJECTED = "rejected", _("不建议准入")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("评估日期"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    conclusion = models.CharField(_("评估结论"), max_length=16, choices=Conclusion.choices, blank=True)
    notes = models.TextField(_("评估意见"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目评估")
        verbose_name_plural = _("项目评估")
        ordering = ["-assessed_on", "-id"]

    def __str__(self):
        return f"{self.project} {self.assessed_on}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(AssessmentDimension, verbose_name=_("维度"), on_delete=models.PROTECT)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    comment = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评估得分")
        verbose_name_plural = _("评估得分")
        constraints = [models.UniqueConstraint(fields=["assessment", "dimension"], name="assessment_score_unique")]

    def __str__(self):
        return f"{self.dimension}: {self.score}"


# --- Project documents ------------------------------------------------------------------------


def project_document_path(instance, filename):
    """Stored under a random name that says nothing about the original (see common.uploads)."""
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    return stored_name("project-documents", extension)


class ProjectDocument(models.Model):
    """A permit, contract or land document of a project, served only to those who see the project."""

    class Kind(models.TextChoices):
        PERMIT = "permit", _("许可证照")
        CONTRACT = "contract", _("合同协议")
        LAND = "land", _("土地文件")
        OTHER = "other", _("其他")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("标题"), max_length=200)
    file = models.FileField(_("文件"), upload_to=project_document_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目文件")
        verbose_name_plural = _("项目文件")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.project.code} {self.title}"
