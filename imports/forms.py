"""The Excel upload form: what the file holds and the file itself; the checks are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import PageForm

from .models import ImportKind

KIND_CHOICES = [
    (ImportKind.PROJECTS, _("签约项目清单（招商项目）")),
    (ImportKind.ENTERPRISES, _("企业名录")),
]


class ImportUploadForm(PageForm):
    kind = forms.ChoiceField(label=_("导入内容"), choices=KIND_CHOICES, initial=ImportKind.PROJECTS)
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请使用导入模板的表头，保存为 .xlsx 格式。先校验全部行，确认无误后再导入。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
