from django.core.exceptions import PermissionDenied
from django.views.defaults import permission_denied

from .exceptions import PermissionDeniedError


class ServicePermissionMiddleware:
    """A service that refuses an action on a page answers with the permission page, its message on it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDeniedError) and not request.path.startswith("/api/"):
            return permission_denied(request, PermissionDenied(exception.message))
        return None
