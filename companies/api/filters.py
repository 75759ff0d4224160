import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from common.filters import IdFilter, StableOrderingFilter, search_any
from common.validators import normalize_uscc
from companies.models import Contact, Enterprise, RegistrationType, Visit


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error rather than silently no filter."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(_("应为 true 或 false。"), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索企业名称或统一社会信用代码"), max_length=100)
    registration_type = django_filters.MultipleChoiceFilter(
        choices=RegistrationType.choices, label=_("登记注册类型（可多选）")
    )
    industry_chain = django_filters.CharFilter(field_name="industry_chain__code", label=_("产业链代码"), max_length=32)
    town = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("所在街镇"))
    qualification = django_filters.CharFilter(
        field_name="qualifications__code", label=_("企业资质代码"), max_length=32, distinct=True
    )
    relocation_risk = BooleanFilter(label=_("迁移预警"))
    service_officer = IdFilter(field_name="service_officer_id", label=_("服务专员"))
    has_uscc = BooleanFilter(method="filter_has_uscc", label=_("已有统一社会信用代码"))
    ordering = StableOrderingFilter(
        fields=[("name", "name"), ("created_at", "created_at"), ("updated_at", "updated_at")],
        label=_("排序"),
        tiebreaker="id",
    )

    class Meta:
        model = Enterprise
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(uscc=normalize_uscc(value)))

    def filter_has_uscc(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(uscc__isnull=not value)


class ContactFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id", label=_("企业"))
    q = django_filters.CharFilter(method="search", label=_("搜索姓名或职务"), max_length=50)
    is_primary = BooleanFilter(label=_("主要联系人"))
    ordering = django_filters.OrderingFilter(fields=[("name", "name"), ("created_at", "created_at")], label=_("排序"))

    class Meta:
        model = Contact
        fields = []

    def search(self, queryset, name, value):
        return search_any(queryset, value, "name__contains", "title__contains")


class VisitFilter(django_filters.FilterSet):
    enterprise = IdFilter(field_name="enterprise_id", label=_("企业"))
    project = IdFilter(field_name="project_id", label=_("项目"))
    officer = IdFilter(field_name="officer_id", label=_("走访人"))
    q = django_filters.CharFilter(method="search", label=_("搜索主题、纪要或企业名称"), max_length=100)
    visited_after = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", label=_("走访日期不早于"))
    visited_before = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", label=_("走访日期不晚于"))
    next_step_open = BooleanFilter(method="filter_next_step_open", label=_("有待完成的下一步工作"))
    next_step_due_before = django_filters.DateFilter(
        field_name="next_step_due_on", lookup_expr="lte", label=_("下一步完成日期不晚于")
    )
    ordering = django_filters.OrderingFilter(
        fields=[("visited_on", "visited_on"), ("next_step_due_on", "next_step_due_on"), ("created_at", "created_at")],
        label=_("排序"),
    )

    class Meta:
        model = Visit
        fields = []

    def search(self, queryset, name, value):
        return search_any(queryset, value, "topic__contains", "summary__contains", "enterprise__name__contains")

    def filter_next_step_open(self, queryset, name, value):
        if value is None:
            return queryset
        open_q = ~Q(next_step="") & Q(next_step_due_on__isnull=False) & Q(next_step_done_on__isnull=True)
        return queryset.filter(open_q) if value else queryset.exclude(open_q)
