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
def live_worker(transactional_db, django_db_serialized_rollback, tmp_path):
    """A real Celery worker on the test database (PostgreSQL) and Redis; the test starts it (and may kill
    and restart it). Skipped without PostgreSQL and REDIS_URL."""
    from tests.live import Worker, needs_live_services, purge_queue

    needs_live_services()
    purge_queue()
    worker = Worker(tmp_path, extra_env={})
    yield worker
    worker.stop()
