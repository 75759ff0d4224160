import datetime as dt

import pytest
from django.urls import reverse

from workdays.calendar import count_workdays, is_workday
from workdays.models import CalendarYear, SpecialDay


@pytest.fixture
def admin_client(client, django_user_model, settings):
    # Rendering pages needs no collected static files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    user = django_user_model.objects.create_superuser(username="calendar-admin", password="x", role="admin")
    client.force_login(user)
    return client


def test_an_admin_edit_changes_the_answer_at_once(admin_client):
    day = SpecialDay.objects.get(date=dt.date(2026, 10, 7))
    assert not is_workday(day.date)
    response = admin_client.post(
        reverse("admin:workdays_specialday_change", args=[day.pk]),
        {"date": "2026-10-07", "kind": "workday", "name": "调整"},
    )
    assert response.status_code == 302
    assert is_workday(day.date)
    assert count_workdays(dt.date(2026, 10, 1), dt.date(2026, 10, 31)).workdays == 19


def test_an_admin_can_add_and_delete_a_holiday(admin_client):
    response = admin_client.post(
        reverse("admin:workdays_specialday_add"), {"date": "2026-12-31", "kind": "holiday", "name": "区庆"}
    )
    assert response.status_code == 302
    assert not is_workday(dt.date(2026, 12, 31))
    day = SpecialDay.objects.get(date=dt.date(2026, 12, 31))
    admin_client.post(reverse("admin:workdays_specialday_delete", args=[day.pk]), {"post": "yes"})
    assert is_workday(dt.date(2026, 12, 31))


def test_publishing_a_year_in_the_admin_ends_provisional_answers(admin_client):
    from workdays.calendar import add_workdays

    assert add_workdays(dt.date(2027, 3, 10), 1).provisional
    year = CalendarYear.objects.get(year=2027)
    admin_client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "mark_published", "_selected_action": [year.pk]},
    )
    assert not add_workdays(dt.date(2027, 3, 10), 1).provisional


@pytest.mark.parametrize(
    "url",
    [
        "admin:workdays_specialday_changelist",
        "admin:workdays_calendaryear_changelist",
        "admin:workdays_specialday_add",
    ],
)
def test_admin_pages_render(admin_client, url):
    assert admin_client.get(reverse(url)).status_code == 200


def test_admin_list_filters_render(admin_client):
    url = reverse("admin:workdays_specialday_changelist")
    response = admin_client.get(url, {"kind": "workday", "year": "2026", "q": "春节"})
    assert response.status_code == 200
    assert "2026年2月14日" in response.content.decode() or "2026-02-14" in response.content.decode()
    assert admin_client.get(url, {"date__year": "2026", "date__month": "10"}).status_code == 200
