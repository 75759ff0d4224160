#!/bin/sh
# Entry point of every process of the deployment: the image runs it (docker/Dockerfile, compose), and
# so does a host without Docker (`docker/entrypoint.sh web` from a checkout with its virtualenv active).
#
#   web      apply migrations (MIGRATE_ON_START=1, the default), collect static files, start gunicorn
#   worker   start a Celery worker (WORKER_CONCURRENCY processes, default 2)
#   beat     start the Celery scheduler (keep exactly one)
#   other    run that command as it is (e.g. `python manage.py createsuperuser`)
#
# Several web replicas may start at once: on PostgreSQL the migration runs under an advisory lock, so
# one replica migrates and the others wait, then find nothing to do.
set -eu

cd "$(dirname "$0")/.."

migrate() {
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
}

role=${1:-web}
[ $# -gt 0 ] && shift
LOG_LEVEL=${LOG_LEVEL:-INFO}

case "$role" in
web)
    if [ "${MIGRATE_ON_START:-1}" = "1" ]; then migrate; fi
    # Already done in the image; repeated here (a second or so) for a host that runs from a checkout.
    python manage.py collectstatic --noinput --verbosity 0
    exec gunicorn promotion.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
worker)
    exec celery -A promotion worker --loglevel "$LOG_LEVEL" --concurrency "${WORKER_CONCURRENCY:-2}" "$@"
    ;;
beat)
    # The schedule lives in the database (django-celery-beat); the file only holds beat's own state.
    exec celery -A promotion beat --loglevel "$LOG_LEVEL" --schedule "${VAR_DIR:-var}/celerybeat-schedule" "$@"
    ;;
*)
    exec "$role" "$@"
    ;;
esac
