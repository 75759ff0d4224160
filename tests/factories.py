"""Small builders for test data: real rows through the real services."""

import datetime
import itertools
from decimal import Decimal

from accounts.models import OrgUnit, Role, User
from companies.models import Enterprise, IndustryChain, RegistrationType
from projects import services as project_services

_counter = itertools.count(1)


def district():
    root = OrgUnit.objects.get_root_nodes().filter(name="嘉定区投资促进中心").first()
    return root or OrgUnit.objects.add_root(
        create_kwargs={"name": "嘉定区投资促进中心", "kind": OrgUnit.Kind.DISTRICT, "is_promotion_body": True}
    )


def unit(name, kind=OrgUnit.Kind.TOWN, parent=None, **extra):
    existing = OrgUnit.objects.filter(name=name).first()
    if existing:
        return existing
    extra.setdefault("is_promotion_body", True)
    extra.setdefault("is_landing_area", kind in (OrgUnit.Kind.TOWN, OrgUnit.Kind.STREET, OrgUnit.Kind.PARK))
    return OrgUnit.objects.add_child(parent or district(), create_kwargs={"name": name, "kind": kind, **extra})


def user(username=None, role=Role.OFFICER, org_unit=None, enterprise=None, **extra):
    username = username or f"user{next(_counter)}"
    if role in (Role.OFFICER, Role.MANAGER) and org_unit is None:
        org_unit = unit("安亭镇")
    return User.objects.create_user(
        username=username, password="pw-for-tests-123", role=role, org_unit=org_unit, enterprise=enterprise, **extra
    )


def enterprise(name=None, **fields):
    fields.setdefault("registration_type", RegistrationType.PRIVATE)
    return Enterprise.objects.create(name=name or f"测试企业{next(_counter)}有限公司", **fields)


def project(actor=None, **fields):
    fields.setdefault("name", f"测试项目{next(_counter)}")
    fields.setdefault("enterprise", enterprise())
    fields.setdefault("leading_unit", unit("安亭镇"))
    fields.setdefault("town", fields["leading_unit"])
    fields.setdefault("total_investment", Decimal("10000.00"))
    fields.setdefault("industry_chain", IndustryChain.objects.get(code="auto"))
    return project_services.create_project(actor=actor, **fields)


def date(text):
    return datetime.date.fromisoformat(text)
