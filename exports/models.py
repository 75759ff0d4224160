from django.db import models
from django.utils.translation import gettext_lazy as _

from common.jobs import BackgroundJob


class ExportKind(models.TextChoices):
    PROJECTS = "projects", _("招商项目")
    ENTERPRISES = "enterprises", _("企业")
    SERVICE_REQUESTS = "service_requests", _("企业诉求")
    STAGES = "stages", _("项目推进表")


class ExportJob(BackgroundJob):
    """An Excel export of a list, with the filters it was asked with: the job and the record of who exported what.

    The file lives under MEDIA_ROOT/exports/ and is only ever served to the requester by the API's view.
    An export written straight to the browser is recorded too, as a finished job without a file.
    """

    Kind = ExportKind

    kind = models.CharField(_("导出内容"), max_length=24, choices=ExportKind.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True, help_text=_("列表的查询参数。"))
    file = models.FileField(_("文件"), max_length=255, blank=True)
    file_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)

    class Meta:
        verbose_name = _("Excel 导出")
        verbose_name_plural = _("Excel 导出")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_requester_created"),
            models.Index(fields=["state", "created_at"], name="export_state_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
