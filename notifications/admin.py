from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification


class ReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("未读")), ("yes", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """A read-only view of the inboxes: notifications are sent by the system and read by their recipients."""

    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", ReadFilter]
    list_select_related = ["recipient"]
    search_fields = ["title", "body", "recipient__username", "recipient__display_name"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "title", "body", "url", "target_type", "target_id", "created_at", "read_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
