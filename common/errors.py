"""The answer to an error no view handled: 503 while the database is unreachable, 500 otherwise.

While PostgreSQL restarts (or the network to it drops), every request that reaches the database fails
with OperationalError or InterfaceError. That is not a fault of the request: it answers 503 with
Retry-After and a message to try again, and the next request after the database is back succeeds on
a new connection (CONN_HEALTH_CHECKS). The page is rendered without the request's context: building
the navigation would ask the database again.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error

RETRY_AFTER_SECONDS = 5


def database_unavailable(exception) -> bool:
    return isinstance(exception, (OperationalError, InterfaceError))


def server_error(request):
    """handler500: Django calls it inside the `except` of the failed request, so the error is at hand."""
    if not database_unavailable(sys.exc_info()[1]):
        return default_server_error(request)
    message = _("数据库暂时无法连接，请稍后重试。")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
