"""The deployment of docker/ without Docker: docker/entrypoint.sh starts gunicorn (after migrate and
collectstatic), a Celery worker and the scheduler with DEBUG off, on PostgreSQL and Redis; a client
goes through it as nginx would forward it (X-Forwarded-Proto: https)."""

import re
import subprocess
import sys

import pytest

from reliability.services import wait_until
from reliability.stack import ROOT, json_lines

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def some_project(api, stack):
    return api.get(f"{stack.base_url}/api/v1/projects/", params={"page_size": 1}, timeout=30).json()["results"][0]


def test_healthz_reports_the_database_and_the_redis_broker(stack):
    answer = stack.healthz()
    assert answer.status_code == 200
    assert answer.json() == {"database": "ok", "broker": "ok", "broker_kind": "redis"}
    assert {"web", "worker", "beat"} <= {role for role, process in stack.processes.items() if process.poll() is None}


def test_pages_carry_the_security_headers_and_plain_http_is_sent_to_https(stack):
    page = stack.session().get(f"{stack.base_url}/accounts/login/", timeout=30)
    assert page.status_code == 200
    headers = page.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])

    plain = stack.session()
    del plain.headers["X-Forwarded-Proto"]
    redirected = plain.get(f"{stack.base_url}/accounts/login/", allow_redirects=False, timeout=30)
    assert redirected.status_code == 301 and redirected.headers["Location"].startswith("https://")


def test_static_files_are_served_by_the_web_process_with_hashed_names(stack):
    page = stack.session().get(f"{stack.base_url}/accounts/login/", timeout=30).text
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)
    served = stack.session().get(f"{stack.base_url}{stylesheet}", timeout=30)
    assert served.status_code == 200 and ".htmx-indicator" in served.text
    assert "max-age=315360000" in served.headers["Cache-Control"]


def test_login_needs_the_csrf_token_and_the_cookies_are_secure(stack):
    browser = stack.session()
    login_url = f"{stack.base_url}/accounts/login/"
    form = browser.get(login_url, timeout=30)
    csrf_cookie = next(c for c in browser.cookies if c.name == "csrftoken")
    assert csrf_cookie.secure

    forged = stack.session().post(login_url, data={"username": "officer", "password": "jiading-demo"}, timeout=30)
    assert forged.status_code == 403

    # The client speaks plain HTTP to gunicorn (nginx's side of TLS), so the Secure cookie goes by hand.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    signed_in = stack.session().post(
        login_url,
        data={"username": "officer", "password": "jiading-demo", "csrfmiddlewaretoken": token},
        cookies={"csrftoken": csrf_cookie.value},
        headers={"Referer": f"https://127.0.0.1:{stack.web_port}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
    session_cookie = signed_in.headers["Set-Cookie"]
    assert "sessionid=" in session_cookie and "Secure" in session_cookie and "HttpOnly" in session_cookie


def test_a_write_is_logged_with_its_request_id_and_the_task_it_sends_carries_it(stack, officer_api):
    sample = some_project(officer_api, stack)
    created = officer_api.post(
        f"{stack.base_url}/api/v1/projects/",
        json={
            "name": "部署检查用新能源项目",
            "enterprise": sample["enterprise"],
            "leading_unit": sample["leading_unit"],
            "town": sample["town"],
            "total_investment": "1234.50",
            "signed_on": "2026-03-02",
            "industry_chain": "auto",
        },
        headers={"X-Request-ID": "0f6b1c0c4b9e4d7a8e2f5a6b7c8d9e0f"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-ID"] == "0f6b1c0c4b9e4d7a8e2f5a6b7c8d9e0f"
    detail = officer_api.get(f"{stack.base_url}/api/v1/projects/{created.json()['id']}/", timeout=30).json()
    assert detail["name"] == "部署检查用新能源项目" and detail["total_investment"] == "1234.50"

    request_log = [
        line for line in json_lines(stack.log("web")) if line.get("request_id") == "0f6b1c0c4b9e4d7a8e2f5a6b7c8d9e0f"
    ]
    assert any(
        line["logger"] == "promotion.requests" and line["status"] == 201 and line["user_id"] and line["duration_ms"] > 0
        for line in request_log
    ), request_log

    export = officer_api.post(
        f"{stack.base_url}/api/v1/exports/",
        json={"kind": "projects", "filters": {"q": "部署检查用"}},
        headers={"X-Request-ID": "1a2b3c4d5e6f40718293a4b5c6d7e8f9"},
        timeout=30,
    )
    assert export.status_code == 202, export.text
    job_url = f"{stack.base_url}/api/v1/exports/{export.json()['id']}/"
    wait_until(lambda: officer_api.get(job_url, timeout=30).json()["state"] == "done", 60, "the export")
    download = officer_api.get(stack.base_url + officer_api.get(job_url, timeout=30).json()["download_url"], timeout=30)
    assert download.status_code == 200 and download.content[:2] == b"PK"
    worker_lines = [
        line for line in json_lines(stack.log("worker")) if line.get("request_id") == "1a2b3c4d5e6f40718293a4b5c6d7e8f9"
    ]
    assert any("succeeded" in line["message"] for line in worker_lines), worker_lines


def test_check_deploy_has_nothing_to_say_with_the_production_settings(stack):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
