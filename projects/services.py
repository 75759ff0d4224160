"""Every write to projects and their stages, with its rules and its audit record.

The API, the web pages, the admin and the Excel importer call these functions, so a rule holds
whichever door a change comes through. History is kept by django-simple-history; each change
names its actor and, where there is one, its reason.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from accounts.selectors import units_in_scope
from common.exceptions import ItemsRefused, PermissionDeniedError, ServiceError
from common.services import by_actor as _record
from common.services import check_version, errors_one_by_one, field_errors, validate_model
from common.uploads import original_name, validate_upload
from workdays.calendar import Calendar

from . import planning
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
from .selectors import (
    can_edit_project,
    can_manage_planning,
    can_manage_project,
    can_upload_documents,
    is_administrator,
)

CLOSED = (ProjectStage.Status.DONE, ProjectStage.Status.SKIPPED)
STAGES_PER_INSERT = 2000  # rows of stages (and of their history) in one INSERT


class MissingFactsError(ServiceError):
    """A stage cannot finish while the project lacks facts it needs; `missing` names them."""

    def __init__(self, stage, missing: list[tuple[str, str]]):
        self.missing = missing
        super().__init__(
            _("阶段“%(stage)s”还缺少以下信息，不能完成：%(facts)s。")
            % {"stage": stage.stage_type.name, "facts": "、".join(label for _path, label in missing)},
            code="missing_facts",
        )


def today():
    return timezone.localdate()


# --- Projects ---------------------------------------------------------------------------------


def _next_code(year: int) -> str:
    prefix = f"JD-{year}-"
    # Longest first: past 9999 the codes grow a digit, and "JD-2026-10000" sorts before "-9999" as text.
    last = (
        Project.objects.filter(code__startswith=prefix)
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _check_project(project: Project):
    validate_model(project, exclude=["code", "current_stage"])


def create_project(*, actor: User, team=(), stage_types=None, **fields) -> Project:
    """Create a project with its whole stage plan and due dates.

    A project with a signing date starts past 洽谈 and 签约: both are finished on that date.
    """
    try:
        return create_projects(actor=actor, items=[{**fields, "team": team}], stage_types=stage_types)[0]
    except ProjectsRefused as refused:
        raise refused.errors[0] from None


class ProjectsRefused(ItemsRefused):
    """Some of the projects given to create_projects break a rule; nothing was written."""


@transaction.atomic
def create_projects(*, actor: User, items: list[dict], stage_types=None) -> list[Project]:
    """Create many projects at once, each as create_project does: its fields checked, its code, its
    whole stage plan with due dates, its current stage and the history of all of them. `items` are
    dicts of the projects' fields (and `team`). A few statements for the lot, whatever their number.

    Raises ProjectsRefused naming every item refused; then nothing is written.
    """
    projects, teams, plans = _checked_projects(actor, items, stage_types)
    _insert_projects(projects, [bool(item.get("code")) for item in items])
    now = timezone.now()
    Project.history.bulk_history_create(
        projects, default_user=actor, default_change_reason=_("创建项目"), default_date=now
    )
    for project, team in zip(projects, teams, strict=True):
        if team:
            project.team.set(team)
    stages = [stage for project in projects for stage in plans.stages_of(project)]
    ProjectStage.objects.bulk_create(stages, batch_size=STAGES_PER_INSERT)
    for stage in stages:
        if stage.status == ProjectStage.Status.DONE:
            _record(stage, actor, _("按签约日期完成"))
    ProjectStage.history.bulk_history_create(
        stages, default_user=actor, default_change_reason=None, default_date=now, batch_size=STAGES_PER_INSERT
    )
    return projects


def check_new_projects(*, actor: User, items: list[dict], stage_types=None) -> None:
    """Raise ProjectsRefused as create_projects would for `items`, without writing anything: the
    projects are inserted in a savepoint rolled back at once, for the database's own checks."""
    projects, _teams, _plans = _checked_projects(actor, items, stage_types)
    with transaction.atomic():
        _insert_projects(projects, [bool(item.get("code")) for item in items])
        transaction.set_rollback(True)


def _checked_projects(actor, items, stage_types):
    """The new projects of `items` with their current stage, their teams and their stage plans; raises
    ProjectsRefused for those breaking a rule checked before the insert."""
    if actor is not None and not can_edit_project(actor, None):
        raise PermissionDeniedError(_("您没有创建项目的权限。"))
    items = [dict(item) for item in items]
    teams = [item.pop("team", None) or () for item in items]
    projects = [Project(**item) for item in items]
    errors = field_errors(projects, exclude=("code", "current_stage"))
    if errors:
        raise ProjectsRefused(errors)
    plans = _StagePlans(list(stage_types or StageType.objects.order_by("order")))
    for project in projects:
        project.current_stage_id = plans.current_stage(project.signed_on)
    return projects, teams, plans


def _insert_projects(projects, explicit):
    """Insert `projects` with their codes; codes taken meanwhile are numbered again (four more tries)."""
    for attempt in range(5):
        _assign_codes(projects, explicit)
        try:
            with transaction.atomic():
                Project.objects.bulk_create(projects)
            return
        except IntegrityError:
            # A rule the database enforces (its check constraints), else codes taken meanwhile.
            errors = errors_one_by_one(projects, exclude=("code", "current_stage"))
            if errors:
                raise ProjectsRefused(errors) from None
            taken = set(Project.objects.filter(code__in=[p.code for p in projects]).values_list("code", flat=True))
            refused = [i for i, p in enumerate(projects) if p.code in taken and (explicit[i] or attempt == 4)]
            if refused:
                raise ProjectsRefused(
                    {
                        index: ServiceError(
                            {"code": [_("项目编号 %(code)s 已存在。") % {"code": projects[index].code}]}
                        )
                        for index in refused
                    }
                ) from None
            if attempt == 4:
                raise


def _assign_codes(projects, explicit):
    """Number the projects of each signing year (of this year when unsigned) after the last code."""
    following = {}
    for project, given in zip(projects, explicit, strict=True):
        if given:
            continue
        year = (project.signed_on or today()).year
        if year not in following:
            following[year] = int(_next_code(year).rsplit("-", 1)[1])
        project.code = f"JD-{year}-{following[year]:04d}"
        following[year] += 1


class _StagePlans:
    """The stage plan of a new project depends only on its signing date: computed once per date."""

    def __init__(self, stage_types):
        self.stage_types = stage_types
        self.calendar = None
        self._plans = {}

    def _plan(self, signed_on):
        if signed_on not in self._plans:
            stages = [ProjectStage(pk=index, stage_type=t) for index, t in enumerate(self.stage_types)]
            if signed_on:
                for stage in stages:
                    if stage.stage_type.code in ("negotiation", "signing"):
                        stage.status = ProjectStage.Status.DONE
                        stage.started_on = stage.finished_on = signed_on
            if self.calendar is None:
                year = (signed_on or today()).year
                self.calendar = Calendar(year, year + 2)
            planned = planning.plan(stages, None, self.calendar)
            for stage in stages:
                due = planned.get(stage.pk)
                if due is not None:
                    stage.due_on, stage.due_is_provisional = due.due_on, due.provisional
            current = next((s for s in stages if s.status not in CLOSED), None) or (stages[-1] if stages else None)
            self._plans[signed_on] = (stages, current.stage_type_id if current else None)
        return self._plans[signed_on]

    def current_stage(self, signed_on):
        return self._plan(signed_on)[1]

    def stages_of(self, project):
        for template in self._plan(project.signed_on)[0]:
            yield ProjectStage(
                project_id=project.pk,
                stage_type_id=template.stage_type_id,
                owner_id=project.officer_id,
                status=template.status,
                started_on=template.started_on,
                finished_on=template.finished_on,
                due_on=template.due_on,
                due_is_provisional=template.due_is_provisional,
            )


def update_project(*, actor: User, project: Project, expected_version: int | None = None, team=None, **fields):
    """Change a project's facts; refuse a change made on a stale copy."""
    if not can_edit_project(actor, project):
        raise PermissionDeniedError(_("您没有修改该项目的权限。"))
    protected = {"code", "current_stage", "leading_unit", "officer"} & set(fields)
    if protected and not can_manage_project(actor, project):
        raise PermissionDeniedError(_("牵头单位和招商专员只能由管理人员通过转办或改派调整。"))
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        check_version(
            locked, expected_version, _("项目已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试。")
        )
        changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
        if not changed and team is None:
            return locked
        for name, value in changed.items():
            setattr(locked, name, value)
        _check_project(locked)
        locked.version += 1
        _record(locked, actor).save()
        if team is not None:
            locked.team.set(team)
        _replan(locked, actor)
    return locked


# --- Stages -----------------------------------------------------------------------------------


def replan_project(*, actor: User, project: Project):
    """Re-plan after a change the stage plan depends on (a land contract's commitments)."""
    with transaction.atomic():
        _replan(Project.objects.select_related("land_commitment").get(pk=project.pk), actor)


def _replan(project: Project, actor, reason=""):
    """Recompute the due dates of the open stages and the project's current stage."""
    stages = list(ProjectStage.objects.filter(project=project).select_related("stage_type"))
    planned = planning.plan(stages, getattr(project, "land_commitment", None))
    for stage in stages:
        due = planned.get(stage.pk)
        if due is not None and (stage.due_on, stage.due_is_provisional) != (due.due_on, due.provisional):
            stage.due_on, stage.due_is_provisional = due.due_on, due.provisional
            _record(stage, actor, reason or _("重新计算计划日期")).save(
                update_fields=["due_on", "due_is_provisional", "updated_at"]
            )
    ordered = sorted(stages, key=lambda s: s.stage_type.order)
    current = next((s for s in ordered if s.status not in CLOSED), None) or (ordered[-1] if ordered else None)
    current_type_id = current.stage_type_id if current else None
    if project.current_stage_id != current_type_id:
        Project.objects.filter(pk=project.pk).update(current_stage_id=current_type_id)
        project.current_stage_id = current_type_id


def _resolve_fact(project: Project, path: str):
    value = project
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _fact_label(path: str) -> str:
    model, label = Project, path
    for part in path.split("."):
        field = model._meta.get_field(part)
        label = str(field.verbose_name)
        model = field.related_model or model
    return label


def missing_facts(stage: ProjectStage) -> list[tuple[str, str]]:
    """The facts the stage needs that the project lacks, as (field path, label) pairs."""
    missing = []
    for path in stage.stage_type.required_facts or []:
        if _resolve_fact(stage.project, path) in (None, ""):
            missing.append((path, _fact_label(path)))
    return missing


def _lock_stage(stage: ProjectStage) -> tuple[ProjectStage, list[ProjectStage]]:
    Project.objects.select_for_update().filter(pk=stage.project_id).first()
    stages = list(
        ProjectStage.objects.filter(project_id=stage.project_id)
        .select_related("stage_type", "project")
        .order_by("stage_type__order")
    )
    current = next(s for s in stages if s.pk == stage.pk)
    return current, stages


def _check_forward(stage: ProjectStage, stages: list[ProjectStage]):
    if stage.status in CLOSED:
        raise ServiceError(
            _("阶段“%(stage)s”已经%(status)s，不能再次操作；如需更正请由管理人员重新打开。")
            % {"stage": stage.stage_type.name, "status": stage.get_status_display()}
        )
    earlier_open = [s for s in stages if s.stage_type.order < stage.stage_type.order and s.status not in CLOSED]
    if earlier_open:
        raise ServiceError(
            _("请先完成或跳过之前的阶段：%(stages)s。") % {"stages": "、".join(s.stage_type.name for s in earlier_open)}
        )


def _previous_finish(stage: ProjectStage, stages: list[ProjectStage]) -> datetime.date | None:
    done = [s.finished_on for s in stages if s.stage_type.order < stage.stage_type.order and s.finished_on]
    return max(done) if done else None


def _start_next(stage: ProjectStage, stages: list[ProjectStage], on: datetime.date, actor):
    later = [s for s in stages if s.stage_type.order > stage.stage_type.order and s.status not in CLOSED]
    if later and later[0].status == ProjectStage.Status.PENDING:
        nxt = later[0]
        nxt.status, nxt.started_on = ProjectStage.Status.IN_PROGRESS, on
        _record(nxt, actor).save()


@transaction.atomic
def update_stage(*, actor: User, stage: ProjectStage, **fields) -> ProjectStage:
    """Change a stage's owner or notes; its status moves only through finish, skip and reopen."""
    if not can_edit_project(actor, stage.project):
        raise PermissionDeniedError(_("您没有推进该项目阶段的权限。"))
    unknown = set(fields) - {"owner", "notes"}
    if unknown:
        raise ServiceError(
            _("这些字段只能通过完成、跳过或重新打开修改：%(fields)s。") % {"fields": "、".join(sorted(unknown))}
        )
    for name, value in fields.items():
        setattr(stage, name, value)
    validate_model(stage)
    _record(stage, actor).save()
    return stage


@transaction.atomic
def finish_stage(*, actor: User, stage: ProjectStage, finished_on: datetime.date, notes: str = "") -> ProjectStage:
    if not can_edit_project(actor, stage.project):
        raise PermissionDeniedError(_("您没有推进该项目阶段的权限。"))
    stage, stages = _lock_stage(stage)
    _check_forward(stage, stages)
    if finished_on is None:
        raise ServiceError({"finished_on": [_("请填写实际完成日期。")]})
    if finished_on > today():
        raise ServiceError({"finished_on": [_("完成日期不能晚于今天。")]})
    previous = _previous_finish(stage, stages)
    if previous and finished_on < previous:
        raise ServiceError(
            {"finished_on": [_("完成日期不能早于上一阶段的完成日期 %(date)s。") % {"date": previous.isoformat()}]}
        )
    missing = missing_facts(stage)
    if missing:
        raise MissingFactsError(stage, missing)
    stage.status = ProjectStage.Status.DONE
    stage.started_on = stage.started_on or previous or finished_on
    stage.started_on = min(stage.started_on, finished_on)
    stage.finished_on = finished_on
    if notes:
        stage.notes = notes
    late = stage.due_on and finished_on > stage.due_on
    _record(stage, actor, _("完成阶段") + (_("（逾期）") if late else "")).save()
    _start_next(stage, stages, finished_on, actor)
    _replan(stage.project, actor, _("阶段“%(stage)s”完成后重新计划") % {"stage": stage.stage_type.name})
    return stage


@transaction.atomic
def skip_stage(*, actor: User, stage: ProjectStage, reason: str) -> ProjectStage:
    if not can_edit_project(actor, stage.project):
        raise PermissionDeniedError(_("您没有推进该项目阶段的权限。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("跳过阶段必须说明原因。")]})
    stage, stages = _lock_stage(stage)
    _check_forward(stage, stages)
    stage.status, stage.skip_reason = ProjectStage.Status.SKIPPED, reason[:200]
    stage.due_on = None
    _record(stage, actor, _("跳过阶段：%(reason)s") % {"reason": reason}).save()
    _start_next(stage, stages, today(), actor)
    _replan(stage.project, actor)
    return stage


@transaction.atomic
def reopen_stage(*, actor: User, stage: ProjectStage, reason: str) -> ProjectStage:
    if not can_manage_project(actor, stage.project):
        raise PermissionDeniedError(_("只有管理人员可以重新打开阶段。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": [_("重新打开阶段必须说明原因。")]})
    stage, _stages = _lock_stage(stage)
    if stage.status not in CLOSED:
        raise ServiceError(_("阶段“%(stage)s”尚未完成或跳过，无需重新打开。") % {"stage": stage.stage_type.name})
    stage.status = ProjectStage.Status.IN_PROGRESS
    stage.finished_on = None
    stage.skip_reason = ""
    stage.reopen_reason = reason[:200]
    _record(stage, actor, _("重新打开阶段：%(reason)s") % {"reason": reason}).save()
    _replan(stage.project, actor)
    return stage


# --- Reassignment and transfer ---------------------------------------------------------------


def _require_manager(actor, project=None):
    if not can_manage_project(actor, project):
        raise PermissionDeniedError(_("只有管理人员可以改派或转办项目。"))


@transaction.atomic
def reassign_project(*, actor: User, project: Project, officer: User, reason: str = "") -> Project:
    _require_manager(actor, project)
    if officer.role not in ("officer", "manager") or not officer.is_active:
        raise ServiceError({"officer": [_("只能改派给在职的招商专员或管理人员。")]})
    project = Project.objects.select_for_update().get(pk=project.pk)
    previous = project.officer
    project.officer = officer
    project.version += 1
    message = _("改派：%(old)s → %(new)s") % {"old": previous or "-", "new": officer}
    _record(project, actor, f"{message}（{reason}）" if reason else message).save()
    for stage in ProjectStage.objects.filter(project=project, owner=previous).exclude(status__in=CLOSED):
        stage.owner = officer
        _record(stage, actor, message).save()
    return project


def reassign_officer_projects(*, actor: User, from_officer: User, to_officer: User, reason: str = "") -> int:
    """Hand all of a leaving officer's open projects to another; returns how many moved."""
    _require_manager(actor)
    count = 0
    with transaction.atomic():
        for project in Project.objects.filter(officer=from_officer).exclude(
            status__in=[Project.Status.TERMINATED, Project.Status.COMPLETED]
        ):
            reassign_project(actor=actor, project=project, officer=to_officer, reason=reason)
            count += 1
    return count


@transaction.atomic
def transfer_project(*, actor: User, project: Project, unit: OrgUnit, reason: str = "") -> Project:
    _require_manager(actor, project)
    if not unit.is_promotion_body:
        raise ServiceError({"leading_unit": [_("“%(unit)s”不是招商主体，不能作为牵头单位。") % {"unit": unit}]})
    project = Project.objects.select_for_update().get(pk=project.pk)
    message = _("转办：%(old)s → %(new)s") % {"old": project.leading_unit, "new": unit}
    project.leading_unit = unit
    project.version += 1
    _record(project, actor, f"{message}（{reason}）" if reason else message).save()
    return project


# --- Planning data: signing events, annual targets, land use, assessments, documents -----------


def _require(allowed: bool, message: str):
    if not allowed:
        raise PermissionDeniedError(message)


def _apply(instance, fields: dict):
    for name, value in fields.items():
        setattr(instance, name, value)
    return instance


def create_signing_event(*, actor: User, **fields) -> SigningEvent:
    _require(can_manage_planning(actor), _("只有管理人员可以新建或修改签约活动。"))
    event = SigningEvent(**fields)
    validate_model(event)
    _record(event, actor, _("新建签约活动")).save()
    return event


def update_signing_event(*, actor: User, event: SigningEvent, **fields) -> SigningEvent:
    _require(can_manage_planning(actor), _("只有管理人员可以新建或修改签约活动。"))
    event = _apply(SigningEvent.objects.get(pk=event.pk), fields)
    validate_model(event)
    _record(event, actor).save()
    return event


def _check_target_unit(actor, unit):
    _require(can_manage_planning(actor), _("只有管理人员可以维护年度指标。"))
    if unit is not None and not units_in_scope(actor).filter(pk=unit.pk).exists():
        raise PermissionDeniedError(_("只能维护本单位及下级单位的年度指标。"))


def create_annual_target(*, actor: User, **fields) -> AnnualTarget:
    _check_target_unit(actor, fields.get("org_unit"))
    target = AnnualTarget(**fields)
    validate_model(target)
    _record(target, actor, _("制定年度指标")).save()
    return target


def update_annual_target(*, actor: User, target: AnnualTarget, **fields) -> AnnualTarget:
    _check_target_unit(actor, target.org_unit)
    _check_target_unit(actor, fields.get("org_unit"))
    target = _apply(AnnualTarget.objects.get(pk=target.pk), fields)
    validate_model(target)
    _record(target, actor).save()
    return target


LAND_CONTRACT_MODES = ("", Project.LandSupplyMode.TRANSFER, Project.LandSupplyMode.LEASE_THEN_TRANSFER)
EARLIEST_HANDOVER, LATEST_HANDOVER = datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)
MAX_COMMITTED_MONTHS = 600
COMMITTED_MONTHS_FIELDS = (
    "start_within_months",
    "complete_within_months",
    "production_within_months",
    "full_production_within_months",
)


def _check_commitment(commitment: LandCommitment):
    errors = {}
    handover = commitment.handed_over_on
    if handover is not None and not EARLIEST_HANDOVER <= handover <= LATEST_HANDOVER:
        errors["handed_over_on"] = [_("交地日期应在 1990 年至 2100 年之间。")]
    for field in COMMITTED_MONTHS_FIELDS:
        months = getattr(commitment, field)
        if months is not None and months > MAX_COMMITTED_MONTHS:
            errors[field] = [_("约定期限不能超过 %(max)d 个月。") % {"max": MAX_COMMITTED_MONTHS}]
    if errors:
        raise ServiceError(errors)
    validate_model(commitment, exclude=["project"])


def create_land_commitment(*, actor: User, project: Project, **fields) -> LandCommitment:
    """Record a land contract's commitments; the project's enterprise steps are re-planned from them."""
    _require(can_edit_project(actor, project), _("您没有维护该项目用地承诺的权限。"))
    if project.land_supply_mode not in LAND_CONTRACT_MODES:
        raise ServiceError({"project": [_("只有出让或先租后让用地的项目才有土地出让合同的承诺。")]})
    commitment = LandCommitment(project=project, **fields)
    _check_commitment(commitment)
    exists = _("该项目已有用地承诺，请修改原记录。")
    if LandCommitment.objects.filter(project=project).exists():
        raise ServiceError({"project": [exists]})
    with transaction.atomic():
        try:
            with transaction.atomic():
                _record(commitment, actor, _("登记用地承诺")).save()
        except IntegrityError:
            raise ServiceError({"project": [exists]}) from None
        replan_project(actor=actor, project=project)
    return commitment


@transaction.atomic
def update_land_commitment(*, actor: User, commitment: LandCommitment, **fields) -> LandCommitment:
    _require(can_edit_project(actor, commitment.project), _("您没有维护该项目用地承诺的权限。"))
    fields.pop("project", None)
    commitment = _apply(LandCommitment.objects.select_related("project").get(pk=commitment.pk), fields)
    _check_commitment(commitment)
    _record(commitment, actor, _("修改用地承诺")).save()
    replan_project(actor=actor, project=commitment.project)
    return commitment


def _check_actual(actual: LandYearlyActual):
    if actual.year is not None and actual.year > today().year:
        raise ServiceError({"year": [_("不能登记未来年度的实绩。")]})
    duplicate = LandYearlyActual.objects.filter(commitment_id=actual.commitment_id, year=actual.year)
    if duplicate.exclude(pk=actual.pk).exists():
        raise ServiceError({"year": [_("%(year)s 年度的实绩已经登记，请修改该年度的记录。") % {"year": actual.year}]})
    validate_model(actual, exclude=["commitment"])


def add_land_actual(*, actor: User, commitment: LandCommitment, **fields) -> LandYearlyActual:
    _require(can_edit_project(actor, commitment.project), _("您没有维护该项目用地承诺的权限。"))
    actual = LandYearlyActual(commitment=commitment, **fields)
    _check_actual(actual)
    try:
        with transaction.atomic():
            _record(actual, actor, _("登记年度实绩")).save()
    except IntegrityError:
        raise ServiceError(
            {"year": [_("%(year)s 年度的实绩已经登记，请修改该年度的记录。") % {"year": actual.year}]}
        ) from None
    return actual


def update_land_actual(*, actor: User, actual: LandYearlyActual, **fields) -> LandYearlyActual:
    _require(can_edit_project(actor, actual.commitment.project), _("您没有维护该项目用地承诺的权限。"))
    fields.pop("commitment", None)
    actual = _apply(LandYearlyActual.objects.select_related("commitment__project").get(pk=actual.pk), fields)
    _check_actual(actual)
    try:
        with transaction.atomic():
            _record(actual, actor).save()
    except IntegrityError:
        raise ServiceError(
            {"year": [_("%(year)s 年度的实绩已经登记，请修改该年度的记录。") % {"year": actual.year}]}
        ) from None
    return actual


def _check_dimension(dimension: AssessmentDimension):
    errors = {}
    if dimension.max_score is not None and dimension.max_score < 1:
        errors["max_score"] = [_("满分至少为 1。")]
    if dimension.weight is not None and dimension.weight <= 0:
        errors["weight"] = [_("权重必须大于 0；不再使用的维度请停用。")]
    if dimension.pk and dimension.max_score:
        highest = AssessmentScore.objects.filter(dimension=dimension).aggregate(top=Max("score"))["top"]
        if highest is not None and highest > dimension.max_score:
            errors["max_score"] = [_("已有评估在该维度得分 %(score)s，满分不能低于它。") % {"score": highest}]
    if errors:
        raise ServiceError(errors)
    validate_model(dimension)


def create_assessment_dimension(*, actor: User, **fields) -> AssessmentDimension:
    _require(is_administrator(actor), _("只有系统管理员可以维护评估维度。"))
    dimension = AssessmentDimension(**fields)
    _check_dimension(dimension)
    _record(dimension, actor).save()
    return dimension


def update_assessment_dimension(*, actor: User, dimension: AssessmentDimension, **fields) -> AssessmentDimension:
    _require(is_administrator(actor), _("只有系统管理员可以维护评估维度。"))
    dimension = _apply(AssessmentDimension.objects.get(pk=dimension.pk), fields)
    _check_dimension(dimension)
    _record(dimension, actor).save()
    return dimension


def _check_scores(scores: list[dict]):
    """Each score names an active dimension once and stays within the dimension's full marks."""
    if not scores:
        raise ServiceError({"scores": [_("请至少填写一个维度的得分。")]})
    problems, seen = [], set()
    for item in scores:
        dimension, score = item["dimension"], item["score"]
        if dimension.pk in seen:
            problems.append(_("维度“%(name)s”重复填写。") % {"name": dimension.name})
        seen.add(dimension.pk)
        if not dimension.is_active:
            problems.append(_("维度“%(name)s”已停用。") % {"name": dimension.name})
        if score < 0 or score > dimension.max_score:
            problems.append(
                _("维度“%(name)s”的得分 %(score)s 超出范围（0 至 %(max)d 分）。")
                % {"name": dimension.name, "score": score, "max": dimension.max_score}
            )
    if problems:
        raise ServiceError({"scores": problems})


def _check_assessment(assessment: Assessment):
    if assessment.assessed_on and assessment.assessed_on > today():
        raise ServiceError({"assessed_on": [_("评估日期不能晚于今天。")]})
    validate_model(assessment, exclude=["project", "assessor"])


def _save_scores(assessment, scores, actor):
    for item in scores:
        score = AssessmentScore(assessment=assessment, **item)
        validate_model(score, exclude=["assessment", "dimension"])
        _record(score, actor).save()


@transaction.atomic
def create_assessment(*, actor: User, project: Project, scores: list[dict], **fields) -> Assessment:
    """Score a project at admission; the weighted total is computed when read, never stored."""
    _require(can_edit_project(actor, project), _("您没有评估该项目的权限。"))
    fields.setdefault("assessed_on", today())
    assessment = Assessment(project=project, assessor=actor, **fields)
    _check_assessment(assessment)
    _check_scores(scores)
    _record(assessment, actor, _("项目评估")).save()
    _save_scores(assessment, scores, actor)
    return assessment


@transaction.atomic
def update_assessment(*, actor: User, assessment: Assessment, scores: list[dict] | None = None, **fields):
    """Change an assessment; scores, when given, replace the previous ones."""
    _require(can_edit_project(actor, assessment.project), _("您没有评估该项目的权限。"))
    fields.pop("project", None)
    assessment = _apply(Assessment.objects.select_related("project").get(pk=assessment.pk), fields)
    _check_assessment(assessment)
    if scores is not None:
        _check_scores(scores)
    _record(assessment, actor).save()
    if scores is not None:
        for old in AssessmentScore.objects.filter(assessment=assessment):
            _record(old, actor, _("重新评分")).delete()
        _save_scores(assessment, scores, actor)
    return assessment


DOCUMENT_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "txt": "text/plain",
}


def add_project_document(*, actor: User, project: Project, upload, kind=None, title: str = "") -> ProjectDocument:
    """Store a permit, contract or other file of a project under a name that says nothing about it."""
    _require(can_upload_documents(actor, project), _("您没有为该项目上传文件的权限。"))
    try:
        extension = validate_upload(upload)
    except ValidationError as error:
        raise ServiceError({"file": error.messages}) from error
    name = original_name(upload.name)
    document = ProjectDocument(
        project=project,
        kind=kind or ProjectDocument.Kind.OTHER,
        title=(title or "").strip()[:200] or name,
        original_name=name,
        size=upload.size,
        content_type=DOCUMENT_CONTENT_TYPES.get(extension, "application/octet-stream"),
        uploaded_by=actor,
    )
    validate_model(document, exclude=["file"])
    document.file.save(f"upload.{extension}", upload, save=False)
    try:
        with transaction.atomic():
            _record(document, actor, _("上传文件：%(name)s") % {"name": name}).save()
    except BaseException:
        document.file.delete(save=False)
        raise
    return document
