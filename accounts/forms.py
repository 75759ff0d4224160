from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.forms import StyledFormMixin

from .api.throttles import LoginRateThrottle


class LoginRateLimitMixin:
    """Logins from one client address share one budget (API_RATE_LOGIN) across the token login, the
    site's login page and the admin's: trying one password on many accounts is bounded everywhere,
    where the lockout (django-axes) only bounds the guesses at one account."""

    def clean(self):
        throttle = LoginRateThrottle()
        if not throttle.allow_request(self.request, None):
            raise ValidationError(
                _("登录尝试过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": max(int(throttle.wait() or 1), 1)},
                code="login_rate",
            )
        return super().clean()


class LoginForm(LoginRateLimitMixin, StyledFormMixin, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(LoginRateLimitMixin, AdminAuthenticationForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass
