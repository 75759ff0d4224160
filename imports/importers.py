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

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
YI = 10000  # 1 亿元 = 10000 万元
IN_CHUNK = 500  # values in one IN (...) of a look-up


def SAVE_FAILED():  # noqa: N802 - a message, translated when used
    return _("这一行的数据无法保存，请检查数值是否过大、文字是否过长。")


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
            self.problems.append((key, str(required_message)))
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

    def __init__(self, actor, dry_run=False):
        self.actor = actor
        self.dry_run = dry_run  # the writes are rolled back at the end: those that cannot fail may be left out
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

    def import_rows(self, rows, progress=None) -> list:
        """Import `rows` one by one, each in its own savepoint: [(row, Outcome or [(column key, message)])]."""
        results = []
        for done, row in enumerate(rows, start=1):
            results.append((row, self.import_one(row)))
            if progress:
                progress(done, len(rows))
        return results

    def import_one(self, row):
        try:
            with transaction.atomic():
                return self.import_row(row)
        except RowProblems as error:
            return error.problems
        except (IntegrityError, DataError):
            logger.info("import: row %s refused by the database", row.number, exc_info=True)
            return [(None, SAVE_FAILED())]

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
# Translated only for the rows that need them.
NAME_REQUIRED = gettext_lazy("请填写项目名称。")
INVESTOR_REQUIRED = gettext_lazy("请填写投资方。")


class NewInvestor:
    """An investor named in the file and not on record: created with the others before the projects."""

    def __init__(self, number, row, fields):
        self.number = number  # in the order of the file
        self.row = row  # the row that named it first
        self.fields = fields
        self.name, self.uscc = fields["name"], fields.get("uscc")
        self.enterprise = None

    @property
    def key(self):
        return ("new", self.number)


@dataclass
class RowPlan:
    """What a row will do once every row has been read: update `existing` or create a project."""

    row: object
    outcome: Outcome
    name: str
    investor: object  # Enterprise or NewInvestor
    fields: dict
    columns: dict
    existing: object = None


class ProjectImporter(BaseImporter):
    """Rows are read and checked first, with the enterprises, the projects they may update and every
    looked-up name loaded once for the whole file; then the new investors are created together, the
    updates made one by one, and the new projects created together."""

    columns = PROJECT_COLUMNS

    def __init__(self, actor, dry_run=False):
        super().__init__(actor, dry_run)
        self.seen = {}  # (enterprise, name, signing date) -> the row that named it first
        self._scope = None
        self.by_uscc, self.by_name, self.new_investors = {}, {}, []

    def import_row(self, row) -> Outcome:
        """One row alone, as import_rows does it for many."""
        ((_row, result),) = self.import_rows([row])
        if isinstance(result, Outcome):
            return result
        raise RowProblems(result)

    def import_rows(self, rows, progress=None) -> list:
        results = {}
        self._load_investors(rows)
        plans = []
        for done, row in enumerate(rows, start=1):
            try:
                plans.append(self._plan(row))
            except RowProblems as error:
                results[row.number] = error.problems
            if progress and done % 500 == 0:
                progress(done, 2 * len(rows))
        plans = self._match_existing(plans, results)
        plans = self._create_investors(plans, results)
        creating = []
        for plan in plans:
            if plan.existing is None:
                creating.append(plan)
                continue
            try:
                with transaction.atomic():
                    plan.outcome.result = self._update(plan.existing, plan.fields, plan.columns)
                results[plan.row.number] = plan.outcome
            except RowProblems as error:
                results[plan.row.number] = error.problems
        if creating:
            self._create_projects(creating, results)
        if progress:
            progress(2 * len(rows), 2 * len(rows))
        return [(row, results[row.number]) for row in rows]

    def _plan(self, row) -> RowPlan:
        cells = Cells(row)
        name = cells.text("name", NAME_REQUIRED)
        investor = cells.text("investor", INVESTOR_REQUIRED)
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
        outcome = Outcome(CREATED)
        enterprise = self._investor(row, outcome, investor, uscc, values["town"])
        signed_on = values["signed_on"]
        key = (enterprise.key if isinstance(enterprise, NewInvestor) else enterprise.pk, match_key(name), signed_on)
        if key in self.seen:
            raise RowProblems(
                [(None, _("与第 %(row)d 行是同一项目（投资方、项目名称和签约日期都相同）。") % {"row": self.seen[key]})]
            )
        self.seen[key] = row.number
        fields = {name: value for name, value in values.items() if value not in (None, "")}
        fields["total_investment"] = total
        columns = {**PROJECT_FIELD_COLUMNS, "total_investment": total_key}
        return RowPlan(row, outcome, name, enterprise, fields, columns)

    def _load_investors(self, rows):
        """The enterprises the rows name, by USCC and by name, in a query per few hundred rows."""
        usccs, names = set(), set()
        for row in rows:
            try:
                usccs.add(parse_uscc(row.values["uscc"]))
            except (KeyError, CellError):
                pass
            names.update(name_variants(clean_text(row.values.get("investor"))))
        usccs.discard("")
        # Only what the rows use of them: their key, name and USCC.
        enterprises = Enterprise.objects.only("pk", "name", "uscc")
        for chunk in _chunks(sorted(usccs)):
            self.by_uscc.update((e.uscc, e) for e in enterprises.filter(uscc__in=chunk))
        for chunk in _chunks(sorted(names)):
            for enterprise in enterprises.filter(name__in=chunk).order_by("pk"):
                self.by_name.setdefault(enterprise.name, []).append(enterprise)

    def _investor(self, row, outcome, name, uscc, town):
        """The investor of the row as find_enterprise finds it, among the enterprises on record and those
        the rows above will create; else a new one."""
        if uscc and uscc in self.by_uscc:
            return self.by_uscc[uscc]
        same_name = list(dict.fromkeys(e for variant in name_variants(name) for e in self.by_name.get(variant, ())))
        same_name.sort(key=lambda e: (1, e.number) if isinstance(e, NewInvestor) else (0, e.pk))
        if same_name:
            found = same_name[0]
            if uscc and found.uscc and found.uscc != uscc:
                raise RowProblems(
                    [("uscc", _("系统中已有名为“%(name)s”的企业，但统一社会信用代码不同，请核对。") % {"name": name})]
                )
            if len(same_name) > 1 and not uscc:
                raise RowProblems(
                    [
                        (
                            "investor",
                            _("系统中有多家名为“%(name)s”的企业，请填写统一社会信用代码以区分。") % {"name": name},
                        )
                    ]
                )
            return found
        fields = {"name": name, "registration_type": RegistrationType.PRIVATE, "town": town}
        if uscc:
            fields["uscc"] = uscc
        investor = NewInvestor(len(self.new_investors), row, fields)
        self.new_investors.append(investor)
        if uscc:
            self.by_uscc[uscc] = investor
        self.by_name.setdefault(name, []).append(investor)
        outcome.new_enterprise = True  # its registration type is the default
        return investor

    def _match_existing(self, plans, results) -> list:
        """Find the project each row updates: the one the importer sees with the same investor, name and
        signing date. Rows that create one get their leading unit."""
        known = [plan for plan in plans if not isinstance(plan.investor, NewInvestor)]
        existing = {}
        for chunk in _chunks(known):
            found = visible_projects(self.actor).filter(
                enterprise_id__in={plan.investor.pk for plan in chunk}, name__in={plan.name for plan in chunk}
            )
            for project in found.order_by("pk"):
                existing.setdefault((project.enterprise_id, project.name, project.signed_on), []).append(project)
        kept = []
        for plan in plans:
            key = (getattr(plan.investor, "pk", None), plan.name, plan.fields.get("signed_on"))
            matches = existing.get(key, []) if not isinstance(plan.investor, NewInvestor) else []
            if len(matches) > 1:
                results[plan.row.number] = [
                    ("name", _("系统中有多个相同的项目（投资方、项目名称和签约日期都相同），无法确定更新哪一个。"))
                ]
                continue
            if matches:
                plan.existing = matches[0]
            else:
                plan.fields.setdefault("leading_unit", self._default_leading_unit(plan.fields.get("town")))
                if plan.fields["leading_unit"] is None:
                    results[plan.row.number] = [
                        ("leading_unit", _("无法确定牵头单位：请填写“牵头单位”列，或填写您管辖范围内的落地街镇。"))
                    ]
                    continue
            kept.append(plan)
        return kept

    def _create_investors(self, plans, results) -> list:
        """Create the new investors together; a row whose investor is refused gets the refusal."""
        if not self.new_investors:
            return plans
        refused = {}
        try:
            created = company_services.create_enterprises(
                actor=self.actor, items=[investor.fields for investor in self.new_investors], allow_duplicate=True
            )
        except company_services.EnterprisesRefused as error:
            refused = {
                self.new_investors[index]: service_problems(problem, INVESTOR_FIELD_COLUMNS, Enterprise)
                for index, problem in error.errors.items()
            }
            created = []
        except PermissionDeniedError as error:
            refused = {investor: [(None, error.message)] for investor in self.new_investors}
            created = []
        for investor, enterprise in zip(self.new_investors, created, strict=False):
            investor.enterprise = enterprise
        if created:
            by_row = {plan.row.number: plan for plan in plans}
            similar = company_services.possible_duplicates_among(actor=self.actor, enterprises=created)
            for investor, found in zip(self.new_investors, similar, strict=True):
                first = by_row.get(investor.row.number)
                if found and first is not None:
                    first.outcome.warnings.append(("investor", duplicates_warning(investor.enterprise.name, found)))
        kept = []
        for plan in plans:
            if isinstance(plan.investor, NewInvestor):
                if plan.investor in refused:
                    results[plan.row.number] = refused[plan.investor]
                    continue
                plan.investor = plan.investor.enterprise
            kept.append(plan)
        return kept

    def _create_projects(self, plans, results):
        """Create the new projects together; in a dry run only check them (a dry run writes nothing that
        could still be refused, and its report is the same). A row whose project is refused gets the
        refusal, the others what they would have done."""
        items = [{"name": plan.name, "enterprise": plan.investor, **plan.fields} for plan in plans]
        create = project_services.check_new_projects if self.dry_run else project_services.create_projects
        for plan in plans:
            results[plan.row.number] = plan.outcome
        try:
            with transaction.atomic():
                create(actor=self.actor, items=items)
        except project_services.ProjectsRefused as refused:
            for index, error in refused.errors.items():
                results[plans[index].row.number] = service_problems(error, plans[index].columns, Project)
        except PermissionDeniedError as error:
            for plan in plans:
                results[plan.row.number] = [(None, error.message)]
        except (IntegrityError, DataError):
            logger.info("import: rows from %s refused by the database", plans[0].row.number, exc_info=True)
            for plan in plans:
                results[plan.row.number] = [(None, SAVE_FAILED())]

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


def _chunks(items, size=IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


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

    def __init__(self, actor, dry_run=False):
        super().__init__(actor, dry_run)
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
