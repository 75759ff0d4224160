"""What every page shares: who may open it, how a service's refusal reaches the form, and lists."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from accounts.selectors import is_staff_member

from .exceptions import ServiceError

PAGE_SIZES = (25, 50, 100)


class StaffRequiredMixin(LoginRequiredMixin):
    """Pages for government staff; an enterprise user who opens one sees the permission page."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff_member(request.user):
            raise PermissionDenied(_("该页面仅供招商和服务人员使用。"))
        return super().dispatch(request, *args, **kwargs)


def staff_required(view):
    """The function-view form of StaffRequiredMixin."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied(_("该页面仅供招商和服务人员使用。"))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def add_service_error(form, error: ServiceError) -> None:
    """Put a service's refusal on the form: field messages beside their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target if field != NON_FIELD_ERRORS else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def run_service(form, service, **kwargs):
    """Call `service(**kwargs)`; on a ServiceError put its messages on `form` and return None."""
    try:
        return service(**kwargs)
    except ServiceError as error:
        add_service_error(form, error)
        return None


def paginate(request, queryset, default_size: int = 25):
    """A page of `queryset` by `page` and `page_size`; out-of-range pages show the last one."""
    try:
        size = int(request.GET.get("page_size", default_size))
    except ValueError:
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))
