"""The logging configuration: one line per event, with the request id of the request (or the task
started by it) that caused the event.

LOG_FORMAT=json (the default with DEBUG off) writes one JSON object per line for a log collector;
LOG_FORMAT=text writes readable lines for a developer's terminal.
"""


def logging_config(level: str, log_format: str) -> dict:
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "text": {"format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
            "celery_task": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
        },
        "formatters": {"default": formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id", "celery_task"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request log below says the same, with the request id and the user.
            "django.server": {"level": "WARNING"},
            "django_guid": {"level": "WARNING"},
        },
    }
