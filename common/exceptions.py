from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A rule of the domain refused a change; the message is for the person who tried it."""


class PermissionDeniedError(Exception):
    """The actor may see the object but may not take this action on it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleVersionError(ServiceError):
    """The change was made on a copy older than the stored object."""
