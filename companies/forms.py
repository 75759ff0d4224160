"""Forms of the enterprise pages: they declare fields and labels; the services do every write."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import active_staff, landing_areas, units_in_scope
from common.forms import PageForm, PageModelForm
from common.validators import normalize_uscc, validate_uscc
from projects.selectors import visible_projects

from .models import Contact, Enterprise, IndustryChain, Qualification, RegistrationType, Visit
from .selectors import visible_contacts

CHECKBOX_GROUP = "companies/checkbox_group.html"
ANY = [("", _("全部"))]
YES_NO = [("", _("全部")), ("true", _("是")), ("false", _("否"))]
ORDERINGS = [
    ("", _("按企业名称")),
    ("-name", _("按企业名称倒序")),
    ("-created_at", _("最近新建")),
    ("-updated_at", _("最近更新")),
]


def staff_label(user):
    return f"{user}（{user.org_unit}）" if user.org_unit_id else str(user)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return staff_label(user)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return staff_label(user)


class EnterpriseFilterForm(PageForm):
    """The list's filter bar. It only shows the choices; companies/api/filters.py's EnterpriseFilter
    filters, with the same parameter names as the API and the Excel export."""

    q = forms.CharField(label=_("搜索"), required=False)
    registration_type = forms.ChoiceField(label=_("登记注册类型"), required=False)
    industry_chain = forms.ChoiceField(label=_("重点产业链"), required=False)
    town = forms.ChoiceField(label=_("所在街镇"), required=False)
    qualification = forms.ChoiceField(label=_("企业资质"), required=False)
    service_officer = forms.ChoiceField(label=_("服务专员"), required=False)
    relocation_risk = forms.ChoiceField(label=_("迁移预警"), choices=YES_NO, required=False)
    has_uscc = forms.ChoiceField(label=_("已有统一社会信用代码"), choices=YES_NO, required=False)
    ordering = forms.ChoiceField(label=_("排序"), choices=ORDERINGS, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("企业名称或统一社会信用代码")
        self.fields["registration_type"].choices = ANY + list(RegistrationType.choices)
        self.fields["industry_chain"].choices = ANY + [(c.code, c.name) for c in IndustryChain.objects.all()]
        self.fields["qualification"].choices = ANY + [(q.code, q.name) for q in Qualification.objects.all()]
        towns = units_in_scope(user, landing_areas()).order_by("path")
        self.fields["town"].choices = ANY + [(t.pk, t.name) for t in towns]
        staff = active_staff(user).select_related("org_unit").order_by("org_unit__path", "username")
        if not user.is_district_wide:
            staff = staff.filter(org_unit__in=units_in_scope(user))
        self.fields["service_officer"].choices = ANY + [(u.pk, staff_label(u)) for u in staff]


class UsccFormField(forms.CharField):
    """A USCC as typed (spaces, lower case) checked per GB 32100-2015; blank means none (foreign investors)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        code = normalize_uscc(super().clean(value))
        if not code:
            return None
        validate_uscc(code)
        return code


class EnterpriseForm(PageModelForm):
    """New and edited enterprises; create_enterprise / update_enterprise save them."""

    uscc = UsccFormField(
        label=Enterprise._meta.get_field("uscc").verbose_name,
        help_text=Enterprise._meta.get_field("uscc").help_text,
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    allow_duplicate = forms.BooleanField(label=_("仍然创建（确认不是重复企业）"), required=False)

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "uscc",
            "registration_type",
            "origin",
            "industry_code",
            "industry_chain",
            "qualifications",
            "town",
            "address",
            "service_officer",
            "relocation_risk",
            "relocation_note",
            "notes",
        ]
        field_classes = {"service_officer": StaffChoiceField}
        widgets = {
            "qualifications": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = landing_areas().order_by("path")
        self.fields["service_officer"].queryset = (
            active_staff().select_related("org_unit").order_by("org_unit__path", "username")
        )
        self.fields["industry_code"].widget.attrs["placeholder"] = "C3670"
        self.fields["qualifications"].template_name = CHECKBOX_GROUP
        if self.instance.pk is None:
            del self.fields["expected_version"]
        else:
            del self.fields["allow_duplicate"]

    def offers_allow_duplicate(self) -> bool:
        """Whether "仍然创建" is already ticked (a resubmit that failed for another reason)."""
        return "allow_duplicate" in self.fields and bool(self["allow_duplicate"].value())

    def service_fields(self) -> dict:
        """The cleaned fields as the services take them."""
        fields = dict(self.cleaned_data)
        fields.pop("allow_duplicate", None)
        fields.pop("expected_version", None)
        fields["qualifications"] = list(fields["qualifications"])
        return fields


class ContactForm(PageModelForm):
    """New and edited contacts. For a user who may not see the contact's mobile in full (sees_full_mobile),
    the edit form shows it masked, and the masked number sent back unchanged keeps the stored one, as the
    API does: the full number never reaches that user's page."""

    # Wider than the stored 11 digits: "139 1234 5678" is accepted and saved without the spaces.
    mobile = forms.CharField(label=Contact._meta.get_field("mobile").verbose_name, max_length=20, required=False)

    class Meta:
        model = Contact
        fields = ["name", "title", "mobile", "phone", "email", "is_primary"]

    def __init__(self, *args, full_mobile=True, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.mobile if self.instance.pk else ""
        self.mobile_masked = bool(stored) and not full_mobile and self.instance.masked_mobile != stored
        if self.mobile_masked:
            self.initial["mobile"] = self.instance.masked_mobile
            self.fields["mobile"].help_text = _("号码已打码；不修改则保留原号码，如需更换请输入完整的新号码。")

    def clean_mobile(self):
        mobile = "".join(self.cleaned_data["mobile"].split())
        if self.mobile_masked and mobile == self.instance.masked_mobile:
            return self.instance.mobile
        return mobile


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        # The contact's own name: its __str__ would fetch the enterprise once per contact.
        return f"{contact.name}（{contact.title}）" if contact.title else contact.name


def _next_step_needs_date():
    constraint = next(c for c in Visit._meta.constraints if c.name == "visit_next_step_has_date")
    return str(constraint.violation_error_message)


class VisitForm(PageModelForm):
    """A visit to one enterprise: its projects and contacts are the only ones offered; the participants
    are any staff in office (as the API allows)."""

    class Meta:
        model = Visit
        fields = [
            "visited_on",
            "topic",
            "participants",
            "met_with",
            "contacts",
            "project",
            "summary",
            "next_step",
            "next_step_due_on",
        ]
        field_classes = {"contacts": ContactChoiceField, "participants": StaffMultipleChoiceField}
        widgets = {
            "contacts": forms.CheckboxSelectMultiple,
            "participants": forms.SelectMultiple(attrs={"size": 5}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, enterprise, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = visible_projects(user).filter(enterprise=enterprise).order_by("-signed_on")
        self.fields["contacts"].queryset = visible_contacts(user).filter(enterprise=enterprise)
        self.fields["contacts"].template_name = CHECKBOX_GROUP
        self.fields["participants"].queryset = (
            active_staff(user).select_related("org_unit").order_by("org_unit__path", "username")
        )
        self.fields["participants"].help_text = _("一同走访的工作人员，可多选（按住 Ctrl 或 ⌘ 键点选）")
        self.fields["met_with"].help_text = _("未登记为联系人的会见人员")

    def offer_loaded_rows(self, *, contacts, projects):
        """Offer the contacts and projects the enterprise file has already loaded for its tables (the same
        selectors) instead of querying them again; the choices are still checked against the querysets."""
        contact_field, project_field = self.fields["contacts"], self.fields["project"]
        contact_field.choices = [(c.pk, contact_field.label_from_instance(c)) for c in contacts]
        project_field.choices = [("", project_field.empty_label)] + [
            (p.pk, project_field.label_from_instance(p)) for p in projects
        ]

    def add_error(self, field, error):
        # The model's rule "a next step needs its date" reaches the form as a message for the whole form
        # (from the model's check or the service's): it belongs under the date field.
        if field is None:
            field, error = _next_step_date_to_its_field(error)
        super().add_error(field, error)


def _next_step_date_to_its_field(error):
    message = _next_step_needs_date()
    if isinstance(error, str):
        return ("next_step_due_on" if error == message else None), error
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        errors = dict(error.error_dict)
        general = errors.pop(NON_FIELD_ERRORS, [])
        moved = [e for e in general if message in e.messages]
        if moved:
            errors.setdefault("next_step_due_on", []).extend(moved)
        rest = [e for e in general if message not in e.messages]
        if rest:
            errors[NON_FIELD_ERRORS] = rest
        return None, ValidationError(errors)
    return None, error


class NextStepDoneForm(PageForm):
    """The date a visit's next step was done; complete_next_step checks it."""

    done_on = forms.DateField(label=_("完成日期"), widget=forms.DateInput(attrs={"class": "form-control-sm"}))

    def __init__(self, *args, visit, **kwargs):
        kwargs.setdefault("auto_id", f"id_done_{visit.pk}_%s")
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.visit = visit
