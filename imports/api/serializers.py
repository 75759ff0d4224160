from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from imports.models import ImportJob, ImportKind


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("要导入的 Excel 工作簿（.xlsx）"))
    kind = serializers.ChoiceField(choices=ImportKind.choices, help_text=_("projects 项目；enterprises 企业"))
    dry_run = serializers.BooleanField(default=False, help_text=_("为 true 时只检查并报告，不写入任何数据"))


class IssueSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text=_("Excel 中显示的行号；整个文件的问题为 null"))
    column = serializers.CharField(allow_null=True, help_text=_("文件中的列名；整行的问题为 null"))
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="original_name", read_only=True)
    created = serializers.IntegerField(source="created_count", read_only=True, help_text=_("新增数"))
    updated = serializers.IntegerField(source="updated_count", read_only=True, help_text=_("更新数"))
    skipped = serializers.IntegerField(
        source="skipped_count", read_only=True, help_text=_("与已有数据相同、未变化的行数")
    )
    errors = IssueSerializer(many=True, read_only=True)
    warnings = IssueSerializer(many=True, read_only=True)
    marked_file_url = serializers.SerializerMethodField(help_text=_("有错误时，标注了错误的文件的下载地址"))

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "dry_run",
            "file_name",
            "state",
            "progress",
            "rows_read",
            "created",
            "updated",
            "skipped",
            "errors",
            "warnings",
            "marked_file_url",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_marked_file_url(self, job) -> str | None:
        if not job.marked_file:
            return None
        url = reverse("import-job-marked", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url
