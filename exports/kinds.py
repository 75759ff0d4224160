"""What each kind of export holds: the list it copies (its rows and filters) and the sheet's columns.

The rows are those of the list endpoint, through the owning app's selector and its FilterSet, so that
an export holds exactly what the list showed its requester, in the same order.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from companies.api.filters import EnterpriseFilter
from companies.selectors import enterprise_list
from projects.api.filters import ProjectFilter
from projects.models import ProjectStage, StageType
from projects.selectors import project_list
from servicerequests.api.filters import ServiceRequestFilter
from servicerequests.selectors import overdue_q, request_list

from .models import ExportKind
from .workbook import DATE, DATETIME, INTEGER, MONEY, YES_NO, Column


@dataclass(frozen=True)
class Kind:
    title: str
    filterset_class: type
    rows: Callable[[object], QuerySet]  # user → the list's queryset, before its filters
    columns: Callable[[], list[Column]]
    freeze: str = "A2"
    note: Callable[[], str] | None = None
    for_enterprise_users: bool = False


def _text(value):
    return None if value is None else str(value)


# --- Projects ---------------------------------------------------------------------------------


def project_columns() -> list[Column]:
    return [
        Column(_("项目编号"), lambda p: p.code, width=14),
        Column(_("项目名称"), lambda p: p.name, width=36),
        Column(_("投资方"), lambda p: p.enterprise.name, width=36),
        Column(_("统一社会信用代码"), lambda p: p.enterprise.uscc, width=22),
        Column(_("落地街镇"), lambda p: _text(p.town), width=14),
        Column(_("牵头单位"), lambda p: p.leading_unit.name, width=16),
        Column(_("产业链"), lambda p: _text(p.industry_chain), width=16),
        Column(_("签约活动"), lambda p: p.signing_event and p.signing_event.name, width=28),
        Column(_("签约日期"), lambda p: p.signed_on, DATE),
        Column(_("总投资（万元）"), lambda p: p.total_investment, MONEY, total="sum"),
        Column(_("外资（万美元）"), lambda p: p.foreign_capital, MONEY, total="sum"),
        Column(_("用地面积（亩）"), lambda p: p.land_area, MONEY, total="sum"),
        Column(_("当前阶段"), lambda p: _text(p.current_stage), width=14),
        Column(_("项目状态"), lambda p: p.get_status_display(), width=10),
        Column(_("招商专员"), lambda p: _text(p.officer), width=12),
        Column(_("是否逾期"), lambda p: p.is_overdue, YES_NO, total="count"),
        Column(_("备注"), lambda p: p.notes, width=40),
    ]


# --- Enterprises ------------------------------------------------------------------------------


def enterprise_columns() -> list[Column]:
    return [
        Column(_("企业名称"), lambda e: e.name, width=36),
        Column(_("统一社会信用代码"), lambda e: e.uscc, width=22),
        Column(_("登记注册类型"), lambda e: e.get_registration_type_display(), width=14),
        Column(_("投资来源国家或地区"), lambda e: e.origin, width=12),
        Column(_("国民经济行业代码"), lambda e: e.industry_code, width=10),
        Column(_("重点产业链"), lambda e: _text(e.industry_chain), width=16),
        Column(_("企业资质"), lambda e: "、".join(q.name for q in e.qualifications.all()), width=24),
        Column(_("所在街镇"), lambda e: _text(e.town), width=14),
        Column(_("地址"), lambda e: e.address, width=36),
        Column(_("服务专员"), lambda e: _text(e.service_officer), width=12),
        Column(_("迁移预警"), lambda e: e.relocation_risk, YES_NO, total="count"),
        Column(_("迁移预警说明"), lambda e: e.relocation_note, width=24),
        Column(_("项目数"), lambda e: e.project_count, INTEGER, total="sum"),
        Column(_("未办结诉求数"), lambda e: e.open_request_count, INTEGER, total="sum"),
        Column(_("备注"), lambda e: e.notes, width=40),
    ]


# --- Service requests -------------------------------------------------------------------------


def request_rows(user):
    return request_list(user).annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))


def request_columns() -> list[Column]:
    return [
        Column(_("诉求编号"), lambda r: r.pk, INTEGER),
        Column(_("企业"), lambda r: r.enterprise.name, width=36),
        Column(_("类别"), lambda r: r.category.name, width=10),
        Column(_("标题"), lambda r: r.title, width=36),
        Column(_("状态"), lambda r: r.get_status_display(), width=10),
        Column(_("承办人"), lambda r: _text(r.assignee), width=12),
        Column(_("相关项目"), lambda r: r.project and r.project.name, width=28),
        Column(_("提交时间"), lambda r: r.created_at, DATETIME),
        Column(_("办理期限"), lambda r: r.due_on, DATE),
        Column(_("是否逾期"), lambda r: r.is_overdue, YES_NO, total="count"),
        Column(_("评价"), lambda r: r.get_rating_display() if r.rating else None, width=10),
        Column(_("评价意见"), lambda r: r.rating_comment, width=30),
    ]


# --- Stages: 项目推进表 ----------------------------------------------------------------------


def stage_rows(user):
    return project_list(user).prefetch_related("stages")


def _stage(project, stage_type_id):
    # Each project's stages by type, built once per project from the prefetched rows.
    stages = getattr(project, "_stages_by_type", None)
    if stages is None:
        stages = project._stages_by_type = {s.stage_type_id: s for s in project.stages.all()}
    return stages.get(stage_type_id)


def _planned(stage_type_id):
    def value(project):
        stage = _stage(project, stage_type_id)
        return stage and stage.due_on

    return value


def _actual(stage_type_id):
    def value(project):
        stage = _stage(project, stage_type_id)
        if stage is None:
            return None
        if stage.status == ProjectStage.Status.SKIPPED:
            return _("已跳过")
        return stage.finished_on

    return value


def _overdue(stage_type_id, today):
    def marked(project):
        stage = _stage(project, stage_type_id)
        return bool(stage and stage.is_open and stage.due_on and stage.due_on < today)

    return marked


def stage_columns() -> list[Column]:
    today = timezone.localdate()
    columns = [
        Column(_("项目编号"), lambda p: p.code, width=14),
        Column(_("项目名称"), lambda p: p.name, width=30),
        Column(_("投资方"), lambda p: p.enterprise.name, width=30),
        Column(_("落地街镇"), lambda p: _text(p.town), width=12),
        Column(_("总投资（万元）"), lambda p: p.total_investment, MONEY, total="sum"),
        Column(_("当前阶段"), lambda p: _text(p.current_stage), width=12),
        Column(_("项目状态"), lambda p: p.get_status_display(), width=10),
    ]
    for stage_type in StageType.objects.order_by("order"):
        columns += [
            Column(
                _("%(stage)s（计划）") % {"stage": stage_type.name},
                _planned(stage_type.pk),
                DATE,
                width=13,
                marked=_overdue(stage_type.pk, today),
            ),
            Column(
                _("%(stage)s（实际）") % {"stage": stage_type.name},
                _actual(stage_type.pk),
                DATE,
                width=13,
                total="count",
            ),
        ]
    return columns


def stage_note() -> str:
    return _("注：红色底纹的计划日期已逾期（该阶段未完成且已过计划日期）。合计行中，“实际”列为已完成该阶段的项目数。")


KINDS = {
    ExportKind.PROJECTS: Kind(
        title=gettext_lazy("招商项目"),
        filterset_class=ProjectFilter,
        rows=project_list,
        columns=project_columns,
        freeze="C2",
        for_enterprise_users=True,
    ),
    ExportKind.ENTERPRISES: Kind(
        title=gettext_lazy("企业"),
        filterset_class=EnterpriseFilter,
        rows=lambda user: enterprise_list(user).prefetch_related("qualifications"),
        columns=enterprise_columns,
        freeze="B2",
    ),
    ExportKind.SERVICE_REQUESTS: Kind(
        title=gettext_lazy("企业诉求"),
        filterset_class=ServiceRequestFilter,
        rows=request_rows,
        columns=request_columns,
        for_enterprise_users=True,
    ),
    ExportKind.STAGES: Kind(
        title=gettext_lazy("项目推进表"),
        filterset_class=ProjectFilter,
        rows=stage_rows,
        columns=stage_columns,
        freeze="C2",
        note=stage_note,
    ),
}
