from django.contrib.auth import forms as auth_forms

from common.forms import StyledFormMixin


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass
