"""Fault drills on the production stack (reliability/faults.py), each under a small load of API reads
and writes: Redis stopped, the Celery worker killed in the middle of an import, PostgreSQL restarted.
Nothing acknowledged may be lost or done twice, and no request may be answered 500.

The quick drills (the default) stop Redis for 10 s and run the recovery on short timings (a job is
presumed lost after 15 s, the recovery tasks run every 10 s); RELIABILITY_SCALE=full stops Redis for
30 s and keeps the production timings (2 minutes each), so those drills take minutes. The stack is
shared with the other deployment tests: each drill starts again what it stopped, and the module sets
the worker and the schedule back when it is done.
"""

import os

import pytest

from reliability import faults
from tests.servers import SmtpRecorder

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

FULL = os.environ.get("RELIABILITY_SCALE") == "full"
RECOVERY = faults.PRODUCTION_RECOVERY if FULL else faults.QUICK_RECOVERY


@pytest.fixture(scope="module")
def smtp():
    recorder = SmtpRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="module")
def drilled(stack, smtp):
    """The shared stack with its worker sending email to the recorder, on the drills' recovery timings."""
    with faults.drill_settings(stack, RECOVERY, email_url=smtp.email_url):
        yield stack


def assert_healthy(stack):
    answer = stack.healthz()
    assert answer.status_code == 200, answer.text
    assert answer.json()["broker"] == "ok"
    assert all(process.poll() is None for process in stack.processes.values())


def test_redis_stopped_under_load_loses_no_write_no_job_and_no_reminder(drilled, smtp):
    report = faults.redis_outage(drilled, seconds=30 if FULL else 10, smtp=smtp, recovery=RECOVERY)

    assert report["lost"] == [], report
    assert report["web_500s"] == []
    assert set(report["statuses_during_outage"]) <= {"200", "201"}, report["statuses_during_outage"]
    writes = report["writes"]
    assert writes["attempted"] == writes["acknowledged"] == writes["acknowledged_present"] > 0, writes
    work = report["work"]
    assert work["completed_after"]["export"] == work["queued_during_outage"]["export"]
    assert work["completed_after"]["scheduled_daily_sweep_runs"] == 1
    reminders = report["reminders"]
    assert reminders["owed"] > 0
    assert reminders["recorded_once"] == reminders["delivered"] == reminders["owed"]
    assert reminders["duplicates"] == reminders["notifications_doubled"] == 0
    emails = report["emails"]
    assert emails["deliveries"] > 0
    assert emails["sent"] == emails["received"] == emails["deliveries"], emails
    assert_healthy(drilled)


def test_a_worker_killed_in_the_middle_of_an_import_leaves_it_imported_once(drilled):
    report = faults.worker_killed_mid_task(drilled, rows=3000, recovery=RECOVERY)

    assert report["lost"] == [], report
    assert report["killed_at"]["state"] == "running" and report["projects_when_killed"] == 0
    assert report["job"] == {"state": "done", "attempts": 2, "created_count": 3000, "rows_read": 3000}
    assert report["projects_imported"] == report["enterprises_created"] == 3000
    assert report["projects_twice"] == 0
    assert report["web_500s"] == []
    assert_healthy(drilled)


def test_postgres_restarted_under_load_answers_503_and_the_web_recovers_unaided(drilled):
    report = faults.postgres_restart(drilled, down_seconds=5, recovery=RECOVERY)

    assert report["lost"] == [], report
    assert report["web_500s"] == []
    assert report["answers_503"] > 0
    assert set(report["statuses_during_outage"]) <= {"200", "201", "503"}, report["statuses_during_outage"]
    told = report["answer_while_away"]["zh-hans"]
    assert told == {"status": 503, "retry_after": "5", "detail": "数据库暂时无法连接，请稍后重试。"}
    assert report["web_answered_again_after_seconds"] <= faults.WEB_RECOVERY_SECONDS
    assert report["work"]["completed_after"] == report["work"]["queued_after_restart"]
    assert report["writes"]["acknowledged"] == report["writes"]["acknowledged_present"] > 0
    assert_healthy(drilled)
