import os

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.jobs import BackgroundJob
from common.uploads import stored_name


def upload_path(instance, filename):
    """Kept under a random name in MEDIA_ROOT/imports/, which no URL serves."""
    extension = os.path.splitext(filename)[1].lower().lstrip(".") or "xlsx"
    return stored_name("imports", extension)


class ImportKind(models.TextChoices):
    PROJECTS = "projects", _("招商项目")
    ENTERPRISES = "enterprises", _("企业")


class ImportJob(BackgroundJob):
    """An uploaded workbook and the report of its import: what was read, created, updated, refused."""

    Kind = ImportKind

    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    dry_run = models.BooleanField(_("仅校验"), default=False, help_text=_("只检查并报告，不写入任何数据。"))
    file = models.FileField(_("上传的文件"), upload_to=upload_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新数"), default=0)
    skipped_count = models.PositiveIntegerField(_("未变化数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    marked_file = models.FileField(_("标注错误的文件"), blank=True, max_length=255)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="import_job_requester"),
            models.Index(fields=["state", "heartbeat_at"], name="import_job_state"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"
