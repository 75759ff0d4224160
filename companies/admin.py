from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ServiceAdminMixin

from . import services
from .models import Contact, Enterprise, IndustryChain, Qualification, Visit


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name", "code"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "mobile", "phone", "email", "is_primary"]


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "uscc", "registration_type", "industry_chain", "town", "service_officer", "relocation_risk"]
    list_filter = ["registration_type", "industry_chain", "relocation_risk", "qualifications", "town", "is_sample"]
    list_select_related = ["industry_chain", "town", "service_officer"]
    search_fields = ["name", "uscc", "address"]
    autocomplete_fields = ["town", "service_officer", "industry_chain"]
    filter_horizontal = ["qualifications"]
    inlines = [ContactInline]
    readonly_fields = ["version", "created_at", "updated_at"]

    def service_create(self, request, obj, form):
        return services.create_enterprise(actor=request.user, allow_duplicate=True, **self.changed_fields(form))

    def service_update(self, request, obj, form):
        return services.update_enterprise(actor=request.user, enterprise=obj, **self.changed_fields(form))

    def save_model(self, request, obj, form, change):
        if not change:
            from .duplicates import find_possible_duplicates

            for duplicate in find_possible_duplicates(obj.name, obj.uscc):
                messages.warning(
                    request,
                    _("提示：可能与已有企业“%(name)s”重复（%(reason)s）。")
                    % {"name": duplicate.enterprise.name, "reason": duplicate.reason},
                )
        super().save_model(request, obj, form, change)


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "enterprise", "title", "masked_mobile", "is_primary"]
    list_select_related = ["enterprise"]
    search_fields = ["name", "enterprise__name"]
    autocomplete_fields = ["enterprise"]

    @admin.display(description=_("手机"))
    def masked_mobile(self, obj):
        return obj.masked_mobile


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = [
        "visited_on",
        "enterprise",
        "topic",
        "officer",
        "next_step",
        "next_step_due_on",
        "next_step_done_on",
    ]
    list_filter = ["visited_on", "next_step_done_on"]
    list_select_related = ["enterprise", "officer"]
    search_fields = ["enterprise__name", "topic", "summary"]
    autocomplete_fields = ["enterprise", "project", "officer", "participants", "contacts"]
    date_hierarchy = "visited_on"
