"""Helpers every app's services share."""

from django.core.exceptions import ValidationError

from .exceptions import ServiceError

# django-simple-history keeps the reason in a CharField(max_length=100), which PostgreSQL enforces.
REASON_MAX_LENGTH = 100


def by_actor(instance, actor, reason: str = ""):
    """Tell django-simple-history who makes the next save of `instance`, and why (cut to fit: a
    reason may quote a file name or a person's words)."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason[:REASON_MAX_LENGTH]
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


def field_errors(instances, exclude=()) -> dict:
    """{index: ServiceError} as validate_model would raise for each of many new instances of one model,
    without a query per instance: foreign keys and unique fields are checked for all at once. The check
    constraints are left to the database when the rows are inserted (see errors_one_by_one)."""
    if not instances:
        return {}
    model = type(instances[0])
    foreign_keys = [f for f in model._meta.concrete_fields if f.is_relation and f.name not in exclude]
    unique = [f for f in model._meta.concrete_fields if f.unique and not f.primary_key and f.name not in exclude]
    excluded = [*exclude, *(f.name for f in foreign_keys)]
    errors = {}
    for index, instance in enumerate(instances):
        try:
            instance.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors[index] = dict(error.message_dict)
    for field in unique:
        _unique_errors(model, field, instances, errors)
    for field in foreign_keys:
        _foreign_key_errors(field, instances, errors)
    return {index: ServiceError(found) for index, found in errors.items()}


def _unique_errors(model, field, instances, errors):
    """A value stored already, or given to an earlier instance, is taken."""
    values = [getattr(instance, field.attname) for instance in instances]
    stored = model._default_manager.filter(**{f"{field.attname}__in": {v for v in values if v is not None}})
    taken = set(stored.values_list(field.attname, flat=True))
    first = {}
    for index, value in enumerate(values):
        if value is None or (value not in taken and first.setdefault(value, index) == index):
            continue
        message = instances[index].unique_error_message(model, (field.name,))
        errors.setdefault(index, {}).setdefault(field.name, []).extend(message.messages)


def _foreign_key_errors(field, instances, errors):
    """A blank key, or one naming a row that is not there (or not among the field's choices)."""
    values = {getattr(instance, field.attname) for instance in instances} - {None}
    target = field.remote_field
    existing = set(
        target.model._base_manager.filter(**{f"{target.field_name}__in": values})
        .complex_filter(field.get_limit_choices_to())
        .values_list(target.field_name, flat=True)
    )
    for index, instance in enumerate(instances):
        value = getattr(instance, field.attname)
        if value in existing:
            continue
        try:
            field.validate(value, instance)  # the usual message, whichever it is
        except ValidationError as error:
            errors.setdefault(index, {}).setdefault(field.name, []).extend(error.messages)


def errors_one_by_one(instances, exclude=()) -> dict:
    """{index: ServiceError} of validate_model on each instance alone: after the database refused a bulk
    insert, the instances that broke a rule (check constraints included)."""
    errors = {}
    for index, instance in enumerate(instances):
        try:
            validate_model(instance, exclude=exclude)
        except ServiceError as error:
            errors[index] = error
    return errors
