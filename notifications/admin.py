from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdminMixin

from . import services
from .models import Delivery, Notification, NotificationPreference


class ReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", _("未读")), ("yes", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["channel", "target", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only view of the inboxes: notifications are sent by the system and read by their recipients."""

    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", ReadFilter]
    list_select_related = ["recipient"]
    search_fields = ["title", "body", "recipient__username", "recipient__display_name"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "title", "body", "url", "target_type", "target_id", "created_at", "read_at"]
    readonly_fields = fields
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """How notifications went out by email and group robots; failed ones may be sent again."""

    list_display = ["notification", "recipient", "channel", "target", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["notification__recipient"]
    search_fields = ["notification__title", "notification__recipient__username", "target"]
    date_hierarchy = "created_at"
    fields = [
        "notification",
        "channel",
        "target",
        "org_unit",
        "status",
        "attempts",
        "parts_sent",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("接收人"))
    def recipient(self, delivery):
        return delivery.notification.recipient

    @admin.action(description=_("重新发送所选的失败投递"))
    def send_again(self, request, queryset):
        count = services.retry_deliveries(queryset)
        self.message_user(request, _("已重新发送 %(count)d 条投递。") % {"count": count}, messages.SUCCESS)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "wecom_enabled", "dingtalk_enabled", "lead_days", "weekly_report"]
    list_filter = ["weekly_report", "email_enabled", "wecom_enabled", "dingtalk_enabled"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]
    raw_id_fields = ["user"]
    fields = ["user", "email_enabled", "wecom_enabled", "dingtalk_enabled", "lead_days", "weekly_report", "updated_at"]
    readonly_fields = ["updated_at"]
