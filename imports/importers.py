"""One row at a time into projects or enterprises, through the same services the API calls.

A row's cells are all read first, so that every bad cell is reported, not only the first; then the
services decide, and their refusals are mapped back to the columns the person filled in.

Matching what exists:
- an investor or enterprise is the one with the row's USCC, else the one with exactly the row's
  name (in either width of brackets); an investor found nowhere is created as a new enterprise;
- a project is updated when one the importer can see has the same investor, the same name and the
  same signing date; otherwise a new project is created. Cells left blank leave the stored values
  as they are.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.translation import gettext as _

from accounts.selectors import units_in_scope
from common.exceptions import PermissionDeniedError
from common.validators import MOBILE_PATTERN, normalize_uscc, validate_uscc
from companies import services as company_services
from companies.models import Contact, Enterprise, RegistrationType
from companies.selectors import visible_enterprises
from projects import services as project_services
from projects.models import Project
from projects.selectors import visible_projects

from .cleaning import CellError, clean_text, display, match_key, parse_date, parse_decimal, parse_number, round_cents
from .columns import ENTERPRISE_COLUMNS, PROJECT_COLUMNS
from .lookups import Lookups

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
YI = 10000  # 1 亿元 = 10000 万元


class RowProblems(Exception):
    """The row cannot be imported: [(column key or None, message)]."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


@dataclass
class Outcome:
    result: str
    warnings: list = field(default_factory=list)  # [(column key or None, message)]
    new_enterprise: bool = False


class Cells:
    """The cells of one row, read with every problem collected before any is raised."""

    def __init__(self, row):
        self.values = row.values
        self.problems = []

    def text(self, key, required_message=None) -> str:
        value = clean_text(self.values.get(key))
        if not value and required_message:
            self.problems.append((key, required_message))
        return value

    def parse(self, key, parse):
        value = self.values.get(key)
        if value is None:
            return None
        try:
            return parse(value)
        except CellError as error:
            self.problems.append((key, str(error)))
            return None

    def problem(self, key, message):
        self.problems.append((key, message))

    def check(self):
        if self.problems:
            raise RowProblems(self.problems)


def parse_uscc(value) -> str:
    code = normalize_uscc(unicodedata.normalize("NFKC", clean_text(value)))
    try:
        validate_uscc(code)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    return code


def call_service(function, columns, model, **kwargs):
    """Call a service; its refusal becomes the row's problems, each under the column of its field."""
    try:
        return function(**kwargs)
    except PermissionDeniedError as error:
        raise RowProblems([(None, error.message)]) from None
    except ValidationError as error:
        raise RowProblems(service_problems(error, columns, model)) from None


def service_problems(error: ValidationError, columns: dict, model) -> list:
    if not hasattr(error, "error_dict"):
        return [(None, message) for message in error.messages]
    problems = []
    for name, messages in error.message_dict.items():
        column = columns.get(name)
        for message in messages:
            if column is None and name != NON_FIELD_ERRORS:
                message = f"{_field_label(model, name)}：{message}"
            problems.append((column, message))
    return problems


def _field_label(model, name):
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


def name_variants(name: str) -> set[str]:
    """A registered name as typed with full-width or ASCII brackets."""
    return {name, name.replace("(", "（").replace(")", "）"), name.replace("（", "(").replace("）", ")")}


def duplicates_warning(name, error) -> str:
    parts = [f"{d.enterprise.name}（{d.reason}）" for d in error.visible]
    if error.hidden_count:
        parts.append(_("另有%(count)d家您无权查看的企业") % {"count": error.hidden_count})
    return _("新建的企业“%(name)s”与已有企业相近：%(names)s，请核对是否为同一企业。") % {
        "name": name,
        "names": "、".join(parts),
    }


class BaseImporter:
    columns = None

    def __init__(self, actor):
        self.actor = actor
        self.lookups = Lookups(actor)
        self.new_enterprises = 0

    def summary_warnings(self) -> list:
        if not self.new_enterprises:
            return []
        return [
            _("有 %(count)d 家新建的企业没有填写登记注册类型，暂记为“%(type)s”，请在企业档案中核对。")
            % {"count": self.new_enterprises, "type": RegistrationType.PRIVATE.label}
        ]

    def record(self, outcome: Outcome):
        """Count what a row that was kept did."""
        self.new_enterprises += outcome.new_enterprise

    def find_enterprise(self, name, uscc, uscc_key="uscc", name_key="name"):
        """The enterprise with the USCC, else the one with exactly the name; None when there is none."""
        if uscc:
            found = Enterprise.objects.filter(uscc=uscc).first()
            if found is not None:
                return found
        same_name = list(Enterprise.objects.filter(name__in=name_variants(name)).order_by("pk")[:2])
        if not same_name:
            return None
        found = same_name[0]
        if uscc and found.uscc and found.uscc != uscc:
            raise RowProblems(
                [(uscc_key, _("系统中已有名为“%(name)s”的企业，但统一社会信用代码不同，请核对。") % {"name": name})]
            )
        if len(same_name) > 1 and not uscc:
            raise RowProblems(
                [(name_key, _("系统中有多家名为“%(name)s”的企业，请填写统一社会信用代码以区分。") % {"name": name})]
            )
        return found

    def create_enterprise(self, outcome, columns, name_key, **fields):
        similar = company_services.possible_duplicates(actor=self.actor, name=fields["name"], uscc=fields.get("uscc"))
        enterprise = call_service(
            company_services.create_enterprise, columns, Enterprise, actor=self.actor, allow_duplicate=True, **fields
        )
        if similar:
            outcome.warnings.append((name_key, duplicates_warning(enterprise.name, similar)))
        return enterprise


# --- Projects ---------------------------------------------------------------------------------

PROJECT_FIELD_COLUMNS = {
    "name": "name",
    "enterprise": "investor",
    "signing_event": "signing_event",
    "signed_on": "signed_on",
    "industry_chain": "industry_chain",
    "town": "town",
    "leading_unit": "leading_unit",
    "land_area": "land_area",
    "officer": "officer",
    "notes": "notes",
}
INVESTOR_FIELD_COLUMNS = {"name": "investor", "uscc": "uscc", "town": "town"}


class ProjectImporter(BaseImporter):
    columns = PROJECT_COLUMNS

    def __init__(self, actor):
        super().__init__(actor)
        self.seen = {}  # (enterprise, name, signing date) -> the row that named it first
        self._scope = None

    def import_row(self, row) -> Outcome:
        cells = Cells(row)
        name = cells.text("name", _("请填写项目名称。"))
        investor = cells.text("investor", _("请填写投资方。"))
        uscc = cells.parse("uscc", parse_uscc)
        total, total_key = self._total_investment(cells)
        values = {
            "industry_chain": cells.parse("industry_chain", self.lookups.industry_chain),
            "town": cells.parse("town", self.lookups.town),
            "signing_event": cells.parse("signing_event", self.lookups.signing_event),
            "signed_on": cells.parse("signed_on", parse_date),
            "land_area": cells.parse("land_area", parse_decimal),
            "officer": cells.parse("officer", self.lookups.staff),
            "leading_unit": cells.parse("leading_unit", self.lookups.leading_unit),
            "notes": cells.text("notes"),
        }
        cells.check()
        if values["signing_event"] is not None and values["signed_on"] is None:
            values["signed_on"] = values["signing_event"].date
        columns = {**PROJECT_FIELD_COLUMNS, "total_investment": total_key}
        outcome = Outcome(CREATED)
        enterprise = self._investor(outcome, investor, uscc, values["town"])
        signed_on = values["signed_on"]
        key = (enterprise.pk, match_key(name), signed_on)
        if key in self.seen:
            raise RowProblems(
                [(None, _("与第 %(row)d 行是同一项目（投资方、项目名称和签约日期都相同）。") % {"row": self.seen[key]})]
            )
        self.seen[key] = row.number
        fields = {name: value for name, value in values.items() if value not in (None, "")}
        fields["total_investment"] = total
        existing = self._existing(enterprise, name, signed_on)
        if existing is not None:
            outcome.result = self._update(existing, fields, columns)
            return outcome
        fields.setdefault("leading_unit", self._default_leading_unit(values["town"]))
        if fields["leading_unit"] is None:
            raise RowProblems(
                [("leading_unit", _("无法确定牵头单位：请填写“牵头单位”列，或填写您管辖范围内的落地街镇。"))]
            )
        call_service(
            project_services.create_project,
            columns,
            Project,
            actor=self.actor,
            name=name,
            enterprise=enterprise,
            **fields,
        )
        return outcome

    def _total_investment(self, cells):
        if "total_investment" in cells.values:
            return cells.parse("total_investment", parse_decimal), "total_investment"
        if "total_investment_yi" in cells.values:
            value = cells.values["total_investment_yi"]
            try:
                return round_cents(parse_number(value) * YI, value), "total_investment_yi"
            except CellError as error:
                cells.problem("total_investment_yi", str(error))
                return None, "total_investment_yi"
        cells.problem("total_investment", _("请填写总投资。"))
        return None, "total_investment"

    def _investor(self, outcome, name, uscc, town) -> Enterprise:
        enterprise = self.find_enterprise(name, uscc, name_key="investor")
        if enterprise is not None:
            return enterprise
        fields = {"name": name, "registration_type": RegistrationType.PRIVATE, "town": town}
        if uscc:
            fields["uscc"] = uscc
        enterprise = self.create_enterprise(outcome, INVESTOR_FIELD_COLUMNS, "investor", **fields)
        outcome.new_enterprise = True  # its registration type is the default
        return enterprise

    def _existing(self, enterprise, name, signed_on):
        matches = list(
            visible_projects(self.actor)
            .filter(enterprise=enterprise, name=name, signed_on=signed_on)
            .order_by("pk")[:2]
        )
        if len(matches) > 1:
            raise RowProblems(
                [("name", _("系统中有多个相同的项目（投资方、项目名称和签约日期都相同），无法确定更新哪一个。"))]
            )
        return matches[0] if matches else None

    def _update(self, project, fields, columns) -> str:
        # The leading unit and the officer change hands only through a manager's transfer or
        # reassignment: pass them only when the sheet really changes them.
        for name in ("leading_unit", "officer"):
            if name in fields and getattr(project, f"{name}_id") == fields[name].pk:
                del fields[name]
        updated = call_service(
            project_services.update_project, columns, Project, actor=self.actor, project=project, **fields
        )
        return UPDATED if updated.version != project.version else UNCHANGED

    def _default_leading_unit(self, town):
        """The landing town when the importer may lead from it, else the importer's own unit."""
        if self._scope is None:
            self._scope = set(units_in_scope(self.actor).values_list("pk", flat=True))
        if town is not None and town.is_promotion_body and town.pk in self._scope:
            return town
        unit = self.actor.org_unit
        return unit if unit is not None and unit.is_promotion_body else None


# --- Enterprises ------------------------------------------------------------------------------

ENTERPRISE_FIELD_COLUMNS = {
    "name": "name",
    "uscc": "uscc",
    "registration_type": "registration_type",
    "origin": "origin",
    "industry_code": "industry_code",
    "industry_chain": "industry_chain",
    "qualifications": "qualifications",
    "town": "town",
    "address": "address",
    "service_officer": "service_officer",
    "notes": "notes",
}
CONTACT_FIELD_COLUMNS = {
    "name": "contact_name",
    "title": "contact_title",
    "mobile": "contact_phone",
    "phone": "contact_phone",
}
_PHONE_NOISE = re.compile(r"[\s\-()]")


def split_phone(value) -> dict:
    """A mobile number goes to `mobile`, anything else to `phone`."""
    text = clean_text(unicodedata.normalize("NFKC", clean_text(value)))
    digits = _PHONE_NOISE.sub("", text).removeprefix("+86")
    if MOBILE_PATTERN.match(digits):
        return {"mobile": digits}
    return {"phone": text}


class EnterpriseImporter(BaseImporter):
    columns = ENTERPRISE_COLUMNS

    def __init__(self, actor):
        super().__init__(actor)
        self.seen = {}

    def import_row(self, row) -> Outcome:
        cells = Cells(row)
        name = cells.text("name", _("请填写企业名称。"))
        uscc = cells.parse("uscc", parse_uscc)
        fields = {
            "registration_type": cells.parse("registration_type", self.lookups.registration_type),
            "origin": cells.text("origin"),
            "industry_code": unicodedata.normalize("NFKC", cells.text("industry_code")).upper(),
            "industry_chain": cells.parse("industry_chain", self.lookups.industry_chain),
            "town": cells.parse("town", self.lookups.town),
            "address": cells.text("address"),
            "service_officer": cells.parse("service_officer", self.lookups.staff),
            "notes": cells.text("notes"),
        }
        qualifications = cells.parse("qualifications", self.lookups.qualifications)
        phone = cells.parse("contact_phone", split_phone) or {}
        contact = {"name": cells.text("contact_name"), "title": cells.text("contact_title"), **phone}
        if not contact["name"] and (contact["title"] or phone):
            cells.problem("contact_name", _("填写了联系人职务或联系电话时，请同时填写联系人。"))
        cells.check()
        fields = {key: value for key, value in fields.items() if value not in (None, "")}
        outcome = Outcome(CREATED)
        enterprise = self.find_enterprise(name, uscc)
        if enterprise is not None:
            self._check_once(enterprise, row)
            outcome.result = self._update(enterprise, name, uscc, fields, qualifications)
        else:
            defaulted = "registration_type" not in fields
            fields.setdefault("registration_type", RegistrationType.PRIVATE)
            if uscc:
                fields["uscc"] = uscc
            enterprise = self.create_enterprise(
                outcome, ENTERPRISE_FIELD_COLUMNS, "name", name=name, qualifications=qualifications or (), **fields
            )
            outcome.new_enterprise = defaulted
            self._check_once(enterprise, row)
        if contact["name"] and self._save_contact(enterprise, contact) and outcome.result == UNCHANGED:
            outcome.result = UPDATED
        return outcome

    def _check_once(self, enterprise, row):
        if enterprise.pk in self.seen:
            raise RowProblems(
                [
                    (
                        None,
                        _("与第 %(row)d 行是同一企业（统一社会信用代码或名称相同）。")
                        % {"row": self.seen[enterprise.pk]},
                    )
                ]
            )
        self.seen[enterprise.pk] = row.number

    def _update(self, enterprise, name, uscc, fields, qualifications) -> str:
        if not visible_enterprises(self.actor).filter(pk=enterprise.pk).exists():
            raise RowProblems(
                [("name", _("企业“%(name)s”已在系统中，但不在您的管辖范围内，不能修改。") % {"name": display(name)})]
            )
        if uscc and not enterprise.uscc:
            fields["uscc"] = uscc
        changes = {key: value for key, value in fields.items() if getattr(enterprise, key) != value}
        new_qualifications = None
        if qualifications is not None:
            current = set(enterprise.qualifications.values_list("pk", flat=True))
            if current != {q.pk for q in qualifications}:
                new_qualifications = qualifications
        if not changes and new_qualifications is None:
            return UNCHANGED
        call_service(
            company_services.update_enterprise,
            ENTERPRISE_FIELD_COLUMNS,
            Enterprise,
            actor=self.actor,
            enterprise=enterprise,
            qualifications=new_qualifications,
            **changes,
        )
        return UPDATED

    def _save_contact(self, enterprise, contact) -> bool:
        """Add the contact, or bring the one of that name up to date; True when something changed."""
        existing = Contact.objects.filter(enterprise=enterprise, name=contact["name"]).first()
        if existing is None:
            has_primary = Contact.objects.filter(enterprise=enterprise, is_primary=True).exists()
            call_service(
                company_services.create_contact,
                CONTACT_FIELD_COLUMNS,
                Contact,
                actor=self.actor,
                enterprise=enterprise,
                is_primary=not has_primary,
                **contact,
            )
            return True
        changes = {key: value for key, value in contact.items() if value and getattr(existing, key) != value}
        if not changes:
            return False
        call_service(
            company_services.update_contact,
            CONTACT_FIELD_COLUMNS,
            Contact,
            actor=self.actor,
            contact=existing,
            **changes,
        )
        return True


IMPORTERS = {"projects": ProjectImporter, "enterprises": EnterpriseImporter}
