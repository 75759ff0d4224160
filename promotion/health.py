from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        return False


def _broker_ok():
    from promotion.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    body = {
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
        "broker_kind": "redis" if settings.REDIS_URL else "embedded",
    }
    return JsonResponse(body, status=200 if database else 503)
