import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from common.filters import IdFilter, StableOrderingFilter
from projects.models import Project
from projects.selectors import past_stage

PASSED_FLAGS = {"landed": "marks_landed", "construction": "marks_construction", "production": "marks_production"}


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("搜索项目名称、编号、投资方名称或统一社会信用代码"), max_length=100
    )
    stage = django_filters.CharFilter(field_name="current_stage__code", label=_("当前阶段代码"), max_length=32)
    # A column of the project itself: no join to fan out, so no DISTINCT (it cost the list ~0.1 s at scale S).
    status = django_filters.MultipleChoiceFilter(choices=Project.Status.choices, distinct=False, label=_("项目状态"))
    priority = django_filters.ChoiceFilter(choices=Project.Priority.choices, label=_("项目等级"))
    industry_chain = django_filters.CharFilter(field_name="industry_chain__code", label=_("产业链代码"), max_length=32)
    town = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("落地街镇或园区"))
    leading_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("牵头单位"))
    signing_event = IdFilter(field_name="signing_event_id", label=_("签约活动"))
    officer = IdFilter(field_name="officer_id", label=_("招商专员"))
    enterprise = IdFilter(field_name="enterprise_id", label=_("投资方"))
    signed_after = django_filters.DateFilter(field_name="signed_on", lookup_expr="gte", label=_("签约日期不早于"))
    signed_before = django_filters.DateFilter(field_name="signed_on", lookup_expr="lte", label=_("签约日期不晚于"))
    signed_year = django_filters.NumberFilter(
        field_name="signed_on__year", label=_("签约年份"), min_value=1990, max_value=2100, decimal_places=0
    )
    overdue = django_filters.BooleanFilter(field_name="is_overdue", label=_("有逾期阶段"))
    passed = django_filters.ChoiceFilter(
        choices=[("landed", _("已落地")), ("construction", _("已开工")), ("production", _("已投产"))],
        method="filter_passed",
        label=_("已过阶段（落地、开工、投产，与报表的口径相同）"),
    )
    is_sample = django_filters.BooleanFilter(label=_("示例数据"))
    ordering = StableOrderingFilter(
        fields=[
            ("signed_on", "signed_on"),
            ("total_investment", "total_investment"),
            ("code", "code"),
            ("name", "name"),
            ("updated_at", "updated_at"),
            ("current_stage__order", "stage"),
        ],
        label=_("排序"),
    )

    class Meta:
        model = Project
        fields = []

    def filter_passed(self, queryset, name, value):
        return queryset.filter(past_stage(PASSED_FLAGS[value])) if value else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value)
            | Q(code__icontains=value)
            | Q(enterprise__name__contains=value)
            | Q(enterprise__uscc=value.upper())
        )
