from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from exports.models import ExportJob, ExportKind


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices, help_text=_("导出哪个列表"))
    filters = serializers.JSONField(
        required=False,
        default=dict,
        help_text=_('该列表的查询参数（筛选、搜索 q、排序 ordering），例如 {"town": 3, "status": ["active"]}'),
    )


class ExportJobSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    download_url = serializers.SerializerMethodField(help_text=_("完成后的下载地址，仅发起人可以下载"))

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "kind_display",
            "filters",
            "state",
            "state_display",
            "progress",
            "row_count",
            "file_name",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if job.state != ExportJob.State.DONE or not job.file:
            return None
        return reverse("export-download", args=[job.pk])
