"""Forms of the service-request pages: they declare fields and widgets; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import PageForm, PageModelForm
from companies.selectors import visible_enterprises
from projects.selectors import visible_projects

from .api.filters import ServiceRequestFilter
from .models import Category, ServiceRequest
from .selectors import assignable_staff

ORDERINGS = [
    ("", _("最新提交")),
    ("due_on", _("办理期限最近")),
    ("-updated_at", _("最近更新")),
    ("status", _("按状态")),
]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return _("%(name)s（%(days)d 个工作日内办结）") % {"name": category.name, "days": category.due_workdays}


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user}（{user.org_unit}）" if user.org_unit_id else str(user)


class RequestFilter(ServiceRequestFilter):
    """The API's filters with widgets for the page: enterprises and staff the user sees as choices."""

    def __init__(self, data=None, *args, user, staff=True, **kwargs):
        super().__init__(data, *args, **kwargs)
        fields = self.form.fields
        fields["q"].widget.attrs.update(placeholder=_("标题、描述或企业名称"), type="search")
        fields["status"].widget = forms.CheckboxSelectMultiple(
            choices=ServiceRequest.Status.choices, attrs={"class": "form-check-input"}
        )
        fields["ordering"].widget = forms.Select(choices=ORDERINGS)
        if staff:
            categories = [("", _("全部类别"))] + list(Category.objects.values_list("code", "name"))
            fields["category"].widget = forms.Select(choices=categories)
            enterprises = visible_enterprises(user).order_by("name").values_list("pk", "name")
            fields["enterprise"].widget = forms.Select(choices=[("", _("全部企业")), *enterprises])
            assignees = [(person.pk, str(person)) for person in assignable_staff(user).order_by("username")]
            fields["assignee"].widget = forms.Select(choices=[("", _("全部承办人")), *assignees])
        for field in fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs["class"] = css


class RequestCreateForm(PageModelForm):
    """Filing a request; staff choose the enterprise among those they see, an enterprise user files for itself."""

    file = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("可选：pdf、jpg、png、docx、xlsx、pptx、doc、xls 或 txt"),
    )

    class Meta:
        model = ServiceRequest
        fields = ["enterprise", "category", "project", "title", "description"]
        field_classes = {"category": CategoryChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_enterprise_user:
            del self.fields["enterprise"]
        else:
            enterprise = self.fields["enterprise"]
            enterprise.queryset = visible_enterprises(user).order_by("name")
            # The service says when it is missing, in its own words.
            enterprise.required = False
        self.fields["category"].queryset = Category.objects.order_by("order", "id")
        self.fields["category"].empty_label = None
        self.fields["project"].queryset = visible_projects(user).order_by("name")
        self.fields["project"].empty_label = _("（不关联项目）")
        self.fields["project"].help_text = _("可选：与诉求相关的项目，须属于该企业。")

    def _post_clean(self):
        # Model validation belongs to the service (submit_request), which knows the enterprise and due date.
        pass


class CommentForm(PageForm):
    body = forms.CharField(label=_("留言"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    is_internal = forms.BooleanField(label=_("内部备注（仅政府工作人员可见）"), required=False)

    def __init__(self, *args, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["is_internal"]


class AcceptForm(PageForm):
    pass


class CloseForm(PageForm):
    pass


class AssignForm(PageForm):
    assignee = StaffChoiceField(label=_("承办人"), queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_staff(user).select_related("org_unit").order_by("username")


class ReplyForm(PageForm):
    # Not required here: the service says what is missing, in its own words.
    reply = forms.CharField(
        label=_("答复内容"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveForm(PageForm):
    reply = forms.CharField(
        label=_("办理答复"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("留空则沿用已有答复。"),
    )


class RejectForm(PageForm):
    reason = forms.CharField(
        label=_("不予受理原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingRadioSelect(forms.RadioSelect):
    template_name = "servicerequests/widgets/rating.html"


class RateForm(PageForm):
    rating = forms.TypedChoiceField(
        label=_("评价"), choices=ServiceRequest.Rating.choices, coerce=int, widget=RatingRadioSelect
    )
    comment = forms.CharField(
        label=_("评价意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(PageForm):
    file = forms.FileField(label=_("上传附件"), help_text=_("pdf、jpg、png、docx、xlsx、pptx、doc、xls 或 txt"))
