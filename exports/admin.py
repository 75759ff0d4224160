from django.contrib import admin

from common.admin import ReadOnlyAdminMixin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The record of what was exported, by whom, with which filters: read only. Files are for their requester."""

    list_display = ["id", "requested_by", "kind", "state", "row_count", "created_at", "finished_at"]
    list_filter = ["kind", "state", "created_at"]
    search_fields = ["requested_by__username", "requested_by__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    fields = [
        "requested_by",
        "kind",
        "filters",
        "state",
        "progress",
        "attempts",
        "row_count",
        "file_name",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
