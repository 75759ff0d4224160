import pytest
from django.urls import reverse
from rest_framework.test import APIClient


@pytest.fixture
def client():
    return APIClient()


def _add(client, **params):
    return client.get(reverse("workdays-add"), params)


def _count(client, **params):
    return client.get(reverse("workdays-count"), params)


def test_add_without_logging_in(client):
    response = _add(client, start="2026-02-13", days="2")
    assert response.status_code == 200
    assert response.json() == {"date": "2026-02-24", "provisional": False}


def test_add_in_an_unpublished_year(client):
    assert _add(client, start="2027-09-30", days="1").json() == {"date": "2027-10-04", "provisional": True}


def test_count_without_logging_in(client):
    response = _count(client, start="2026-10-01", end="2026-10-31")
    assert response.status_code == 200
    assert response.json() == {"workdays": 18, "provisional": False}


def test_a_bad_session_or_token_does_not_matter(client):
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert _count(client, start="2026-01-01", end="2026-12-31").json() == {"workdays": 248, "provisional": False}


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"days": "1"}, "start", "请提供日期"),
        ({"start": "2026-02-30", "days": "1"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "26-1-5", "days": "1"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "2026-01-05T00:00", "days": "1"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "20260105", "days": "1"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "1899-12-31", "days": "1"}, "start", "1900-01-01 至 2200-12-31"),
        ({"start": "2201-01-01", "days": "1"}, "start", "1900-01-01 至 2200-12-31"),
        ({"start": "2026-01-05"}, "days", "请提供工作日天数"),
        ({"start": "2026-01-05", "days": "abc"}, "days", "应为整数"),
        ({"start": "2026-01-05", "days": "1.5"}, "days", "应为整数"),
        ({"start": "2026-01-05", "days": "-1"}, "days", "不能为负数"),
        ({"start": "2026-01-05", "days": "3651"}, "days", "不能超过 3650"),
        ({"start": "2026-01-05", "days": "9" * 2000}, "days", "过大"),
    ],
)
def test_add_bad_input(client, params, field, message):
    response = _add(client, **params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_days_limit_follows_the_setting(client, settings):
    settings.WORKDAYS_MAX_DAYS = 10
    assert _add(client, start="2026-01-05", days="10").status_code == 200
    assert "不能超过 10" in _add(client, start="2026-01-05", days="11").json()["days"][0]


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"end": "2026-01-05"}, "start", "请提供日期"),
        ({"start": "2026-01-05"}, "end", "请提供日期"),
        ({"start": "2026-13-01", "end": "2026-12-31"}, "start", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "2026-01-01", "end": "2026-12-31x"}, "end", "日期格式应为 YYYY-MM-DD。"),
        ({"start": "2026-02-01", "end": "2026-01-31"}, "end", "开始日期不能晚于结束日期。"),
        ({"start": "1900-01-01", "end": "2100-12-31"}, "end", "不能超过 100 年"),
        ({"start": "2000-01-01", "end": "9999-12-31"}, "end", "1900-01-01 至 2200-12-31"),
    ],
)
def test_count_bad_input(client, params, field, message):
    response = _count(client, **params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_the_longest_range_allowed(client):
    response = _count(client, start="2100-01-01", end="2199-12-31")
    assert response.status_code == 200
    assert response.json()["provisional"] is True


def test_the_latest_start_with_the_most_days(client):
    response = _add(client, start="2200-12-31", days="3650")
    assert response.status_code == 200
    assert response.json()["provisional"] is True


def test_openapi_schema_documents_the_endpoints(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="schema-reader", password="x", role="admin")
    client.force_authenticate(user)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    add = schema["paths"]["/api/v1/workdays/add/"]["get"]
    assert {p["name"] for p in add["parameters"]} == {"start", "days"}
    assert {"200", "400"} <= set(add["responses"])
    count = schema["paths"]["/api/v1/workdays/count/"]["get"]
    assert {p["name"] for p in count["parameters"]} == {"start", "end"}
    assert set(schema["components"]["schemas"]["WorkdaysCountResult"]["properties"]) == {"workdays", "provisional"}
