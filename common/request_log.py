"""One structured log line per request: method, path, status, time taken and who asked. The request id
(django-guid) goes into the line through the logging filter and back to the client as X-Request-ID."""

import logging
import time

from django.db import DatabaseError

logger = logging.getLogger("promotion.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path != "/healthz":
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
        return response


def _user_id(request):
    """The signed-in user's id; None when there is none, or when the database that knows is away."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None
