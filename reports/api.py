"""GET /api/v1/reports/pipeline/: the pipeline report over the project list's own filters."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from common.exceptions import PermissionDeniedError
from projects.api.filters import ProjectFilter
from projects.api.planning_filters import IdFilter, YearFilter
from projects.selectors import visible_projects, with_overdue

from .selectors import GROUPINGS, can_view_reports, pipeline_report

MONEY = {"max_digits": 16, "decimal_places": 2}
RATE = {"max_digits": 12, "decimal_places": 4, "allow_null": True}


class PipelineFilter(ProjectFilter):
    """The project list's filters; sorting means nothing to a report. Ids and years are bounded, so
    that a number too large for the database is a 400."""

    ordering = None
    signed_year = YearFilter(field_name="signed_on__year", label=gettext_lazy("签约年份"))
    signing_event = IdFilter(field_name="signing_event_id", label=gettext_lazy("签约活动"))
    officer = IdFilter(field_name="officer_id", label=gettext_lazy("招商专员"))
    enterprise = IdFilter(field_name="enterprise_id", label=gettext_lazy("投资方"))


class PipelineStageCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    project_count = serializers.IntegerField(help_text=gettext_lazy("当前处于该阶段的项目数"))
    total_investment = serializers.DecimalField(**MONEY, help_text=gettext_lazy("这些项目的总投资（万元）"))


class PipelineGroupSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("分组键：产业链代码、单位或签约活动的编号、签约年份；不分组时为 total；未填写的为空"),
    )
    label = serializers.CharField()
    project_count = serializers.IntegerField()
    terminated_count = serializers.IntegerField(help_text=gettext_lazy("已终止的项目数（仍计入各比率的分母）"))
    total_investment = serializers.DecimalField(**MONEY, help_text=gettext_lazy("总投资（万元）"))
    funds_in_place = serializers.DecimalField(**MONEY, help_text=gettext_lazy("到位资金（万元）"))
    landed_count = serializers.IntegerField(help_text=gettext_lazy("已过注册落地阶段的项目数"))
    construction_started_count = serializers.IntegerField(help_text=gettext_lazy("已过施工许可/开工阶段的项目数"))
    in_production_count = serializers.IntegerField(help_text=gettext_lazy("已过投产阶段的项目数"))
    overdue_count = serializers.IntegerField(help_text=gettext_lazy("有未完成阶段已过计划完成日期的项目数"))
    landing_rate = serializers.DecimalField(**RATE, help_text=gettext_lazy("落地率"))
    construction_rate = serializers.DecimalField(**RATE, help_text=gettext_lazy("开工率"))
    production_rate = serializers.DecimalField(**RATE, help_text=gettext_lazy("投产率"))
    funds_in_place_rate = serializers.DecimalField(**RATE, help_text=gettext_lazy("资金到位率"))
    stages = PipelineStageCountSerializer(many=True, help_text=gettext_lazy("按当前阶段的项目数和投资额"))


class PipelineStageDurationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    party = serializers.CharField(help_text=gettext_lazy("government 政府；enterprise 企业"))
    target_workdays = serializers.IntegerField(allow_null=True)
    finished_count = serializers.IntegerField(help_text=gettext_lazy("计入平均的已完成阶段数"))
    average_workdays = serializers.DecimalField(
        max_digits=8,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("从实际开始到实际完成的平均工作日数（首尾两天都计入）"),
    )
    exceeds_target = serializers.BooleanField(allow_null=True)


class PipelineDurationsSerializer(serializers.Serializer):
    stages = PipelineStageDurationSerializer(many=True)
    government_average_workdays = serializers.DecimalField(
        max_digits=8,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("政府审批环节（按工作日计期限的阶段）平均工作日之和"),
    )
    government_target_workdays = serializers.IntegerField(
        help_text=gettext_lazy("政府审批环节的目标工作日之和（改革后为 226）")
    )
    provisional = serializers.BooleanField(help_text=gettext_lazy("涉及尚未公布节假日安排的年份"))


class PipelineReportSerializer(serializers.Serializer):
    group_by = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(help_text=gettext_lazy("统计日期（判断逾期的基准）"))
    groups = PipelineGroupSerializer(many=True)
    total = PipelineGroupSerializer(help_text=gettext_lazy("整个选择范围的合计"))
    durations = PipelineDurationsSerializer(help_text=gettext_lazy("整个选择范围内各阶段的平均用时"))


class PipelineReportView(GenericAPIView):
    """The pipeline of the projects the caller sees, filtered like the project list."""

    serializer_class = PipelineReportSerializer
    filterset_class = PipelineFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def get_queryset(self):
        return with_overdue(visible_projects(self.request.user))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group_by",
                str,
                enum=list(GROUPINGS),
                description=gettext_lazy(
                    "分组：industry_chain 产业链，town 落地街镇，leading_unit 牵头单位，signing_event 签约活动，"
                    "signing_year 签约年份；不填则不分组"
                ),
            )
        ],
        filters=True,
        responses=PipelineReportSerializer,
    )
    def get(self, request):
        if not can_view_reports(request.user):
            raise PermissionDeniedError(_("统计报表仅供政府工作人员使用。"))
        group_by = request.query_params.get("group_by") or None
        if group_by is not None and group_by not in GROUPINGS:
            raise exceptions.ValidationError(
                {
                    "group_by": [
                        _("不支持的分组“%(value)s”，可选：%(allowed)s。")
                        % {"value": group_by[:50], "allowed": "、".join(GROUPINGS)}
                    ]
                }
            )
        projects = self.filter_queryset(self.get_queryset())
        return Response(PipelineReportSerializer(pipeline_report(projects, group_by)).data)
