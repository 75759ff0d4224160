"""What a request gets while a service behind the web is away: the cache on Redis (the rate limits
fail open), the database (503 and a message to try again, never a 500), and the broker (a periodic
task that fell due meanwhile is sent once it is back)."""

from types import SimpleNamespace

import pytest
from celery.beat import SchedulingError
from django.contrib.auth.views import LoginView
from django.db import OperationalError
from rest_framework.throttling import SimpleRateThrottle

from accounts.api.views import MeView
from accounts.models import Role
from common.beat import DatabaseScheduler
from common.cache import FailOpenRedisCache
from promotion.celery import app
from reliability.services import free_port
from tests import factories as f
from tests.api.conftest import client_for


@pytest.fixture
def officer(db):
    return f.user("officer_a", org_unit=f.unit("安亭镇"))


@pytest.fixture
def enterprise_user(db):
    anting = f.unit("安亭镇")
    enterprise = f.enterprise("安亭样例汽车零部件有限公司", town=anting)
    return f.user("ent", role=Role.ENTERPRISE, enterprise=enterprise, org_unit=None)


@pytest.fixture
def redis_away(monkeypatch):
    """The rate limits' cache on a Redis that is not there."""
    cache = FailOpenRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)
    return cache


def test_while_redis_is_away_the_cache_misses_and_keeps_nothing(redis_away):
    redis_away.set("slot", 1)
    assert redis_away.get("slot", "missing") == "missing"
    assert redis_away.get_many(["slot"]) == {}
    assert redis_away.add("slot", 1) is True
    with pytest.raises(ValueError):
        redis_away.incr("slot")


def test_while_redis_is_away_api_requests_are_served_without_rate_limits(enterprise_user, settings, redis_away):
    settings.API_RATE_ENTERPRISE = "1/min"
    client = client_for(enterprise_user)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]


def database_away(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1" failed: Connection refused')


def test_an_api_request_that_finds_the_database_away_gets_503_and_a_message_to_retry(officer, monkeypatch):
    monkeypatch.setattr(MeView, "get", database_away)
    client = client_for(officer)
    client.raise_request_exception = False
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer.json() == {"detail": "数据库暂时无法连接，请稍后重试。", "code": "database_unavailable"}


def test_a_page_that_finds_the_database_away_gets_503_and_a_message_to_retry(client, monkeypatch):
    monkeypatch.setattr(LoginView, "get", database_away)
    client.raise_request_exception = False
    answer = client.get("/accounts/login/")
    assert answer.status_code == 503
    assert "数据库暂时无法连接，请稍后重试。" in answer.content.decode()


def test_any_other_unhandled_error_is_still_a_500(officer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(MeView, "get", broken)
    client = client_for(officer)
    client.raise_request_exception = False
    assert client.get("/api/v1/me/").status_code == 500


def test_a_periodic_task_due_while_the_broker_is_away_is_sent_once_when_it_is_back(db):
    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler._finalize.cancel()  # nothing to write back at exit
    broker = SimpleNamespace(up=False, sent=[])

    def apply_async(entry, producer=None, advance=True, **kwargs):
        if not broker.up:
            raise SchedulingError(f"Couldn't apply scheduled task {entry.name}: Connection refused")
        broker.sent.append(entry.name)

    scheduler.apply_async = apply_async
    scheduler.apply_entry(SimpleNamespace(name="每日到期提醒", task="reminders.tasks.daily_sweep"))
    scheduler.send_unsent()
    assert broker.sent == []

    broker.up = True
    scheduler.send_unsent()
    scheduler.send_unsent()
    assert broker.sent == ["每日到期提醒"]
