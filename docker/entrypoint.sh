#!/bin/sh
# Entry point of the image: optionally apply migrations, then run the command (gunicorn, celery...).
#
# MIGRATE_ON_START=1 runs `manage.py migrate` before the command. Several web replicas may start at
# once: on PostgreSQL the migration runs under an advisory lock, so one replica migrates and the
# others wait, then find nothing to do.
set -eu

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    echo "entrypoint: applying migrations"
    python manage.py shell --no-imports -c '
from django.core.management import call_command
from django.db import connection

LOCK = 742300119  # any constant shared by all replicas
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        call_command("migrate", interactive=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
else:
    call_command("migrate", interactive=False)
'
fi

exec "$@"
