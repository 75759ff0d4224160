"""Serializers of the planning data: signing events, targets, land use, assessments and documents."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import OrgUnit
from accounts.selectors import units_in_scope
from projects.models import (
    AnnualTarget,
    Assessment,
    AssessmentDimension,
    LandCommitment,
    LandYearlyActual,
    Project,
    ProjectDocument,
    SigningEvent,
)
from projects.selectors import land_gaps, ratio, visible_projects, weighted_score

from .serializers import ScopedPrimaryKeyRelatedField

MONEY = {"max_digits": 16, "decimal_places": 2}


def _money(help_text, **kwargs):
    return serializers.DecimalField(**MONEY, read_only=True, help_text=help_text, **kwargs)


def _ratio_field(help_text):
    return extend_schema_field(
        serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True, help_text=help_text)
    )


class SigningEventSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True, help_text=_("签约项目数（由项目计算）"))
    total_investment = _money(_("签约总投资（万元，由项目计算）"))
    landed = serializers.IntegerField(read_only=True, help_text=_("已注册落地的项目数"))
    construction_started = serializers.IntegerField(read_only=True, help_text=_("已开工的项目数"))
    in_production = serializers.IntegerField(read_only=True, help_text=_("已投产的项目数"))

    class Meta:
        model = SigningEvent
        fields = [
            "id",
            "name",
            "date",
            "location",
            "is_online",
            "description",
            "project_count",
            "total_investment",
            "landed",
            "construction_started",
            "in_production",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": 5000}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("total_investment") is None:
            data["total_investment"] = "0.00"
        return data


class AnnualTargetSerializer(serializers.ModelSerializer):
    org_unit = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), scope=units_in_scope)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    signed_investment_done = _money(_("已签约投资额（万元）：牵头单位在本单位及下级单位、当年签约的项目"))
    signed_projects_done = serializers.IntegerField(read_only=True, help_text=_("当年签约项目数"))
    funds_in_place_done = _money(_("当年签约项目的到位资金（万元）"))
    construction_starts_done = serializers.IntegerField(read_only=True, help_text=_("当年开工项目数"))
    production_starts_done = serializers.IntegerField(read_only=True, help_text=_("当年投产项目数"))
    signed_investment_rate = serializers.SerializerMethodField()
    signed_projects_rate = serializers.SerializerMethodField()
    funds_in_place_rate = serializers.SerializerMethodField()
    construction_starts_rate = serializers.SerializerMethodField()
    production_starts_rate = serializers.SerializerMethodField()

    class Meta:
        model = AnnualTarget
        fields = [
            "id",
            "org_unit",
            "org_unit_name",
            "year",
            "signed_investment",
            "signed_investment_done",
            "signed_investment_rate",
            "signed_projects",
            "signed_projects_done",
            "signed_projects_rate",
            "funds_in_place",
            "funds_in_place_done",
            "funds_in_place_rate",
            "construction_starts",
            "construction_starts_done",
            "construction_starts_rate",
            "production_starts",
            "production_starts_done",
            "production_starts_rate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @_ratio_field(_("签约投资额完成率（4 位小数；无目标时为空）"))
    def get_signed_investment_rate(self, target):
        return _rate(target.signed_investment_done, target.signed_investment)

    @_ratio_field(_("签约项目数完成率"))
    def get_signed_projects_rate(self, target):
        return _rate(target.signed_projects_done, target.signed_projects)

    @_ratio_field(_("到位资金完成率"))
    def get_funds_in_place_rate(self, target):
        return _rate(target.funds_in_place_done, target.funds_in_place)

    @_ratio_field(_("开工项目数完成率"))
    def get_construction_starts_rate(self, target):
        return _rate(target.construction_starts_done, target.construction_starts)

    @_ratio_field(_("投产项目数完成率"))
    def get_production_starts_rate(self, target):
        return _rate(target.production_starts_done, target.production_starts)


def _rate(done, target):
    value = ratio(done, target)
    return None if value is None else str(value)


class MilestoneSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("start 开工、completion 竣工、production 投产、full_production 达产"))
    label = serializers.CharField()
    committed_by = serializers.DateField(allow_null=True, help_text=_("约定日期：交地日期加约定月数"))
    reached_on = serializers.DateField(allow_null=True, help_text=_("项目实际完成该阶段的日期"))
    state = serializers.CharField(
        help_text=_(
            "met 按期完成；late 逾期完成；overdue 已过约定日期尚未完成；pending 尚未到期；unknown 缺交地日期或约定月数"
        )
    )


class LandCommitmentSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), scope=visible_projects)
    project_code = serializers.CharField(source="project.code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    land_area = serializers.DecimalField(
        source="project.land_area", max_digits=12, decimal_places=2, read_only=True, help_text=_("用地面积（亩）")
    )
    actual_investment_intensity = _money(_("实际投资强度（万元/亩）"), source="gaps.actual_investment_intensity")
    latest_year = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("最近一个登记实绩的年度"))
    latest_output_per_mu = _money(_("最近年度亩均产值（万元/亩）"), source="gaps.latest_output_per_mu")
    latest_tax_per_mu = _money(_("最近年度亩均税收（万元/亩）"), source="gaps.latest_tax_per_mu")
    output_per_mu_gap = _money(_("亩均产值差距：实际减承诺，负数为未达承诺"), source="gaps.output_per_mu_gap")
    tax_per_mu_gap = _money(_("亩均税收差距：实际减承诺，负数为未达承诺"), source="gaps.tax_per_mu_gap")
    milestones = MilestoneSerializer(many=True, read_only=True, source="gaps.milestones")
    dates_behind = serializers.BooleanField(read_only=True, source="gaps.dates_behind")
    output_behind = serializers.BooleanField(read_only=True, source="gaps.output_behind")
    is_behind = serializers.BooleanField(read_only=True, source="gaps.is_behind", help_text=_("日期或亩均产出未达承诺"))

    class Meta:
        model = LandCommitment
        fields = [
            "id",
            "project",
            "project_code",
            "project_name",
            "land_area",
            "contract_no",
            "handed_over_on",
            "start_within_months",
            "complete_within_months",
            "production_within_months",
            "full_production_within_months",
            "committed_investment_intensity",
            "committed_output_per_mu",
            "committed_tax_per_mu",
            "actual_investment_intensity",
            "latest_year",
            "latest_output_per_mu",
            "latest_tax_per_mu",
            "output_per_mu_gap",
            "tax_per_mu_gap",
            "milestones",
            "dates_behind",
            "output_behind",
            "is_behind",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        instance.gaps = land_gaps(instance, self.context.get("today") or timezone.localdate())
        return super().to_representation(instance)


class LandYearlyActualSerializer(serializers.ModelSerializer):
    output_per_mu = _money(_("亩均产值（万元/亩）"))
    tax_per_mu = _money(_("亩均税收（万元/亩）"))

    class Meta:
        model = LandYearlyActual
        fields = ["id", "year", "output", "tax", "jobs", "output_per_mu", "tax_per_mu", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"jobs": {"max_value": 10_000_000}}


class AssessmentDimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentDimension
        fields = ["id", "code", "name", "description", "max_score", "weight", "order", "is_active"]
        extra_kwargs = {"max_score": {"min_value": 1, "max_value": 1000}, "weight": {"min_value": 0}}


class AssessmentScoreSerializer(serializers.Serializer):
    dimension = serializers.PrimaryKeyRelatedField(queryset=AssessmentDimension.objects.all())
    dimension_name = serializers.CharField(source="dimension.name", read_only=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0)
    comment = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AssessmentSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), scope=visible_projects)
    project_name = serializers.CharField(source="project.name", read_only=True)
    assessor_name = serializers.CharField(source="assessor", read_only=True, allow_null=True)
    scores = AssessmentScoreSerializer(many=True, help_text=_("各维度得分；修改时提交则整体替换"))
    weighted_score = serializers.SerializerMethodField()
    weighted_max = serializers.SerializerMethodField()
    weighted_percent = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "project",
            "project_name",
            "assessed_on",
            "assessor",
            "assessor_name",
            "conclusion",
            "notes",
            "scores",
            "weighted_score",
            "weighted_max",
            "weighted_percent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["assessor", "created_at", "updated_at"]
        extra_kwargs = {"assessed_on": {"required": False}, "notes": {"max_length": 5000}}

    def _totals(self, assessment):
        return weighted_score(assessment.scores.all())

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_weighted_score(self, assessment):
        total, _maximum = self._totals(assessment)
        return None if total is None else str(total)

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_weighted_max(self, assessment):
        _total, maximum = self._totals(assessment)
        return None if maximum is None else str(maximum)

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=7, decimal_places=2, allow_null=True, help_text=_("加权得分占加权满分的百分比")
        )
    )
    def get_weighted_percent(self, assessment):
        total, maximum = self._totals(assessment)
        value = ratio(total, maximum, places="0.01", scale=100)
        return None if value is None else str(value)


class ProjectDocumentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text=_("上传的文件（multipart）"))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProjectDocument
        fields = [
            "id",
            "project",
            "kind",
            "title",
            "file",
            "original_name",
            "size",
            "content_type",
            "uploaded_by",
            "uploaded_by_name",
            "created_at",
            "download_url",
        ]
        read_only_fields = ["project", "original_name", "size", "content_type", "uploaded_by", "created_at"]

    def get_download_url(self, document) -> str:
        return reverse("project-document-download", args=[document.project_id, document.pk])
