import django_filters
from django.utils.translation import gettext_lazy as _

from common.filters import IdFilter, StableOrderingFilter, search_any
from servicerequests.models import ServiceRequest
from servicerequests.selectors import overdue_q


class ServiceRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索标题、描述或企业名称"), max_length=100)
    status = django_filters.MultipleChoiceFilter(choices=ServiceRequest.Status.choices, label=_("状态（可多选）"))
    category = django_filters.CharFilter(field_name="category__code", label=_("类别代码"), max_length=32)
    enterprise = IdFilter(field_name="enterprise_id", label=_("企业"))
    assignee = IdFilter(field_name="assignee_id", label=_("承办人"))
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        label=_("已逾期（未办结且已过办理期限）"),
    )
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("办理期限不晚于"))
    ordering = StableOrderingFilter(
        fields=[
            ("created_at", "created_at"),
            ("due_on", "due_on"),
            ("updated_at", "updated_at"),
            ("status", "status"),
            ("rating", "rating"),
        ],
        label=_("排序"),
    )

    class Meta:
        model = ServiceRequest
        fields = []

    def search(self, queryset, name, value):
        return search_any(queryset, value, "title__icontains", "description__icontains", "enterprise__name__icontains")

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value == "true" else queryset.exclude(overdue_q())
