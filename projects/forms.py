"""Forms of the project pages. They declare fields and widgets only: every write goes through
projects.services, which holds the rules and validates the model."""

from functools import cached_property

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.selectors import active_staff, landing_areas, promotion_bodies, units_in_scope
from common.forms import PageForm, PageModelForm
from common.validators import normalize_uscc
from companies.models import IndustryChain
from companies.selectors import visible_enterprises

from .api.filters import ProjectFilter
from .models import LandCommitment, LandYearlyActual, Project, ProjectDocument
from .selectors import visible_signing_events, visible_stage_types

ANY = ("", _("全部"))


class ProjectPageFilter(ProjectFilter):
    """The API's project filters with the page's widgets: lists to choose from instead of codes and ids.

    Only widgets change, so a query string means the same on the page, in the API and in an export.
    """

    FILTER_BAR = (
        "q",
        "stage",
        "status",
        "priority",
        "industry_chain",
        "town",
        "leading_unit",
        "signing_event",
        "officer",
        "signed_year",
        "signed_after",
        "signed_before",
        "overdue",
        "passed",
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user
        self.filters["stage"].extra["widget"] = forms.Select(
            choices=[ANY, *visible_stage_types(user).values_list("code", "name")]
        )
        self.filters["industry_chain"].extra["widget"] = forms.Select(
            choices=[ANY, *IndustryChain.objects.values_list("code", "name")]
        )
        self.filters["town"].queryset = landing_areas().order_by("path")
        self.filters["leading_unit"].queryset = promotion_bodies().order_by("path")
        events = visible_signing_events(user).order_by("-date")
        self.filters["signing_event"].extra["widget"] = forms.Select(
            choices=[ANY, *((e.pk, f"{e.date:%Y-%m-%d} {e.name}") for e in events)]
        )
        officers = active_staff(user).order_by("display_name", "username")
        self.filters["officer"].extra["widget"] = forms.Select(choices=[ANY, *((u.pk, str(u)) for u in officers)])
        self.filters["status"].extra["widget"] = forms.CheckboxSelectMultiple
        self.filters["overdue"].extra["widget"] = forms.Select(
            choices=[ANY, ("true", _("有逾期")), ("false", _("无逾期"))]
        )
        self.filters["passed"].extra["empty_label"] = ANY[1]
        self.filters["passed"].label = _("已过阶段")
        for name in ("priority", "town", "leading_unit"):
            self.filters[name].extra["empty_label"] = ANY[1]
        self.filters["q"].label = _("搜索")
        self.filters["stage"].label = _("当前阶段")
        self.filters["industry_chain"].label = _("产业链")

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, field in form.fields.items():
                _style_filter_widget(field.widget)
                if name == "q":
                    field.widget.attrs["placeholder"] = _("项目名称、编号、投资方或信用代码")
        return self._form

    def bar_fields(self):
        return [self.form[name] for name in self.FILTER_BAR]


def _style_filter_widget(widget):
    if isinstance(widget, forms.CheckboxSelectMultiple):
        widget.attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.Select):
        widget.attrs["class"] = "form-select form-select-sm"
        widget.attrs.pop("maxlength", None)
    else:
        widget.attrs["class"] = "form-control form-control-sm"
    if isinstance(widget, forms.DateInput):
        widget.input_type = "date"
        widget.format = "%Y-%m-%d"


class ProjectForm(PageModelForm):
    """A project's facts. Choices are limited to what the user may use, as in the API."""

    class Meta:
        model = Project
        fields = [
            "name",
            "enterprise",
            "signing_event",
            "signed_on",
            "industry_chain",
            "town",
            "leading_unit",
            "source",
            "priority",
            "status",
            "officer",
            "team",
            "total_investment",
            "fixed_asset_investment",
            "registered_capital",
            "foreign_capital",
            "funds_in_place",
            "land_area",
            "land_supply_mode",
            "expected_annual_output",
            "expected_annual_tax",
            "expected_jobs",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "team": forms.SelectMultiple(attrs={"size": 5})}

    # Groups of fields as the page shows them, in cards.
    SECTIONS = (
        (_("基本信息"), ("name", "enterprise", "signing_event", "signed_on", "industry_chain", "source", "priority")),
        (_("落地与责任"), ("town", "leading_unit", "status", "officer", "team")),
        (
            _("投资与用地"),
            (
                "total_investment",
                "fixed_asset_investment",
                "registered_capital",
                "foreign_capital",
                "funds_in_place",
                "land_area",
                "land_supply_mode",
            ),
        ),
        (_("预期效益"), ("expected_annual_output", "expected_annual_tax", "expected_jobs", "notes")),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["enterprise"].queryset = visible_enterprises(user).order_by("name")
        # The select shows a few; the search box above it (htmx) finds the others. Any visible one validates.
        fields["enterprise"].widget.choices = EnterpriseChoices(fields["enterprise"], self["enterprise"].value())
        fields["signing_event"].queryset = visible_signing_events(user).order_by("-date")
        fields["town"].queryset = landing_areas().order_by("path")
        fields["leading_unit"].queryset = units_in_scope(user, promotion_bodies()).order_by("path")
        staff = active_staff(user).select_related("org_unit").order_by("display_name", "username")
        fields["officer"].queryset = staff
        fields["team"].queryset = staff
        fields["industry_chain"].queryset = IndustryChain.objects.all()
        fields["team"].help_text = _("按住 Ctrl（苹果电脑为 ⌘）可选择多人。")

    def _post_clean(self):
        # The service validates the model (and names what is wrong); the form only reads the input.
        pass

    def sections(self):
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS]


ENTERPRISE_OPTIONS = 50


def as_pk(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def enterprise_options(enterprises, *, selected=None, search: str = "") -> list:
    """Up to ENTERPRISE_OPTIONS of `enterprises` by name (matching `search` on name or USCC), the
    selected one first even when it does not match: one query."""
    matches = enterprises.order_by("name", "pk")
    search = (search or "").strip()
    if search:
        matches = matches.filter(Q(name__contains=search) | Q(uscc__contains=normalize_uscc(search)))
    shown = Q(pk__in=Subquery(matches.values("pk")[:ENTERPRISE_OPTIONS]))
    selected = as_pk(selected)
    if selected:
        shown |= Q(pk=selected)
    rows = sorted(enterprises.filter(shown), key=lambda e: (e.pk != selected, e.name, e.pk))
    return rows[: ENTERPRISE_OPTIONS + 1]


class EnterpriseChoices:
    """The investor select's options, read once and only when the select is drawn."""

    def __init__(self, field, selected):
        self.field, self.selected = field, selected

    @cached_property
    def enterprises(self):
        return enterprise_options(self.field.queryset, selected=self.selected)

    def __iter__(self):
        yield "", self.field.empty_label
        for enterprise in self.enterprises:
            yield enterprise.pk, self.field.label_from_instance(enterprise)


class ProjectEditForm(ProjectForm):
    """Editing keeps the leading unit and the officer: a manager changes those by transfer or reassignment."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["leading_unit"]
        del self.fields["officer"]
        self.fields["version"].initial = self.instance.version


class FinishStageForm(PageForm):
    finished_on = forms.DateField(label=_("实际完成日期"))
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SkipStageForm(PageForm):
    reason = forms.CharField(
        label=_("跳过原因"),
        max_length=200,
        error_messages={"required": _("跳过阶段必须说明原因。")},
        help_text=_("例如：租赁标准厂房，无供地环节。"),
    )


class DocumentForm(PageForm):
    kind = forms.ChoiceField(label=_("类别"), choices=ProjectDocument.Kind.choices, initial=ProjectDocument.Kind.OTHER)
    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("不填则使用文件名。"))
    file = forms.FileField(label=_("文件"))


# --- The project page's other actions --------------------------------------------------------


class StaffChoiceField(forms.TypedChoiceField):
    """A staff member from a list read once for the whole page (one query however many forms show it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class StaffChoiceForm(PageForm):
    staff_fields = ()

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        choices = [("", "---------"), *((user.pk, str(user)) for user in staff)]
        for name in self.staff_fields:
            self.fields[name].choices = choices

    def clean(self):
        data = super().clean()
        for name in self.staff_fields:
            if data.get(name) is not None:
                data[name] = self.staff[data[name]]
        return data


class StageEditForm(StaffChoiceForm):
    staff_fields = ("owner",)

    owner = StaffChoiceField(label=_("负责人"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenStageForm(PageForm):
    reason = forms.CharField(
        label=_("重新打开原因"),
        max_length=200,
        error_messages={"required": _("重新打开阶段必须说明原因。")},
    )


class ReassignForm(StaffChoiceForm):
    staff_fields = ("officer",)

    officer = StaffChoiceField(label=_("新的招商专员"), error_messages={"required": _("请选择新的招商专员。")})
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)


class TransferForm(PageForm):
    leading_unit = forms.ModelChoiceField(
        label=_("新的牵头单位"),
        queryset=promotion_bodies().order_by("path"),
        error_messages={"required": _("请选择新的牵头单位。")},
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)


class LandCommitmentForm(PageModelForm):
    """A land contract's commitments (the API's writable fields); the service validates and re-plans."""

    class Meta:
        model = LandCommitment
        fields = [
            "contract_no",
            "handed_over_on",
            "start_within_months",
            "complete_within_months",
            "production_within_months",
            "full_production_within_months",
            "committed_investment_intensity",
            "committed_output_per_mu",
            "committed_tax_per_mu",
        ]

    def _post_clean(self):
        pass  # the service validates the model


class LandActualForm(PageModelForm):
    class Meta:
        model = LandYearlyActual
        fields = ["year", "output", "tax", "jobs"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jobs"].validators.append(MaxValueValidator(10_000_000))

    def _post_clean(self):
        pass  # the service validates the model
