from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ServiceAdminMixin
from common.exceptions import ServiceError

from . import services
from .models import Attachment, Category, Comment, ServiceRequest


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "code", "due_workdays"]
    list_display_links = ["name"]


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["created_at", "author", "body", "is_internal"]
    readonly_fields = ["created_at", "author", "body", "is_internal"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    """Files are uploaded through the API's checks and downloaded through its view, never from a public URL."""

    model = Attachment
    extra = 0
    fields = ["created_at", "original_name", "size", "uploaded_by", "download"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("下载"))
    def download(self, attachment):
        url = reverse(
            "service-request-attachment-download", kwargs={"request_pk": attachment.request_id, "pk": attachment.pk}
        )
        return format_html('<a href="{}">{}</a>', url, _("下载"))


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "enterprise", "category", "status", "assignee", "due_on", "rating", "created_at"]
    list_filter = ["status", "category", "rating"]
    list_select_related = ["enterprise", "category", "assignee"]
    search_fields = ["title", "description", "enterprise__name"]
    autocomplete_fields = ["enterprise", "project", "assignee"]
    readonly_fields = [
        "status",
        "due_on",
        "submitted_by",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "reject_reason",
        "rating",
        "rating_comment",
        "rated_at",
        "version",
    ]
    inlines = [CommentInline, AttachmentInline]
    actions = ["accept_selected"]

    def get_readonly_fields(self, request, obj=None):
        # The handling moves through the state machine (API and pages), not by editing fields.
        if obj is None:
            return self.readonly_fields + ["assignee", "reply"]
        return self.readonly_fields + ["enterprise", "category", "assignee", "reply"]

    def service_create(self, request, obj, form):
        return services.submit_request(actor=request.user, **self.changed_fields(form))

    def service_update(self, request, obj, form):
        return services.update_request(actor=request.user, request=obj, **self.changed_fields(form))

    @admin.action(description=_("受理所选诉求"))
    def accept_selected(self, request, queryset):
        accepted = 0
        for item in queryset:
            try:
                services.accept_request(actor=request.user, request=item)
                accepted += 1
            except ServiceError as error:
                self.message_user(request, f"{item}：{' '.join(error.messages)}", messages.WARNING)
        self.message_user(request, _("已受理 %(count)d 条诉求。") % {"count": accepted})
