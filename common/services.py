"""Helpers every app's services share."""

from django.core.exceptions import ValidationError

from .exceptions import ServiceError


def by_actor(instance, actor, reason: str = ""):
    """Tell django-simple-history who makes the next save of `instance`, and why."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


def validate_model(instance, exclude=()):
    """Run the model's validation; its errors become a ServiceError with the same messages."""
    try:
        instance.full_clean(exclude=list(exclude) or None)
    except ValidationError as error:
        raise ServiceError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error


def check_version(locked, expected_version, message):
    """Refuse a change made on a copy older than the stored object."""
    from .exceptions import StaleVersionError

    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(message % {"current": locked.version, "yours": expected_version})
