from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin

from .models import Reminder


class DeliveredFilter(admin.SimpleListFilter):
    title = _("送达状态")
    parameter_name = "delivered"

    def lookups(self, request, model_admin):
        return [("yes", _("已送达")), ("no", _("未送达"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(notification__isnull=self.value() == "no")
        return queryset


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the sweeps owed each person and whether it reached them: a record, written only by the sweeps."""

    list_display = ["title", "recipient", "kind", "due_on", "swept_on", "notification"]
    list_filter = ["kind", DeliveredFilter, "swept_on"]
    list_select_related = ["recipient", "notification"]
    search_fields = ["title", "key", "recipient__username", "recipient__display_name"]
    date_hierarchy = "swept_on"
    fields = ["recipient", "key", "kind", "title", "body", "url", "due_on", "swept_on", "created_at", "notification"]
    readonly_fields = fields
