"""Forms of the pages: Bootstrap's classes on every widget, dates as the browser's date picker."""

from django import forms
from django.forms.renderers import TemplatesSetting


class PageFormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and not isinstance(widget, forms.DateTimeInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            if isinstance(widget, forms.RadioSelect):
                continue  # radio and checkbox lists: their wrapper takes the class too; app.css styles them
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class PageForm(StyledFormMixin, forms.Form):
    pass


class PageModelForm(StyledFormMixin, forms.ModelForm):
    pass
