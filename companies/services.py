"""Every write to enterprises, contacts and visits."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from common.exceptions import ItemsRefused, PermissionDeniedError, ServiceError
from common.services import by_actor as _record
from common.services import check_version, errors_one_by_one, field_errors, validate_model
from common.validators import normalize_uscc
from projects.selectors import visible_projects

from .duplicates import find_possible_duplicates, find_possible_duplicates_among
from .models import Contact, Enterprise, Visit
from .selectors import visible_duplicates


class PossibleDuplicateError(ServiceError):
    """The new enterprise looks like one already recorded.

    `duplicates` lists them all; `visible` only those the actor may see, and the message names
    only those, so that nothing outside the actor's scope is revealed.
    """

    def __init__(self, duplicates, visible=None):
        self.duplicates = list(duplicates)
        self.visible = self.duplicates if visible is None else list(visible)
        self.hidden_count = len(self.duplicates) - len(self.visible)
        parts = [f"{d.enterprise.name}（{d.reason}）" for d in self.visible]
        if self.hidden_count:
            parts.append(_("另有%(count)d家您无权查看的企业") % {"count": self.hidden_count})
        super().__init__(
            _("可能与已有企业重复：%(names)s。如确认不是同一企业，请勾选“确认不是重复企业”后再保存。")
            % {"names": "、".join(parts)},
            code="possible_duplicate",
        )


def _require_staff(actor, message=None):
    if actor is not None and actor.role == Role.ENTERPRISE:
        raise PermissionDeniedError(message or _("企业用户不能维护企业档案。"))


def _normalize(fields):
    if "uscc" in fields:
        fields["uscc"] = normalize_uscc(fields["uscc"]) or None
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    return fields


def _uscc_taken():
    return ServiceError({"uscc": [_("该统一社会信用代码已被其他企业使用。")]})


def possible_duplicates(*, actor, name, uscc=None, exclude_pk=None):
    """The enterprises a new one named `name` (with `uscc`) may duplicate, as an error or None."""
    duplicates = find_possible_duplicates(name, normalize_uscc(uscc or "") or None, exclude_pk=exclude_pk)
    if not duplicates:
        return None
    return PossibleDuplicateError(duplicates, visible_duplicates(actor, duplicates))


def possible_duplicates_among(*, actor, enterprises) -> list:
    """For each of `enterprises` (stored), the enterprises recorded before it that it may duplicate, as
    an error or None: what possible_duplicates says of one, for many in one pass."""
    found = find_possible_duplicates_among(enterprises)
    everyone = [d for duplicates in found for d in duplicates]
    seen = {d.enterprise.pk for d in visible_duplicates(actor, everyone)} if everyone else set()
    return [
        PossibleDuplicateError(duplicates, [d for d in duplicates if d.enterprise.pk in seen]) if duplicates else None
        for duplicates in found
    ]


class EnterprisesRefused(ItemsRefused):
    """Some of the enterprises given to create_enterprises break a rule; nothing was written."""


@transaction.atomic
def create_enterprises(*, actor, items: list[dict], allow_duplicate=False) -> list[Enterprise]:
    """Create many enterprises at once, each as create_enterprise does (`items` are dicts of its
    arguments), in a few statements. Raises EnterprisesRefused naming every item refused."""
    _require_staff(actor)
    items = [_normalize(dict(item)) for item in items]
    qualifications = [item.pop("qualifications", None) or () for item in items]
    enterprises = [Enterprise(**item) for item in items]
    errors = field_errors(enterprises)
    if not errors and not allow_duplicate:
        for position, enterprise in enumerate(enterprises):
            error = possible_duplicates(actor=actor, name=enterprise.name, uscc=enterprise.uscc)
            if error:
                errors[position] = error
    if errors:
        raise EnterprisesRefused(errors)
    try:
        with transaction.atomic():
            Enterprise.objects.bulk_create(enterprises)
    except IntegrityError:
        errors = errors_one_by_one(enterprises)
        # Else another request stored the same USCC between the check and the insert.
        raise EnterprisesRefused(errors or {p: _uscc_taken() for p, e in enumerate(enterprises) if e.uscc}) from None
    Enterprise.history.bulk_history_create(enterprises, default_user=actor, default_change_reason=_("创建企业"))
    for enterprise, chosen in zip(enterprises, qualifications, strict=True):
        if chosen:
            enterprise.qualifications.set(chosen)
    return enterprises


@transaction.atomic
def create_enterprise(*, actor, qualifications=(), allow_duplicate=False, **fields) -> Enterprise:
    """Create an enterprise; one close to an existing one is refused unless `allow_duplicate`."""
    _require_staff(actor)
    fields = _normalize(fields)
    enterprise = Enterprise(**fields)
    validate_model(enterprise)
    if not allow_duplicate:
        error = possible_duplicates(actor=actor, name=enterprise.name, uscc=enterprise.uscc)
        if error:
            raise error
    try:
        with transaction.atomic():
            _record(enterprise, actor, _("创建企业")).save()
    except IntegrityError:
        # Another request stored the same USCC between the check and the insert.
        raise _uscc_taken() from None
    if qualifications:
        enterprise.qualifications.set(qualifications)
    return enterprise


@transaction.atomic
def update_enterprise(*, actor, enterprise: Enterprise, expected_version=None, qualifications=None, **fields):
    _require_staff(actor)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    check_version(
        locked, expected_version, _("企业信息已被他人修改（当前版本 %(current)d，您的版本 %(yours)d），请刷新后重试。")
    )
    for name, value in _normalize(fields).items():
        setattr(locked, name, value)
    validate_model(locked)
    locked.version += 1
    try:
        with transaction.atomic():
            _record(locked, actor).save()
    except IntegrityError:
        raise _uscc_taken() from None
    if qualifications is not None:
        locked.qualifications.set(qualifications)
    return locked


# --- Contacts ---------------------------------------------------------------------------------


def _require_staff_for_contacts(actor):
    _require_staff(actor, _("企业用户不能维护联系人。"))


def _single_primary(contact: Contact, actor):
    """An enterprise has at most one primary contact: marking one unmarks the others."""
    if not contact.is_primary:
        return
    others = Contact.objects.filter(enterprise_id=contact.enterprise_id, is_primary=True).exclude(pk=contact.pk)
    for other in others:
        other.is_primary = False
        _record(other, actor, _("另设主要联系人")).save()


@transaction.atomic
def create_contact(*, actor, **fields) -> Contact:
    _require_staff_for_contacts(actor)
    contact = Contact(**fields)
    validate_model(contact)
    _record(contact, actor, _("新增联系人")).save()
    _single_primary(contact, actor)
    return contact


@transaction.atomic
def update_contact(*, actor, contact: Contact, **fields) -> Contact:
    _require_staff_for_contacts(actor)
    if "enterprise" in fields and fields["enterprise"].pk != contact.enterprise_id:
        raise ServiceError({"enterprise": [_("联系人所属企业不能修改；请在另一企业下新增联系人。")]})
    fields.pop("enterprise", None)
    for name, value in fields.items():
        setattr(contact, name, value)
    validate_model(contact)
    _record(contact, actor).save()
    _single_primary(contact, actor)
    return contact


@transaction.atomic
def delete_contact(*, actor, contact: Contact) -> None:
    _require_staff_for_contacts(actor)
    _record(contact, actor, _("删除联系人")).delete()


# --- Visits -----------------------------------------------------------------------------------


def _require_staff_for_visits(actor):
    _require_staff(actor, _("企业用户不能维护走访记录。"))


def _check_visit(visit: Visit, actor, contacts):
    errors = {}
    project = visit.project
    if project is not None:
        if project.enterprise_id != visit.enterprise_id:
            errors["project"] = [_("项目“%(project)s”不属于该企业。") % {"project": project.name}]
        elif actor is not None and not visible_projects(actor).filter(pk=project.pk).exists():
            errors["project"] = [_("项目不存在或不在您的范围内。")]
    strangers = [c.name for c in contacts or () if c.enterprise_id != visit.enterprise_id]
    if strangers:
        errors["contacts"] = [_("联系人不属于该企业：%(names)s。") % {"names": "、".join(strangers)}]
    if visit.next_step_done_on and not visit.next_step:
        errors["next_step_done_on"] = [_("没有下一步工作，不能填写完成日期。")]
    if errors:
        raise ServiceError(errors)
    validate_model(visit)


@transaction.atomic
def record_visit(*, actor, participants=(), contacts=(), **fields) -> Visit:
    _require_staff_for_visits(actor)
    fields.setdefault("officer", actor)
    visit = Visit(**fields)
    _check_visit(visit, actor, contacts)
    _record(visit, actor, _("记录走访")).save()
    if participants:
        visit.participants.set(participants)
    if contacts:
        visit.contacts.set(contacts)
    return visit


@transaction.atomic
def update_visit(*, actor, visit: Visit, participants=None, contacts=None, **fields) -> Visit:
    _require_staff_for_visits(actor)
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if contacts is None and "enterprise" in fields:
        contacts = list(locked.contacts.all())
    _check_visit(locked, actor, contacts)
    _record(locked, actor).save()
    if participants is not None:
        locked.participants.set(participants)
    if contacts is not None:
        locked.contacts.set(contacts)
    return locked


@transaction.atomic
def complete_next_step(*, actor, visit: Visit, done_on) -> Visit:
    """Mark the visit's next step done on `done_on`; its reminder stops."""
    _require_staff_for_visits(actor)
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if not locked.next_step:
        raise ServiceError({"done_on": [_("这次走访没有下一步工作。")]})
    if locked.next_step_done_on is not None:
        raise ServiceError(
            {"done_on": [_("下一步工作已于 %(date)s 完成。") % {"date": locked.next_step_done_on.isoformat()}]}
        )
    if done_on > timezone.localdate():
        raise ServiceError({"done_on": [_("完成日期不能晚于今天。")]})
    if done_on < locked.visited_on:
        raise ServiceError({"done_on": [_("完成日期不能早于走访日期。")]})
    locked.next_step_done_on = done_on
    _record(locked, actor, _("完成下一步工作")).save()
    return locked
