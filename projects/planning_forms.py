"""The filters of the planning pages (signing events, land commitments)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import PageForm


class SigningEventFilterForm(PageForm):
    q = forms.CharField(label=_("活动名称"), required=False, max_length=100)
    year = forms.IntegerField(label=_("年份"), required=False, min_value=1990, max_value=2100)


class LandCommitmentFilterForm(PageForm):
    BEHIND, ALL = "1", "0"

    q = forms.CharField(label=_("项目名称、编号或合同编号"), required=False, max_length=100)
    behind = forms.ChoiceField(
        label=_("显示"),
        required=False,
        choices=[(BEHIND, _("仅未达承诺")), (ALL, _("全部"))],
        initial=BEHIND,
    )

    def only_behind(self) -> bool:
        """On unless the user asks for all: the page is for the commitments that are behind."""
        return getattr(self, "cleaned_data", {}).get("behind") != self.ALL
