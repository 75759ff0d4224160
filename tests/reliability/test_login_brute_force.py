"""Guessing passwords: the site's login page, the admin's and the API's lock an account out.

After AXES_FAILURE_LIMIT wrong passwords for an account from one address, the right password is
refused too, on every login, with the Chinese lockout message and no session, until the cool-off
ends. The lock is per account and address (a town office shares one address: a colleague is not
locked out), and forged X-Forwarded-For or User-Agent headers do not buy fresh attempts. The API's
own lockout test is tests/api/test_projects_api.py; here the other logins and what they share.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # tests/factories.py
LOCKED = "登录失败次数过多"
OFFICE, ELSEWHERE = "10.20.30.40", "10.99.0.7"


@pytest.fixture
def people(db):
    anting = f.unit("安亭镇")
    return {
        "officer": f.user("brute_officer", org_unit=anting),
        "colleague": f.user("brute_colleague", org_unit=anting),
        "admin": f.user("brute_admin", role=Role.ADMIN, org_unit=None, is_staff=True, is_superuser=True),
    }


class Login:
    """One way in: send a username and password, and tell whether it let the person in."""

    def __init__(self, kind: str, address: str = OFFICE, **headers):
        self.kind, self.client = kind, Client(REMOTE_ADDR=address, **headers)

    def attempt(self, username: str, password: str, **headers):
        if self.kind == "page":
            return self.client.post("/accounts/login/", {"username": username, "password": password}, **headers)
        if self.kind == "admin":
            data = {"username": username, "password": password, "next": "/admin/"}
            return self.client.post("/admin/login/", data, **headers)
        return self.client.post(
            "/api/v1/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
            **headers,
        )

    def let_in(self, response) -> bool:
        if self.kind == "api":
            return response.status_code == 200 and "token" in response.json()
        return response.status_code == 302 and "_auth_user_id" in self.client.session

    def locked_out(self, response) -> bool:
        text = response.json()["detail"] if self.kind == "api" else response.content.decode()
        return response.status_code == 429 and LOCKED in text and int(response["Retry-After"]) > 0


def fail_times(login: Login, username: str, times: int, **headers):
    """Wrong passwords: each told so (the page again, a 400), the one reaching the limit locked out."""
    for _ in range(times):
        response = login.attempt(username, "wrong-password", **headers)
        assert response.status_code in (200, 400) or login.locked_out(response), response.status_code


@pytest.mark.parametrize("kind", ["page", "admin"])
def test_after_the_limit_the_right_password_is_refused_too(kind, people):
    user = people["admin"] if kind == "admin" else people["officer"]
    login = Login(kind)
    fail_times(login, user.username, django_settings.AXES_FAILURE_LIMIT)

    response = login.attempt(user.username, PASSWORD)

    assert login.locked_out(response)
    assert "_auth_user_id" not in login.client.session
    home = "/admin/" if kind == "admin" else "/projects/"
    assert login.client.get(home)["Location"].startswith(("/accounts/login/", "/admin/login/"))


def test_failures_on_every_login_count_together(people):
    """Two on the page, two on the admin, one on the API: the account is locked on all three."""
    username = people["admin"].username
    fail_times(Login("page"), username, 2)
    fail_times(Login("admin"), username, 2)
    fail_times(Login("api"), username, django_settings.AXES_FAILURE_LIMIT - 4)

    for kind in ("page", "admin", "api"):
        login = Login(kind)
        response = login.attempt(username, PASSWORD)
        assert login.locked_out(response), kind
        assert not login.let_in(response), kind


def test_the_lock_holds_for_the_account_at_that_address_only(people):
    login = Login("page")
    fail_times(login, people["officer"].username, django_settings.AXES_FAILURE_LIMIT)
    assert login.locked_out(login.attempt(people["officer"].username, PASSWORD))

    colleague = Login("page")  # the same office address
    assert colleague.let_in(colleague.attempt(people["colleague"].username, PASSWORD))
    away = Login("page", address=ELSEWHERE)
    assert away.let_in(away.attempt(people["officer"].username, PASSWORD))


def test_forged_headers_buy_no_fresh_attempts(people):
    login = Login("page")
    username = people["officer"].username
    for number in range(django_settings.AXES_FAILURE_LIMIT):
        fail_times(login, username, 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}", HTTP_USER_AGENT=f"Agent/{number}")

    response = login.attempt(username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1", HTTP_USER_AGENT="Fresh/1.0")

    assert login.locked_out(response)


def test_an_unknown_account_is_answered_and_locked_like_a_known_one(people):
    """Neither the answer to a wrong password nor the lockout tells whether the account exists."""
    known, unknown = Login("page"), Login("page", address=ELSEWHERE)
    first_known = known.attempt(people["officer"].username, "wrong-password")
    first_unknown = unknown.attempt("nobody_here", "wrong-password")
    assert first_known.status_code == first_unknown.status_code == 200
    assert _form_errors(first_known) == _form_errors(first_unknown) != ""

    fail_times(unknown, "nobody_here", django_settings.AXES_FAILURE_LIMIT - 1)
    assert unknown.locked_out(unknown.attempt("nobody_here", "anything"))


def _form_errors(response) -> str:
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def test_the_lock_ends_after_the_cool_off(people):
    login = Login("page")
    username = people["officer"].username
    fail_times(login, username, django_settings.AXES_FAILURE_LIMIT)
    assert login.locked_out(login.attempt(username, PASSWORD))

    cooled = timezone.now() - django_settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    AccessAttempt.objects.filter(username=username).update(attempt_time=cooled)

    assert login.let_in(login.attempt(username, PASSWORD))


def test_a_success_before_the_limit_starts_the_count_again(people):
    username = people["officer"].username
    for _round in range(3):
        login = Login("page")
        fail_times(login, username, django_settings.AXES_FAILURE_LIMIT - 1)
        assert login.let_in(login.attempt(username, PASSWORD))


def test_the_token_login_rate_limit_counts_per_client_address(settings, people):
    """Password spraying (one guess for each of many accounts) slips under the per-account lock; the
    API's login rate limit is what bounds it, per client address."""
    settings.API_RATE_LOGIN = "5/min"
    login = Login("api")
    answers = [login.attempt(f"sprayed_{number}", "guess").status_code for number in range(6)]
    assert answers == [400] * 5 + [429]


def test_a_forged_forwarded_for_header_does_not_escape_the_login_rate_limit(settings, people):
    settings.API_RATE_LOGIN = "5/min"
    login = Login("api")
    answers = [
        login.attempt(f"sprayed_{number}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}").status_code
        for number in range(6)
    ]
    assert answers[-1] == 429


@pytest.fixture
def behind_one_proxy(settings):
    """As in docker/: nginx appends the address it saw to X-Forwarded-For; REMOTE_ADDR is nginx's."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def through_nginx(seen_by_nginx: str, forged: str = "") -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"{forged}, {seen_by_nginx}" if forged else seen_by_nginx}


def test_behind_the_proxy_the_rate_limit_counts_the_address_the_proxy_saw(settings, people, behind_one_proxy):
    settings.API_RATE_LOGIN = "5/min"
    login = Login("api", address="172.18.0.5")
    answers = [
        login.attempt(f"sprayed_{n}", "guess", **through_nginx(OFFICE, forged=f"203.0.113.{n}")).status_code
        for n in range(6)
    ]
    assert answers == [400] * 5 + [429]
    elsewhere = login.attempt("sprayed_x", "guess", **through_nginx(ELSEWHERE))
    assert elsewhere.status_code == 400


def test_behind_the_proxy_a_lockout_is_per_client_address_not_the_proxys(people, behind_one_proxy):
    username = people["officer"].username
    attacker = Login("page", address="172.18.0.5")
    fail_times(attacker, username, django_settings.AXES_FAILURE_LIMIT, **through_nginx("198.51.100.9", forged=OFFICE))
    assert attacker.locked_out(attacker.attempt(username, PASSWORD, **through_nginx("198.51.100.9")))

    officer = Login("page", address="172.18.0.5")
    assert officer.let_in(officer.attempt(username, PASSWORD, **through_nginx(OFFICE)))


@pytest.mark.parametrize("kind", ["page", "admin"])
def test_password_spraying_on_the_pages_meets_the_login_rate_limit(settings, people, kind):
    """One guess at each of many accounts never trips a per-account lock; the address's login budget,
    shared with the token login, stops it, and then stops the right password too."""
    settings.API_RATE_LOGIN = "5/min"
    Login("api").attempt("sprayed_api", "guess")
    login = Login(kind)
    for number in range(4):
        assert "登录尝试过于频繁" not in login.attempt(f"sprayed_{number}", "guess").content.decode()

    refused = login.attempt(people["admin"].username, PASSWORD)
    assert refused.status_code == 200 and "登录尝试过于频繁" in refused.content.decode()
    assert not login.let_in(refused)

    elsewhere = Login(kind, address=ELSEWHERE)
    assert elsewhere.let_in(elsewhere.attempt(people["admin"].username, PASSWORD))
