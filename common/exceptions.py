from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A rule of the domain refused a change; the message is for the person who tried it."""


class ItemsRefused(ServiceError):
    """Some of the items given to a service that writes many at once break a rule; `errors` maps their
    index to the ServiceError the one-at-a-time service would have raised. Nothing was written."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__([message for error in errors.values() for message in error.messages])


class PermissionDeniedError(Exception):
    """The actor may see the object but may not take this action on it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleVersionError(ServiceError):
    """The change was made on a copy older than the stored object."""
