"""The notification settings page: channels, reminder lead times and the weekly report."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import PageForm

from .models import LEAD_DAYS_DEFAULT, WEEKLY_REPORT_ROLES, Channel
from .selectors import offered_channels

# Commas (half or full width), the Chinese enumeration comma, semicolons or spaces between the numbers.
LEAD_DAYS_SEPARATORS = re.compile(r"[,，、;；\s]+")


def lead_days_text(days) -> str:
    return ",".join(str(day) for day in days)


class PreferencesForm(PageForm):
    channels = forms.MultipleChoiceField(
        label=_("同时通过以下渠道通知我"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("站内通知始终开启。邮件需要账户登记了邮箱，群机器人需要所在单位配置了机器人。"),
    )
    lead_days = forms.CharField(
        label=_("到期前提醒（工作日）"),
        required=False,
        max_length=100,
        help_text=_("到期前几个工作日提醒，用逗号分隔，如 5,1：最多 5 个，每个 0 到 30；留空则只在逾期时提醒。"),
    )
    weekly_report = forms.BooleanField(label=_("订阅每周推进报告"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (channel, Channel(channel).label) for channel in offered_channels(user) if channel != Channel.IN_APP
        ]
        self.fields["lead_days"].widget.attrs["placeholder"] = lead_days_text(LEAD_DAYS_DEFAULT)
        if user.role not in WEEKLY_REPORT_ROLES:
            del self.fields["weekly_report"]

    def clean_lead_days(self):
        text = self.cleaned_data["lead_days"].strip()
        parts = [part for part in LEAD_DAYS_SEPARATORS.split(text) if part]
        try:
            return [int(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                _("请填写以逗号分隔的工作日天数（整数），例如 5,1。"), code="not_integers"
            ) from None

    def service_arguments(self) -> dict:
        """What update_preferences takes; the weekly report only for those who may subscribe."""
        data = self.cleaned_data
        arguments = {"channels": [Channel.IN_APP, *data["channels"]], "lead_days": data["lead_days"]}
        if "weekly_report" in self.fields:
            arguments["weekly_report"] = data["weekly_report"]
        return arguments
