import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["database"] == "ok" and body["broker"] in ("ok", "unavailable")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from promotion import health

    monkeypatch.setattr(health, "_database_ok", lambda: False)
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    # The test database of SQLite is in memory, where WAL does not apply; check the settings instead.
    from django.conf import settings

    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_chinese_first_and_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


def test_debug_is_off_unless_set(monkeypatch):
    import importlib
    import os

    import promotion.settings as module

    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    try:
        assert importlib.reload(module).DEBUG is False
        monkeypatch.setenv("DEBUG", "1")
        assert importlib.reload(module).DEBUG is True
    finally:
        os.environ.setdefault("DEBUG", "1")
        importlib.reload(module)
