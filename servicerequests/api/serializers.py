from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from common.api_fields import SlugRelatedField
from companies.models import Enterprise
from companies.selectors import visible_enterprises
from projects.api.serializers import ScopedPrimaryKeyRelatedField
from projects.models import Project
from projects.selectors import visible_projects
from servicerequests.models import Attachment, Category, Comment, ServiceRequest
from servicerequests.selectors import assignable_staff, with_days_left


class ServiceRequestListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        # One calendar read for the whole page instead of one per row.
        items = with_days_left(data.all() if hasattr(data, "all") else data)
        return super().to_representation(items)


class ServiceRequestSerializer(serializers.ModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        scope=visible_enterprises,
        required=False,
        help_text=_("提出诉求的企业；企业用户可省略，只能为本企业提交。"),
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    category = SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.all(),
        help_text=_("诉求类别代码，见 /api/v1/service-request-categories/"),
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    project = ScopedPrimaryKeyRelatedField(
        queryset=Project.objects.all(),
        scope=visible_projects,
        allow_null=True,
        required=False,
        help_text=_("相关项目（可选），须属于该企业。"),
    )
    project_name = serializers.CharField(source="project.name", read_only=True, allow_null=True)
    assignee_name = serializers.CharField(source="assignee", read_only=True, allow_null=True)
    days_left = serializers.SerializerMethodField(
        help_text=_("距办理期限的工作日数，逾期为负数；已办结、已关闭或不予受理的为空。")
    )
    rating_display = serializers.CharField(source="get_rating_display", read_only=True, allow_null=True)
    version = serializers.IntegerField(required=False, help_text=_("修改时带上读取到的版本号；版本过期时返回 409。"))

    class Meta:
        model = ServiceRequest
        list_serializer_class = ServiceRequestListSerializer
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "category",
            "category_name",
            "title",
            "description",
            "status",
            "status_display",
            "project",
            "project_name",
            "assignee",
            "assignee_name",
            "due_on",
            "days_left",
            "reply",
            "reject_reason",
            "rating",
            "rating_display",
            "rating_comment",
            "rated_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "assignee",
            "due_on",
            "reply",
            "reject_reason",
            "rating",
            "rating_comment",
            "rated_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_left(self, request) -> int | None:
        if not hasattr(request, "days_left"):
            with_days_left([request])
        return request.days_left

    def validate(self, attrs):
        if self.instance is not None:
            # The enterprise and the category are fixed once a request is filed.
            for name in ("enterprise", "category"):
                if name in attrs and attrs.pop(name) != getattr(self.instance, name):
                    raise serializers.ValidationError({name: _("诉求提交后不能修改该项。")})
        return attrs


class RequestCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "due_workdays"]


class RequestAssignSerializer(serializers.Serializer):
    assignee = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.all(), scope=assignable_staff, help_text=_("承办人（本单位或下级单位的工作人员）")
    )


class RequestReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=5000, help_text=_("答复内容"))


class RequestResolveSerializer(serializers.Serializer):
    reply = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text=_("办理答复；省略时沿用已有答复")
    )


class RequestRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text=_("不予受理的原因"))


class RequestRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(
        min_value=1, max_value=5, help_text=_("5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意")
    )
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text=_("评价意见"))


class RequestCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author", read_only=True, allow_null=True)
    body = serializers.CharField(max_length=5000)
    is_internal = serializers.BooleanField(
        default=False, help_text=_("内部备注，仅政府工作人员可见；企业用户提交的留言总是公开的。")
    )

    class Meta:
        model = Comment
        fields = ["id", "author", "author_name", "body", "is_internal", "created_at"]
        read_only_fields = ["author", "created_at"]


class RequestAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "size",
            "content_type",
            "uploaded_by",
            "uploaded_by_name",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return reverse(
            "service-request-attachment-download",
            kwargs={"request_pk": attachment.request_id, "pk": attachment.pk},
        )


class RequestUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("附件：pdf、jpg、png、docx、xlsx、pptx、doc、xls 或 txt"))
