"""Every write to enterprises, contacts and visits."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from common.exceptions import PermissionDeniedError, ServiceError
from common.services import by_actor as _record
from common.services import check_version, validate_model
from common.validators import normalize_uscc

from .duplicates import find_possible_duplicates
from .models import Contact, Enterprise, Visit


class PossibleDuplicateError(ServiceError):
    """The new enterprise looks like one already recorded; `duplicates` lists them."""

    def __init__(self, duplicates):
        self.duplicates = duplicates
        names = "、".join(f"{d.enterprise.name}（{d.reason}）" for d in duplicates)
        super().__init__(
            _("可能与已有企业重复：%(names)s。如确认不是同一企业，请勾选“确认不是重复企业”后再保存。")
            % {"names": names},
            code="possible_duplicate",
        )


def _require_staff(actor):
    if actor is not None and actor.role == Role.ENTERPRISE:
        raise PermissionDeniedError(_("企业用户不能维护企业档案。"))


def _normalize(fields):
    if "uscc" in fields:
        fields["uscc"] = normalize_uscc(fields["uscc"]) or None
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    return fields


@transaction.atomic
def create_enterprise(*, actor, qualifications=(), allow_duplicate=False, **fields) -> Enterprise:
    """Create an enterprise; one close to an existing one is refused unless `allow_duplicate`."""
    _require_staff(actor)
    fields = _normalize(fields)
    enterprise = Enterprise(**fields)
    validate_model(enterprise)
    if not allow_duplicate:
        duplicates = find_possible_duplicates(enterprise.name, enterprise.uscc)
        if duplicates:
            raise PossibleDuplicateError(duplicates)
    _record(enterprise, actor, _("创建企业")).save()
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
    _record(locked, actor).save()
    if qualifications is not None:
        locked.qualifications.set(qualifications)
    return locked


def save_contact(*, actor, contact: Contact) -> Contact:
    _require_staff(actor)
    validate_model(contact)
    _record(contact, actor).save()
    return contact


@transaction.atomic
def record_visit(*, actor, participants=(), contacts=(), **fields) -> Visit:
    _require_staff(actor)
    fields.setdefault("officer", actor)
    visit = Visit(**fields)
    validate_model(visit)
    _record(visit, actor).save()
    if participants:
        visit.participants.set(participants)
    if contacts:
        visit.contacts.set(contacts)
    return visit
