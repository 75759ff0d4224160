from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import OrgUnit, User
from accounts.selectors import active_staff
from common.api_fields import SlugRelatedField
from common.validators import normalize_uscc, validate_uscc
from companies.models import Contact, Enterprise, IndustryChain, Qualification, Visit
from companies.selectors import visible_contacts, visible_enterprises
from projects.api.serializers import ScopedPrimaryKeyRelatedField
from projects.models import Project
from projects.selectors import visible_projects


class UsccField(serializers.CharField):
    """A USCC as typed (spaces and lower case allowed), checked per GB 32100-2015; blank is none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("18位统一社会信用代码（GB 32100-2015）；境外投资方尚未注册的可以留空。"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = normalize_uscc(super().to_internal_value(data))
        if not code:
            return None
        try:
            validate_uscc(code)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return code


class EnterpriseSerializer(serializers.ModelSerializer):
    uscc = UsccField()
    industry_chain = SlugRelatedField(
        slug_field="code",
        queryset=IndustryChain.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("产业链代码：auto, sensors_ic, medical, online, other"),
    )
    qualifications = SlugRelatedField(
        slug_field="code",
        queryset=Qualification.objects.all(),
        many=True,
        required=False,
        help_text=_("企业资质代码列表：high_tech, specialized, little_giant, listed, above_scale"),
    )
    town = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.filter(is_landing_area=True), allow_null=True, required=False
    )
    town_name = serializers.CharField(source="town.name", read_only=True, default=None, allow_null=True)
    service_officer = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=active_staff, allow_null=True, required=False
    )
    service_officer_name = serializers.StringRelatedField(source="service_officer", allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    project_count = serializers.IntegerField(read_only=True, help_text=_("您可查看的该企业项目数"))
    open_request_count = serializers.IntegerField(read_only=True, help_text=_("您可查看的该企业未办结诉求数"))
    version = serializers.IntegerField(required=False, help_text=_("修改时带上读取到的版本号；版本过期时返回 409。"))
    confirm_not_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("新建时如提示可能重复，确认不是同一企业后带上 true 重新提交。"),
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "uscc",
            "registration_type",
            "origin",
            "industry_code",
            "industry_chain",
            "qualifications",
            "town",
            "town_name",
            "address",
            "service_officer",
            "service_officer_name",
            "relocation_risk",
            "relocation_note",
            "is_sample",
            "notes",
            "project_count",
            "open_request_count",
            "version",
            "created_at",
            "updated_at",
            "confirm_not_duplicate",
        ]
        read_only_fields = ["is_sample", "created_at", "updated_at"]


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="enterprise.pk")
    name = serializers.CharField(source="enterprise.name")
    reason = serializers.CharField()


class PossibleDuplicatesAnswerSerializer(serializers.Serializer):
    """The possible duplicates of a new enterprise, as far as the caller may see them."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False, help_text=_("possible_duplicate"))
    possible_duplicate = serializers.BooleanField()
    duplicates = PossibleDuplicateSerializer(many=True, help_text=_("您可查看的相近企业"))
    hidden_duplicates = serializers.IntegerField(help_text=_("您无权查看的相近企业数"))


class EnterpriseCreateErrorSerializer(serializers.Serializer):
    """A refused new enterprise: the invalid fields with their messages, or its possible duplicates."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False, help_text=_("possible_duplicate"))
    possible_duplicate = serializers.BooleanField(required=False)
    duplicates = PossibleDuplicateSerializer(many=True, required=False, help_text=_("您可查看的相近企业"))
    hidden_duplicates = serializers.IntegerField(required=False, help_text=_("您无权查看的相近企业数"))


class CheckDuplicatesQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=_("企业名称"))
    uscc = UsccField(help_text=_("统一社会信用代码"))

    def validate(self, attrs):
        if not (attrs.get("name") or "").strip() and not attrs.get("uscc"):
            raise serializers.ValidationError({"detail": _("请至少提供企业名称或统一社会信用代码。")})
        return attrs


class ContactSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), scope=visible_enterprises)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    mobile = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=_("手机号码；仅企业的负责专员可见完整号码，其他人看到的是 138****1234 的形式。"),
    )
    mobile_masked = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "name",
            "title",
            "mobile",
            "mobile_masked",
            "phone",
            "email",
            "is_primary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def _sees_full(self, contact) -> bool:
        return contact.enterprise_id in self.context.get("full_mobile_ids", ())

    @extend_schema_field(serializers.BooleanField(help_text=_("手机号码是否已打码")))
    def get_mobile_masked(self, contact) -> bool:
        return bool(contact.mobile) and not self._sees_full(contact)

    def validate_mobile(self, value):
        value = "".join(value.split())
        # A masked number sent back unchanged (read, edit another field, write all) keeps the stored one.
        if self.instance is not None and value and value == self.instance.masked_mobile:
            return self.instance.mobile
        return value

    def to_representation(self, contact):
        data = super().to_representation(contact)
        if not self._sees_full(contact):
            data["mobile"] = contact.masked_mobile
        return data


def _contacts_in_scope(user, queryset):
    return queryset.filter(pk__in=visible_contacts(user).values("pk"))


class VisitSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Enterprise.objects.all(), scope=visible_enterprises)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    project = ScopedPrimaryKeyRelatedField(
        queryset=Project.objects.all(),
        scope=visible_projects,
        allow_null=True,
        required=False,
        help_text=_("相关项目，须属于该企业"),
    )
    project_name = serializers.CharField(source="project.name", read_only=True, default=None, allow_null=True)
    officer = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=active_staff, required=False, help_text=_("走访人，默认为当前用户")
    )
    officer_name = serializers.StringRelatedField(source="officer")
    participants = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=active_staff, many=True, required=False
    )
    contacts = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        scope=_contacts_in_scope,
        many=True,
        required=False,
        help_text=_("会见的联系人，须属于该企业"),
    )
    summary = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    next_step_open = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "project",
            "project_name",
            "visited_on",
            "officer",
            "officer_name",
            "participants",
            "contacts",
            "met_with",
            "topic",
            "summary",
            "next_step",
            "next_step_due_on",
            "next_step_done_on",
            "next_step_open",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["next_step_done_on", "created_at", "updated_at"]

    @extend_schema_field(serializers.BooleanField(help_text=_("有待完成的下一步工作")))
    def get_next_step_open(self, visit) -> bool:
        return bool(visit.next_step) and visit.next_step_due_on is not None and visit.next_step_done_on is None


class CompleteNextStepSerializer(serializers.Serializer):
    done_on = serializers.DateField(help_text=_("下一步工作的完成日期（YYYY-MM-DD）"))
