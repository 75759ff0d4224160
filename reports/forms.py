from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import landing_areas
from common.forms import PageForm
from companies.models import IndustryChain


class DashboardFilterForm(PageForm):
    """The dashboard's selection: the signing year (or every year), the landing town, the industry chain."""

    year = forms.TypedChoiceField(label=_("签约年份"), required=False, coerce=int, empty_value=None)
    town = forms.ModelChoiceField(
        label=_("落地街镇"), queryset=landing_areas().order_by("path"), required=False, empty_label=_("全部街镇")
    )
    industry_chain = forms.ModelChoiceField(
        label=_("产业链"),
        queryset=IndustryChain.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("全部产业链"),
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部年份")), *((year, year) for year in years)]

    def selection(self) -> dict:
        """The valid filters only: a bad value is shown as an error and otherwise ignored."""
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in ("year", "town", "industry_chain")}
