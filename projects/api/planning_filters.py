import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from common.filters import IdFilter, search_any
from projects.models import AnnualTarget, Assessment, AssessmentDimension, LandCommitment, SigningEvent
from projects.selectors import land_gaps


class YearFilter(django_filters.NumberFilter):
    """A whole year within the range the data can hold; anything else is a 400, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class SigningEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("搜索活动名称"), max_length=100)
    year = YearFilter(field_name="date__year", label=_("年份"))
    is_online = django_filters.BooleanFilter(label=_("云签约"))
    ordering = django_filters.OrderingFilter(
        fields=[("date", "date"), ("name", "name"), ("project_count", "project_count")],
        label=_("排序"),
    )

    class Meta:
        model = SigningEvent
        fields = []


class AnnualTargetFilter(django_filters.FilterSet):
    year = YearFilter(label=_("年度"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("单位"))
    ordering = django_filters.OrderingFilter(fields=[("year", "year"), ("org_unit__path", "org_unit")], label=_("排序"))

    class Meta:
        model = AnnualTarget
        fields = []


class LandCommitmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索项目名称、编号或出让合同编号"), max_length=100)
    project = IdFilter(field_name="project_id", label=_("项目"))
    behind = django_filters.BooleanFilter(
        method="filter_behind", label=_("未达承诺（日期逾期或最近年度亩均产出低于承诺）")
    )

    class Meta:
        model = LandCommitment
        fields = []

    def search(self, queryset, name, value):
        return search_any(
            queryset, value, "project__name__contains", "project__code__icontains", "contract_no__icontains"
        )

    def filter_behind(self, queryset, name, value):
        # Month arithmetic differs between databases, so the gaps are judged once, in Python, by
        # the same function that reports them; the page is then a plain filter on the ids.
        today = timezone.localdate()
        behind = [c.pk for c in queryset.order_by() if land_gaps(c, today).is_behind]
        return queryset.filter(pk__in=behind) if value else queryset.exclude(pk__in=behind)


class AssessmentDimensionFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = AssessmentDimension
        fields = []


class AssessmentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("项目"))
    conclusion = django_filters.ChoiceFilter(choices=Assessment.Conclusion.choices, label=_("评估结论"))

    class Meta:
        model = Assessment
        fields = []
