import os

import pytest

os.environ.setdefault("DEBUG", "1")


@pytest.fixture(autouse=True, scope="session")
def _own_task_queue():
    """Tasks sent by this test process go to a queue of its own: a live worker started by a test
    consumes it, and parallel test processes never pick up each other's tasks."""
    from tests.live import use_own_queue

    use_own_queue()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; PBKDF2's deliberate slowness is for production only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render in tests without a `collectstatic` manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Each test starts with empty rate-limit counters (ids repeat between tests)."""
    import uuid

    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4().hex}", {}))


@pytest.fixture
def on_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture
def migration_data_restored_after(django_db_setup, django_db_blocker):
    """Put back the rows the migrations create (calendar, stage types, categories, schedule) once a
    transactional test's flush has emptied the tables, so the tests after it in this process find them.
    Request it before the database fixtures: it is torn down after their flush."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def committed_db(migration_data_restored_after, transactional_db, django_db_serialized_rollback):
    """Database access whose writes are committed, so other connections (threads, a worker process) see
    them; the migrations' rows are there before and put back after. Request it instead of a
    `django_db(transaction=True)` mark, which would empty those tables for the tests that follow."""


@pytest.fixture
def live_worker(committed_db, tmp_path):
    """A real Celery worker on the test database (PostgreSQL) and Redis; the test starts it (and may kill
    and restart it). Skipped without PostgreSQL and REDIS_URL."""
    from tests.live import Worker, needs_live_services, purge_queue

    needs_live_services()
    purge_queue()
    worker = Worker(tmp_path, extra_env={})
    yield worker
    worker.stop()


@pytest.fixture
def eager_tasks():
    """Tasks run in the test's process when sent (Celery's eager mode), for unit tests only."""
    from promotion.celery import app

    app.conf.task_always_eager = True
    yield
    # Drop the override rather than set False, so the settings decide again.
    app.conf.changes.pop("task_always_eager", None)
