"""Pieces every app's API shares."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import PermissionDeniedError


def exception_handler(exc, context):
    """Turn the services' errors into 400 and 403 answers with the message a person reads."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"detail": " ".join(str(m) for m in exc.messages), "errors": list(exc.messages)}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (PermissionDeniedError, DjangoPermissionDenied)):
        exc = exceptions.PermissionDenied(getattr(exc, "message", None) or str(exc) or None)
    return drf_exception_handler(exc, context)
