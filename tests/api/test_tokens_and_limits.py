"""Tokens: stored hashed, expiring, revocable, issued by staff for enterprises; rate limits per token."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from .conftest import client_for

pytestmark = pytest.mark.django_db


def login(username, password):
    answer = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def token_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_tokens_are_stored_hashed_and_expire(world):
    world["ent_user"].set_password("ent-pass-12345")
    world["ent_user"].save()
    token = login("ent", "ent-pass-12345")
    stored = AuthToken.objects.get(user=world["ent_user"])
    assert token not in (stored.digest, stored.token_key) and stored.digest != token
    assert stored.expiry > timezone.now() + datetime.timedelta(days=29)
    assert token_client(token).get("/api/v1/service-requests/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert token_client(token).get("/api/v1/service-requests/").status_code == 401


def test_staff_issue_and_revoke_an_enterprise_integration_token(world):
    officer = client_for(world["officer"])
    issued = officer.post("/api/v1/auth/tokens/", {"user": world["ent_user"].pk, "days": 90}, format="json")
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token_client(token).get("/api/v1/me/").json()["username"] == "ent"
    listed = officer.get("/api/v1/auth/tokens/").json()["results"]
    key = next(t["id"] for t in listed if t["user"]["username"] == "ent")
    assert officer.delete(f"/api/v1/auth/tokens/{key}/").status_code == 204
    assert token_client(token).get("/api/v1/me/").status_code == 401

    outsider = client_for(world["other_officer"])
    refused = outsider.post("/api/v1/auth/tokens/", {"user": world["ent_user"].pk}, format="json")
    assert refused.status_code == 400 and "不在您的服务范围内" in refused.json()["user"][0]
    enterprise = client_for(world["ent_user"])
    assert enterprise.post("/api/v1/auth/tokens/", {"user": world["ent_user"].pk}, format="json").status_code == 403


def test_enterprise_clients_get_429_with_retry_after_beyond_their_rate(world, settings):
    assert int(settings.API_RATE_ENTERPRISE.split("/")[0]) >= 120
    settings.API_RATE_ENTERPRISE = "3/min"
    world["ent_user"].set_password("ent-pass-12345")
    world["ent_user"].save()
    client = token_client(login("ent", "ent-pass-12345"))
    answers = [client.get("/api/v1/service-requests/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0 and "detail" in answers[-1].json()
