from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ServiceAdminMixin, ServiceErrorsAsMessagesMixin
from common.services import by_actor

from . import services
from .models import (
    AnnualTarget,
    Assessment,
    AssessmentDimension,
    AssessmentScore,
    LandCommitment,
    LandYearlyActual,
    Project,
    ProjectDocument,
    ProjectStage,
    SigningEvent,
    StageType,
)
from .selectors import signing_events_with_totals


@admin.register(SigningEvent)
class SigningEventAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "date", "is_online", "project_count", "total_investment_yi"]
    list_filter = ["is_online"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return signing_events_with_totals(super().get_queryset(request))

    def service_create(self, request, obj, form):
        return services.create_signing_event(actor=request.user, **self.changed_fields(form))

    def service_update(self, request, obj, form):
        return services.update_signing_event(actor=request.user, event=obj, **self.changed_fields(form))

    @admin.display(description=_("项目数"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count

    @admin.display(description=_("总投资（亿元）"), ordering="total_investment")
    def total_investment_yi(self, obj):
        return f"{obj.total_investment / 10000:.2f}" if obj.total_investment is not None else "-"


@admin.register(StageType)
class StageTypeAdmin(SimpleHistoryAdmin):
    list_display = ["order", "name", "party", "due_basis", "target_workdays", "target_months", "required_facts"]
    list_display_links = ["name"]
    ordering = ["order"]


class ProjectStageInline(admin.TabularInline):
    model = ProjectStage
    extra = 0
    can_delete = False
    fields = ["stage_link", "status", "due_on", "started_on", "finished_on", "owner", "skip_reason", "reopen_reason"]
    readonly_fields = fields
    ordering = ["stage_type__order"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stage_type", "owner")

    @admin.display(description=_("阶段"))
    def stage_link(self, obj):
        url = reverse("admin:projects_projectstage_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.stage_type.name)


@admin.register(Project)
class ProjectAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "enterprise",
        "signing_event",
        "signed_on",
        "town",
        "leading_unit",
        "current_stage",
        "status",
        "total_investment",
        "officer",
        "is_sample",
    ]
    list_filter = [
        "status",
        "current_stage",
        "priority",
        "industry_chain",
        "town",
        "source",
        "signing_event",
        "is_sample",
    ]
    list_select_related = ["enterprise", "signing_event", "town", "leading_unit", "current_stage", "officer"]
    search_fields = ["code", "name", "enterprise__name", "enterprise__uscc"]
    autocomplete_fields = ["enterprise", "signing_event", "town", "leading_unit", "officer", "team", "industry_chain"]
    readonly_fields = ["code", "current_stage", "version", "investment_intensity", "output_per_mu", "tax_per_mu"]
    date_hierarchy = "signed_on"
    inlines = [ProjectStageInline]
    list_per_page = 50

    def service_create(self, request, obj, form):
        fields = self.changed_fields(form)
        return services.create_project(actor=request.user, **fields)

    def service_update(self, request, obj, form):
        return services.update_project(actor=request.user, project=obj, **self.changed_fields(form))


class StageActionForm(forms.ModelForm):
    ACTIONS = [("", "---------"), ("finish", _("完成")), ("skip", _("跳过")), ("reopen", _("重新打开"))]
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS, required=False)
    action_date = forms.DateField(label=_("完成日期"), required=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    class Meta:
        model = ProjectStage
        fields = ["owner", "notes"]


@admin.register(ProjectStage)
class ProjectStageAdmin(ServiceErrorsAsMessagesMixin, SimpleHistoryAdmin):
    form = StageActionForm
    list_display = ["project", "stage_type", "status", "due_on", "finished_on", "owner"]
    list_filter = ["status", "stage_type"]
    list_select_related = ["project", "stage_type", "owner"]
    search_fields = ["project__code", "project__name"]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "project",
        "stage_type",
        "status",
        "due_on",
        "started_on",
        "finished_on",
        "skip_reason",
        "reopen_reason",
    ]
    fields = readonly_fields + ["owner", "notes", "action", "action_date", "reason"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        by_actor(obj, request.user).save()
        action = form.cleaned_data.get("action")
        if action == "finish":
            services.finish_stage(actor=request.user, stage=obj, finished_on=form.cleaned_data.get("action_date"))
        elif action == "skip":
            services.skip_stage(actor=request.user, stage=obj, reason=form.cleaned_data.get("reason"))
        elif action == "reopen":
            services.reopen_stage(actor=request.user, stage=obj, reason=form.cleaned_data.get("reason"))


class LandYearlyActualInline(admin.TabularInline):
    model = LandYearlyActual
    extra = 0


@admin.register(LandCommitment)
class LandCommitmentAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "contract_no", "handed_over_on", "committed_output_per_mu", "committed_tax_per_mu"]
    list_select_related = ["project"]
    search_fields = ["project__name", "project__code", "contract_no"]
    autocomplete_fields = ["project"]
    inlines = [LandYearlyActualInline]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj else []

    def service_create(self, request, obj, form):
        fields = self.changed_fields(form)
        return services.create_land_commitment(actor=request.user, project=fields.pop("project"), **fields)

    def service_update(self, request, obj, form):
        return services.update_land_commitment(actor=request.user, commitment=obj, **self.changed_fields(form))

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            fields = {f: getattr(instance, f) for f in ("year", "output", "tax", "jobs")}
            if instance.pk:
                services.update_land_actual(actor=request.user, actual=instance, **fields)
            else:
                services.add_land_actual(actor=request.user, commitment=form.instance, **fields)
        for instance in formset.deleted_objects:
            by_actor(instance, request.user).delete()


@admin.register(AnnualTarget)
class AnnualTargetAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "org_unit",
        "year",
        "signed_investment",
        "signed_projects",
        "funds_in_place",
        "construction_starts",
        "production_starts",
    ]
    list_filter = ["year"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]

    def service_create(self, request, obj, form):
        return services.create_annual_target(actor=request.user, **self.changed_fields(form))

    def service_update(self, request, obj, form):
        return services.update_annual_target(actor=request.user, target=obj, **self.changed_fields(form))


@admin.register(AssessmentDimension)
class AssessmentDimensionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["order", "name", "max_score", "weight", "is_active"]
    list_display_links = ["name"]

    def service_create(self, request, obj, form):
        return services.create_assessment_dimension(actor=request.user, **self.changed_fields(form))

    def service_update(self, request, obj, form):
        return services.update_assessment_dimension(actor=request.user, dimension=obj, **self.changed_fields(form))


class AssessmentScoreInline(admin.TabularInline):
    model = AssessmentScore
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["project", "assessed_on", "assessor", "conclusion"]
    list_select_related = ["project", "assessor"]
    autocomplete_fields = ["project", "assessor"]
    inlines = [AssessmentScoreInline]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(SimpleHistoryAdmin):
    """Read-only: files come in through the API's upload, which checks their size and type."""

    list_display = ["title", "project", "kind", "original_name", "size", "uploaded_by", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["project", "uploaded_by"]
    search_fields = ["title", "original_name", "project__code", "project__name"]
    readonly_fields = ["project", "kind", "title", "original_name", "size", "content_type", "uploaded_by", "created_at"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
