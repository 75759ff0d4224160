from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import OrgUnit, User
from accounts.selectors import active_staff, units_in_scope
from common.api_fields import SlugRelatedField
from companies.models import Enterprise, IndustryChain
from companies.selectors import visible_enterprises
from projects.models import Project, ProjectStage, SigningEvent, StageType


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to what the caller may use; anything else is 'does not exist'."""

    def __init__(self, scope=None, **kwargs):
        self.scope = scope
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("does_not_exist", _("编号为 {pk_value} 的对象不存在或不在您的范围内。"))
        kwargs["error_messages"].setdefault("incorrect_type", _("应为整数编号，而不是 {data_type}。"))
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if self.scope is not None and request is not None:
            queryset = self.scope(request.user, queryset)
        return queryset


class ProjectSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), scope=visible_enterprises)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    signing_event = serializers.PrimaryKeyRelatedField(
        queryset=SigningEvent.objects.all(), allow_null=True, required=False
    )
    signing_event_name = serializers.CharField(source="signing_event.name", read_only=True, allow_null=True)
    industry_chain = SlugRelatedField(
        slug_field="code",
        queryset=IndustryChain.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("产业链代码：auto, sensors_ic, medical, online, other"),
    )
    town = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_landing_area=True), allow_null=True, required=False
    )
    town_name = serializers.CharField(source="town.name", read_only=True, allow_null=True)
    leading_unit = ScopedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_promotion_body=True), scope=units_in_scope
    )
    leading_unit_name = serializers.CharField(source="leading_unit.name", read_only=True)
    officer = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=active_staff, allow_null=True, required=False
    )
    officer_name = serializers.CharField(source="officer", read_only=True, allow_null=True)
    team = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), scope=active_staff, many=True, required=False)
    stage = serializers.SlugRelatedField(source="current_stage", slug_field="code", read_only=True)
    stage_name = serializers.CharField(source="current_stage.name", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    investment_intensity = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text=_("投资强度（万元/亩）")
    )
    output_per_mu = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text=_("亩均产值（万元/亩）")
    )
    tax_per_mu = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text=_("亩均税收（万元/亩）")
    )
    version = serializers.IntegerField(required=False, help_text=_("修改时带上读取到的版本号；版本过期时返回 409。"))

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "enterprise",
            "enterprise_name",
            "signing_event",
            "signing_event_name",
            "signed_on",
            "industry_chain",
            "town",
            "town_name",
            "leading_unit",
            "leading_unit_name",
            "source",
            "total_investment",
            "fixed_asset_investment",
            "registered_capital",
            "foreign_capital",
            "land_area",
            "land_supply_mode",
            "expected_annual_output",
            "expected_annual_tax",
            "expected_jobs",
            "funds_in_place",
            "priority",
            "status",
            "stage",
            "stage_name",
            "is_overdue",
            "officer",
            "officer_name",
            "team",
            "is_sample",
            "notes",
            "investment_intensity",
            "output_per_mu",
            "tax_per_mu",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "is_sample", "created_at", "updated_at"]


class StageSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="stage_type.code", read_only=True)
    name = serializers.CharField(source="stage_type.name", read_only=True)
    order = serializers.IntegerField(source="stage_type.order", read_only=True)
    due_basis = serializers.CharField(source="stage_type.due_basis", read_only=True)
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    owner = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=active_staff, allow_null=True, required=False
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ProjectStage
        fields = [
            "id",
            "code",
            "name",
            "order",
            "due_basis",
            "status",
            "due_on",
            "due_is_provisional",
            "started_on",
            "finished_on",
            "owner",
            "owner_name",
            "notes",
            "skip_reason",
            "reopen_reason",
            "is_overdue",
        ]
        read_only_fields = [f for f in fields if f not in ("owner", "notes")]

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, stage) -> bool:
        today = self.context["today"]
        return stage.is_open and stage.due_on is not None and stage.due_on < today


class FinishStageSerializer(serializers.Serializer):
    finished_on = serializers.DateField(help_text=_("实际完成日期（YYYY-MM-DD）"))
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("原因"))


class ReassignSerializer(serializers.Serializer):
    officer = ScopedPrimaryKeyRelatedField(queryset=User.objects.all(), scope=active_staff)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    leading_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.filter(is_promotion_body=True))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StageTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageType
        fields = [
            "id",
            "code",
            "name",
            "order",
            "party",
            "due_basis",
            "target_workdays",
            "target_months",
            "required_facts",
        ]
