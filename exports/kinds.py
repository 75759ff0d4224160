"""What each kind of export holds: the list it copies (its rows and filters) and the sheet's columns.

The rows are those of the list endpoint, through the owning app's selector and its FilterSet, so that
an export holds exactly what the list showed its requester, in the same order. They are read as values
(no model instances), and labels and choices are translated once per export, not once per row.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from companies.api.filters import EnterpriseFilter
from companies.models import Enterprise, RegistrationType
from companies.selectors import enterprise_list
from projects.api.filters import ProjectFilter
from projects.models import Project, ProjectStage, StageType
from projects.selectors import project_list
from servicerequests.api.filters import ServiceRequestFilter
from servicerequests.models import ServiceRequest
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
    # Adds to a chunk of rows what a row's values cannot hold (its qualifications, its stages), in one query.
    attach: Callable[[list[dict]], None] | None = None


def person(header: str, relation: str, width: int) -> Column:
    """The person `relation` names, as everywhere (User.__str__), made once per person and export."""
    fields = ("display_name", "first_name", "last_name", "username")
    key = f"{relation}_id"
    names = {}

    def value(row):
        pk = row[key]
        if pk is None:
            return None
        if pk not in names:
            names[pk] = str(User(**{name: row[f"{relation}__{name}"] for name in fields}))
        return names[pk]

    return Column(header, value, width=width, reads=(key, *(f"{relation}__{name}" for name in fields)))


def choice(header: str, field: str, choices, width: int) -> Column:
    """A choice shown by its label, translated once per export; an unknown value as it is stored."""
    labels = {value: str(label) for value, label in choices}
    return Column(header, lambda row: labels.get(row[field], row[field]), width=width, reads=(field,))


# --- Projects ---------------------------------------------------------------------------------


def project_columns() -> list[Column]:
    return [
        Column(_("项目编号"), "code", width=14),
        Column(_("项目名称"), "name", width=36),
        Column(_("投资方"), "enterprise__name", width=36),
        Column(_("统一社会信用代码"), "enterprise__uscc", width=22),
        Column(_("落地街镇"), "town__name", width=14),
        Column(_("牵头单位"), "leading_unit__name", width=16),
        Column(_("产业链"), "industry_chain__name", width=16),
        Column(_("签约活动"), "signing_event__name", width=28),
        Column(_("签约日期"), "signed_on", DATE),
        Column(_("总投资（万元）"), "total_investment", MONEY, total="sum"),
        Column(_("外资（万美元）"), "foreign_capital", MONEY, total="sum"),
        Column(_("用地面积（亩）"), "land_area", MONEY, total="sum"),
        Column(_("当前阶段"), "current_stage__name", width=14),
        choice(_("项目状态"), "status", Project.Status.choices, width=10),
        person(_("招商专员"), "officer", width=12),
        Column(_("是否逾期"), "is_overdue", YES_NO, total="count"),
        Column(_("备注"), "notes", width=40),
    ]


# --- Enterprises ------------------------------------------------------------------------------


def attach_qualifications(rows: list[dict]):
    names = defaultdict(list)
    held = (
        Enterprise.qualifications.through.objects.filter(enterprise_id__in=[row["id"] for row in rows])
        .order_by("qualification__order", "qualification__id")
        .values_list("enterprise_id", "qualification__name")
    )
    for enterprise_id, name in held:
        names[enterprise_id].append(name)
    for row in rows:
        row["qualifications"] = "、".join(names.get(row["id"], ()))


def enterprise_columns() -> list[Column]:
    return [
        Column(_("企业名称"), "name", width=36),
        Column(_("统一社会信用代码"), "uscc", width=22),
        choice(_("登记注册类型"), "registration_type", RegistrationType.choices, width=14),
        Column(_("投资来源国家或地区"), "origin", width=12),
        Column(_("国民经济行业代码"), "industry_code", width=10),
        Column(_("重点产业链"), "industry_chain__name", width=16),
        Column(_("企业资质"), itemgetter("qualifications"), width=24),  # attached
        Column(_("所在街镇"), "town__name", width=14),
        Column(_("地址"), "address", width=36),
        person(_("服务专员"), "service_officer", width=12),
        Column(_("迁移预警"), "relocation_risk", YES_NO, total="count"),
        Column(_("迁移预警说明"), "relocation_note", width=24),
        Column(_("项目数"), "project_count", INTEGER, total="sum"),
        Column(_("未办结诉求数"), "open_request_count", INTEGER, total="sum"),
        Column(_("备注"), "notes", width=40),
    ]


# --- Service requests -------------------------------------------------------------------------


def request_rows(user):
    return request_list(user).annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))


def request_columns() -> list[Column]:
    ratings = {value: str(label) for value, label in ServiceRequest.Rating.choices}
    return [
        Column(_("诉求编号"), "id", INTEGER),
        Column(_("企业"), "enterprise__name", width=36),
        Column(_("类别"), "category__name", width=10),
        Column(_("标题"), "title", width=36),
        choice(_("状态"), "status", ServiceRequest.Status.choices, width=10),
        person(_("承办人"), "assignee", width=12),
        Column(_("相关项目"), "project__name", width=28),
        Column(_("提交时间"), "created_at", DATETIME),
        Column(_("办理期限"), "due_on", DATE),
        Column(_("是否逾期"), "is_overdue", YES_NO, total="count"),
        Column(_("评价"), lambda r: ratings.get(r["rating"]) if r["rating"] else None, width=10, reads=("rating",)),
        Column(_("评价意见"), "rating_comment", width=30),
    ]


# --- Stages: 项目推进表 ----------------------------------------------------------------------


def attach_stages(rows: list[dict]):
    """Each project's stages by type: (status, planned date, actual date)."""
    stages = defaultdict(dict)
    of_chunk = (
        ProjectStage.objects.filter(project_id__in=[row["id"] for row in rows])
        .order_by()
        .values_list("project_id", "stage_type_id", "status", "due_on", "finished_on")
    )
    for project_id, stage_type_id, status, due_on, finished_on in of_chunk:
        stages[project_id][stage_type_id] = (status, due_on, finished_on)
    for row in rows:
        row["stages"] = stages.get(row["id"], {})


def _planned(stage_type_id):
    def value(row):
        stage = row["stages"].get(stage_type_id)
        return stage and stage[1]

    return value


def _actual(stage_type_id, skipped: str):
    def value(row):
        stage = row["stages"].get(stage_type_id)
        if stage is None:
            return None
        status, _due_on, finished_on = stage
        return skipped if status == ProjectStage.Status.SKIPPED else finished_on

    return value


def _overdue(stage_type_id, today):
    open_statuses = (ProjectStage.Status.PENDING, ProjectStage.Status.IN_PROGRESS)

    def marked(row):
        stage = row["stages"].get(stage_type_id)
        return bool(stage and stage[0] in open_statuses and stage[1] and stage[1] < today)

    return marked


def stage_columns() -> list[Column]:
    today = timezone.localdate()
    skipped = _("已跳过")
    columns = [
        Column(_("项目编号"), "code", width=14),
        Column(_("项目名称"), "name", width=30),
        Column(_("投资方"), "enterprise__name", width=30),
        Column(_("落地街镇"), "town__name", width=12),
        Column(_("总投资（万元）"), "total_investment", MONEY, total="sum"),
        Column(_("当前阶段"), "current_stage__name", width=12),
        choice(_("项目状态"), "status", Project.Status.choices, width=10),
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
                _actual(stage_type.pk, skipped),
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
        rows=enterprise_list,
        columns=enterprise_columns,
        freeze="B2",
        attach=attach_qualifications,
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
        rows=project_list,
        columns=stage_columns,
        freeze="C2",
        note=stage_note,
        attach=attach_stages,
    ),
}
