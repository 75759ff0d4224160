"""Fault drills on the production stack (reliability/stack.py), each while a small load reads and writes
through the API: Redis stopped for a while, the Celery worker killed in the middle of an import,
PostgreSQL restarted. Each drill returns a report of what it saw, and `lost`: every acknowledged write,
piece of queued work, reminder or email that did not come through exactly once (it must be empty).

    python -m reliability.faults [--quick] [--output report.json]

starts a stack of its own in a temporary directory, with its emails going to an SMTP recorder, runs
the three drills and prints their reports. --quick stops Redis for 10 s rather than 30 and runs the
recovery on short timings (QUICK_RECOVERY); without it the production timings apply, and the drills
wait for the scheduled recovery as it is (a job is presumed lost after 2 minutes, the recovery tasks
run every 2 minutes).
"""

import argparse
import collections
import contextlib
import io
import json
import re
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .stack import Stack

# The periodic tasks that hand lost work to a worker again (reminders/migrations/0002_default_schedule.py:
# every 2 minutes, the reminders' every 10).
RECOVERY_TASKS = (
    "exports.tasks.recover_exports",
    "imports.tasks.recover_imports",
    "notifications.tasks.recover_deliveries",
    "reminders.tasks.deliver_pending",
)


@dataclass(frozen=True)
class Recovery:
    """How soon lost work is handed out again: a job silent for `stale_seconds` is presumed lost (the
    worker's JOB_STALE_SECONDS) and the recovery tasks run every `every_seconds`. A lost email delivery
    is republished one minute after it was due (notifications.dispatch.LOST_AFTER), whatever these say."""

    stale_seconds: int
    every_seconds: int

    def deadline(self) -> float:
        """Seconds within which recovered work must be done: presumed lost, found, and run (with margin)."""
        return max(self.stale_seconds, 60) + 2 * self.every_seconds + 60


PRODUCTION_RECOVERY = Recovery(stale_seconds=120, every_seconds=120)
QUICK_RECOVERY = Recovery(stale_seconds=15, every_seconds=10)
WEB_RECOVERY_SECONDS = 30  # after PostgreSQL is back, the web answers within this, unrestarted
HTTP_TIMEOUT = 30


# --- the database and the logs, as seen from outside ------------------------------------------------


def query(stack: Stack, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(stack.postgres.url(), autocommit=True, connect_timeout=10) as connection:
        return connection.execute(sql, params).fetchall()


def database_now(stack: Stack):
    return query(stack, "SELECT now()")[0][0]


def manage_json(stack: Stack, code: str):
    """Run `code` in `manage.py shell` on the stack's settings; it prints one JSON value last."""
    output = stack.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()
    return json.loads(output[-1])


def request_statuses(mark) -> collections.Counter:
    return collections.Counter(line["status"] for line in mark.lines() if line.get("logger") == "promotion.requests")


def server_errors(mark) -> list[str]:
    """The requests the web answered 500: from its request log, and from Django's error log (which
    has them even when the request log could not write its line)."""
    found = {}
    for line in mark.lines():
        if line.get("logger") == "promotion.requests" and line.get("status") == 500:
            found[line.get("request_id")] = f"{line['time']} {line['method']} {line['path']} 500"
        elif line.get("logger") == "django.request" and line.get("message", "").startswith("Internal Server Error"):
            found.setdefault(line.get("request_id"), f"{line['time']} {line['message']}")
    return [f"{what} ({request_id})" for request_id, what in found.items()]


def waited(condition, timeout: float, interval: float = 1.0) -> float | None:
    """Seconds until `condition()` held, or None when it did not within `timeout`."""
    started = time.monotonic()
    while True:
        if condition():
            return round(time.monotonic() - started, 1)
        if time.monotonic() - started > timeout:
            return None
        time.sleep(interval)


def seconds_until_each(conditions: dict, timeout: float, since: float, interval: float = 1.0) -> dict:
    """For each named condition, the seconds from `since` (a time.monotonic()) until it first held;
    None for those that did not within `timeout`."""
    found = {}
    started = time.monotonic()
    while len(found) < len(conditions) and time.monotonic() - started <= timeout:
        for name, condition in conditions.items():
            if name not in found and condition():
                found[name] = round(time.monotonic() - since, 1)
        time.sleep(interval)
    return {name: found.get(name) for name in conditions}


# --- tokens and processes --------------------------------------------------------------------------

_tokens: dict = {}


def token(stack: Stack, username: str, slot: str = "") -> str:
    """One token per (user, slot) for the stack's lifetime: each has its own rate budget, and the login's
    budget (20 a minute from one address) is not spent again by every drill."""
    key = (id(stack), username, slot)
    if key not in _tokens:
        _tokens[key] = stack.token(username)
    return _tokens[key]


def restart_worker(stack: Stack):
    stack.stop_process("worker")
    stack.start_worker()


def set_recovery_intervals(stack: Stack, seconds_by_task: dict[str, int]) -> dict[str, int]:
    """Run each recovery task every so many seconds (the schedule is in the database, which the
    scheduler rereads when it changes). Returns the intervals they had, in seconds."""
    code = f"""
import json
from django_celery_beat.models import IntervalSchedule, PeriodicTask
SECONDS = {{"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}}
previous = {{}}
for task, seconds in json.loads({json.dumps(json.dumps(seconds_by_task))}).items():
    for entry in PeriodicTask.objects.filter(task=task, interval__isnull=False).select_related("interval"):
        previous[task] = int(entry.interval.every * SECONDS[entry.interval.period])
        every, period = (seconds // 60, "minutes") if seconds % 60 == 0 else (seconds, "seconds")
        entry.interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        entry.save()
print(json.dumps(previous))
"""
    return manage_json(stack, code)


@contextlib.contextmanager
def drill_settings(stack: Stack, recovery: Recovery = PRODUCTION_RECOVERY, email_url: str | None = None):
    """The running stack set for the drills, and set back afterwards: the worker presumes a job lost
    after `recovery.stale_seconds` and sends email to `email_url`; the recovery tasks run every
    `recovery.every_seconds`."""
    worker_env = {"JOB_STALE_SECONDS": str(recovery.stale_seconds)}
    if email_url:
        worker_env["EMAIL_URL"] = email_url
    saved_env = {name: stack.extra_env.get(name) for name in worker_env}
    previous = None
    if recovery != PRODUCTION_RECOVERY:
        previous = set_recovery_intervals(stack, dict.fromkeys(RECOVERY_TASKS, recovery.every_seconds))
    try:
        stack.extra_env.update(worker_env)
        restart_worker(stack)
        yield stack
    finally:
        for name, value in saved_env.items():
            if value is None:
                stack.extra_env.pop(name, None)
            else:
                stack.extra_env[name] = value
        if previous:
            set_recovery_intervals(stack, previous)
        restart_worker(stack)


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Write:
    kind: str  # "project" (created), "patch" (a project's notes), "request" (a service request)
    marker: str  # the project's name, the notes written, the request's title: unique to this write
    status: int | str  # the HTTP status, or the name of the client's exception
    at: float  # time.monotonic() when it was answered

    @property
    def acknowledged(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass
class Load:
    """A few threads reading and writing through the API as staff and as an enterprise, recording the
    status of every request and every write they attempted."""

    stack: Stack
    tag: str
    officers: int = 3
    pause: float = 0.25  # between one thread's requests (staff may send 10 a second per token)
    answers: list = field(default_factory=list)  # (time.monotonic(), status)
    writes: list = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = []

    def start(self):
        base = self.stack.base_url
        officer = self.stack.api(token(self.stack, "officer", "load-0"))
        self.sample = officer.get(f"{base}/api/v1/projects/", params={"page_size": 1}, timeout=HTTP_TIMEOUT).json()
        self.sample = self.sample["results"][0]
        enterprise = self.stack.api(token(self.stack, "enterprise", "load"))
        categories = enterprise.get(f"{base}/api/v1/service-request-categories/", timeout=HTTP_TIMEOUT).json()
        self.category = categories["results"][0]["code"]
        for number in range(self.officers):
            self._threads.append(threading.Thread(target=self._officer, args=(number,), daemon=True))
        self._threads.append(threading.Thread(target=self._enterprise, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=HTTP_TIMEOUT + 5)

    def _send(self, session, method, path, write=None, **kwargs):
        """The answer (None when there was none), recorded with the write it carried, if any."""
        try:
            answer = session.request(method, self.stack.base_url + path, timeout=HTTP_TIMEOUT, **kwargs)
            status = answer.status_code
        except Exception as error:  # noqa: BLE001 - the client's failure is an answer to record too
            answer, status = None, type(error).__name__
        now = time.monotonic()
        with self._lock:
            self.answers.append((now, status))
            if write is not None:
                self.writes.append(Write(*write, status, now))
        return answer

    def _officer(self, number):
        session = self.stack.api(token(self.stack, "officer", f"load-{number}"))
        own = None
        for step in _steps(self._stop):
            if step % 4 == 1:
                name = f"{self.tag}项目{number}-{step}"
                body = {
                    "name": name,
                    "enterprise": self.sample["enterprise"],
                    "leading_unit": self.sample["leading_unit"],
                    "town": self.sample["town"],
                    "total_investment": "1200.00",
                    "signed_on": "2026-03-02",
                    "industry_chain": "auto",
                }
                answer = self._send(session, "POST", "/api/v1/projects/", ("project", name), json=body)
                if own is None and answer is not None and answer.status_code == 201:
                    own = answer.json()["id"]
            elif step % 4 == 3 and own is not None:
                notes = f"{self.tag}备注{number}-{step}"
                self._send(session, "PATCH", f"/api/v1/projects/{own}/", ("patch", notes), json={"notes": notes})
            else:
                self._send(session, "GET", "/api/v1/projects/", params={"page_size": 20, "ordering": "-signed_on"})
            self._stop.wait(self.pause)

    def _enterprise(self):
        session = self.stack.api(token(self.stack, "enterprise", "load"))
        for step in _steps(self._stop):
            if step % 3 == 1:
                title = f"{self.tag}诉求{step}"
                body = {"category": self.category, "title": title, "description": "故障演练中提交的诉求。"}
                self._send(session, "POST", "/api/v1/service-requests/", ("request", title), json=body)
            else:
                self._send(session, "GET", "/api/v1/service-requests/")
            self._stop.wait(1.0)  # an enterprise may send 2 a second

    def statuses(self, start=None, end=None) -> dict:
        with self._lock:
            answers = list(self.answers)
        counted = collections.Counter(
            status for at, status in answers if (start is None or at >= start) and (end is None or at < end)
        )
        return {str(status): count for status, count in sorted(counted.items(), key=lambda item: str(item[0]))}

    def check(self) -> tuple[dict, list[str]]:
        """Every acknowledged write present (once), and those that were refused or unanswered."""
        markers = collections.defaultdict(list)
        for write in self.writes:
            markers[write.kind].append(write.marker)
        found = collections.Counter()
        counts = {
            # A patch counts once however many history rows hold its notes (the row may change again).
            "project": "SELECT name, count(*) FROM projects_project WHERE name = ANY(%s::text[]) GROUP BY name",
            "patch": "SELECT DISTINCT notes, 1 FROM projects_historicalproject WHERE notes = ANY(%s::text[])",
            "request": "SELECT title, count(*) FROM servicerequests_servicerequest WHERE title = ANY(%s::text[]) "
            "GROUP BY title",
        }
        for kind, sql in counts.items():
            for marker, count in query(self.stack, sql, [markers[kind]]):
                found[(kind, marker)] = count
        acknowledged = [write for write in self.writes if write.acknowledged]
        refused = [write for write in self.writes if not write.acknowledged]
        lost = [
            f"{write.kind} {write.marker!r}: answered {write.status}, not in the database"
            for write in acknowledged
            if not found[(write.kind, write.marker)]
        ]
        lost += [f"{kind} {marker!r} written {count} times" for (kind, marker), count in found.items() if count > 1]
        summary = {
            "attempted": len(self.writes),
            "acknowledged": len(acknowledged),
            "acknowledged_present": sum(1 for write in acknowledged if found[(write.kind, write.marker)]),
            "refused_or_unanswered": len(refused),
            "refused_but_present": sum(1 for write in refused if found[(write.kind, write.marker)]),
            "by_kind": dict(collections.Counter(write.kind for write in self.writes)),
        }
        return summary, lost


def _steps(stop: threading.Event):
    step = 0
    while not stop.is_set():
        step += 1
        yield step


# --- what the drills check ----------------------------------------------------------------------------


def request_export(stack: Stack, tag: str) -> int:
    api = stack.api(token(stack, "officer", "drill"))
    answer = api.post(
        f"{stack.base_url}/api/v1/exports/", json={"kind": "projects", "filters": {"q": tag}}, timeout=HTTP_TIMEOUT
    )
    if answer.status_code != 202:
        raise AssertionError(f"the export was not accepted: {answer.status_code} {answer.text[:300]}")
    return answer.json()["id"]


def job_state(stack: Stack, table: str, job_id: int) -> dict:
    columns = "state, attempts, progress, error"
    if table == "imports_importjob":
        columns += ", created_count, rows_read"
    else:
        columns += ", row_count, file"
    row = query(stack, f"SELECT {columns} FROM {table} WHERE id = %s", [job_id])[0]  # noqa: S608 - names are ours
    return dict(zip([name.strip() for name in columns.split(",")], row, strict=True))


def unfinished_deliveries(stack: Stack, since) -> int:
    return query(
        stack,
        "SELECT count(*) FROM notifications_delivery WHERE created_at >= %s AND status IN ('pending', 'sending')",
        [since],
    )[0][0]


def emails_compared(stack: Stack, since, smtp, received_before: int) -> tuple[dict, list[str]]:
    """The email deliveries made since `since` against the messages the SMTP recorder received since."""
    deliveries = query(
        stack,
        "SELECT d.target, n.title, d.status FROM notifications_delivery d "
        "JOIN notifications_notification n ON n.id = d.notification_id "
        "WHERE d.created_at >= %s AND d.channel = 'email'",
        [since],
    )
    expected = collections.Counter((target, " ".join(title.split())) for target, title, _status in deliveries)
    lost = [
        f"email delivery to {target} ({title}): {status}" for target, title, status in deliveries if status != "sent"
    ]
    summary = {"deliveries": len(deliveries), "sent": sum(1 for *_rest, status in deliveries if status == "sent")}
    if smtp is None:
        summary["received"] = "not recorded (no SMTP recorder)"
        return summary, lost
    received = collections.Counter(
        (message.rcpt_tos[0], " ".join(message.subject.split())) for message in list(smtp.messages)[received_before:]
    )
    missing, extra = expected - received, received - expected
    summary.update(received=sum(received.values()), missing=sum(missing.values()), extra=sum(extra.values()))
    lost += [f"email to {to} ({subject}) never arrived" for to, subject in missing.elements()]
    lost += [f"email to {to} ({subject}) arrived more than once" for to, subject in extra.elements()]
    return summary, lost


def duplicate_notifications(stack: Stack) -> int:
    return query(
        stack,
        "SELECT count(*) FROM (SELECT 1 FROM notifications_notification WHERE key <> '' "
        "GROUP BY recipient_id, key HAVING count(*) > 1) AS twice",
    )[0][0]


def reminder_count(stack: Stack) -> int:
    return query(stack, "SELECT count(*) FROM reminders_reminder")[0][0]


OWED_DAY = """
import datetime as dt, json
from django.utils import timezone
from reminders.models import Reminder
from reminders.services import owed_reminders
today = timezone.localdate()
found = None
for n in range(1, 120):
    day = today + dt.timedelta(days=n)
    if not Reminder.objects.filter(swept_on=day).exists() and next(iter(owed_reminders(day, ("stage", "visit", "request"))), None):
        found = day.isoformat()
        break
print(json.dumps(found))
"""

# The reminders the sweep of __DAY__ owes (read just before it, so the sweep owes at least these), then the
# sweep as the send_reminders command runs it.
SWEEP = """
import datetime as dt, io, json
from django.core.management import call_command
from reminders.services import owed_reminders
day = dt.date.fromisoformat(__DAY__)
owed = sorted({(d.recipient_id, d.key) for d in owed_reminders(day, ("stage", "visit", "request"))})
out = io.StringIO()
call_command("send_reminders", "--date", __DAY__, stdout=out)
print(json.dumps({"owed": owed, "said": out.getvalue().strip()}))
"""

SCHEDULE_SWEEP = """
import datetime as dt, json
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask
clock = ClockedSchedule.objects.create(clocked_time=timezone.now() + dt.timedelta(seconds=__SECONDS__))
entry = PeriodicTask.objects.create(name=__NAME__, task="reminders.tasks.daily_sweep", clocked=clock, one_off=True)
print(json.dumps(entry.pk))
"""

UNSCHEDULE = """
import json
from django_celery_beat.models import PeriodicTask
entry = PeriodicTask.objects.filter(name=__NAME__).select_related("clocked").first()
if entry is not None:
    entry.delete()
    entry.clocked.delete()
print(json.dumps(True))
"""


def reminders_once(stack: Stack, owed: list) -> tuple[dict, list[str]]:
    """Each (recipient, key) the sweep owed: recorded exactly once, and carried by a notification."""
    recipients = [recipient for recipient, _key in owed]
    keys = [key for _recipient, key in owed]
    rows = query(
        stack,
        "SELECT r.recipient_id, r.key, count(*), count(r.notification_id) FROM reminders_reminder r "
        "JOIN unnest(%s::bigint[], %s::text[]) AS owed(recipient_id, key) "
        "ON owed.recipient_id = r.recipient_id AND owed.key = r.key GROUP BY r.recipient_id, r.key",
        [recipients, keys],
    )
    recorded = {(recipient, key): (count, delivered) for recipient, key, count, delivered in rows}
    lost = []
    for pair in map(tuple, owed):
        count, delivered = recorded.get(pair, (0, 0))
        if count == 0:
            lost.append(f"reminder {pair}: never recorded")
        elif count > 1:
            lost.append(f"reminder {pair}: recorded {count} times")
        elif not delivered:
            lost.append(f"reminder {pair}: never delivered")
    summary = {
        "owed": len(owed),
        "recorded_once": sum(1 for count, _delivered in recorded.values() if count == 1),
        "delivered": sum(1 for _count, delivered in recorded.values() if delivered),
        "duplicates": sum(1 for count, _delivered in recorded.values() if count > 1),
    }
    return summary, lost


def settle_deliveries(stack: Stack, timeout: float = 120) -> None:
    """Wait for the deliveries already under way, so that a drill counts only its own emails."""
    waited(lambda: unfinished_deliveries(stack, "-infinity") == 0, timeout, 2)


# --- the drills ------------------------------------------------------------------------------------------


def redis_outage(stack: Stack, seconds: float = 30, smtp=None, recovery: Recovery = PRODUCTION_RECOVERY) -> dict:
    """Stop Redis for `seconds` under load. Meanwhile: projects created and changed, a service request
    submitted by an enterprise, an export requested, a day's reminders swept (send_reminders) and the
    daily sweep falling due in the scheduler. Then Redis starts again on the same port (empty: it keeps
    nothing on disk, so every message it held is gone too) and the drill waits for all of it to finish."""
    tag = f"停Redis演练{uuid.uuid4().hex[:6]}"
    settle_deliveries(stack)
    day = manage_json(stack, OWED_DAY)
    schedule_name = f"故障演练：{tag}"
    load = Load(stack, tag).start()
    try:
        return _redis_outage(stack, load, seconds, smtp, recovery, tag, day, schedule_name)
    finally:
        load.stop()
        manage_json(stack, UNSCHEDULE.replace("__NAME__", repr(schedule_name)))


def _redis_outage(stack, load, seconds, smtp, recovery, tag, day, schedule_name):
    web, worker = stack.log_mark("web"), stack.log_mark("worker")
    since = database_now(stack)
    received_before = len(smtp.messages) if smtp else 0
    reminders_before = reminder_count(stack)
    lost, export_id, sweep = [], None, None
    try:
        time.sleep(3)
        manage_json(stack, SCHEDULE_SWEEP.replace("__SECONDS__", "4").replace("__NAME__", repr(schedule_name)))
        stopped = time.monotonic()
        stack.redis.stop()
        export_id = request_export(stack, tag)
        if day:
            sweep = manage_json(stack, SWEEP.replace("__DAY__", repr(day)))
        time.sleep(max(0.0, seconds - (time.monotonic() - stopped)))
    finally:
        if stack.redis.process is None:
            stack.redis.start()
    restarted = time.monotonic()
    outage = round(restarted - stopped, 1)
    time.sleep(5)
    load.stop()

    swept = re.compile(r"reminders\.tasks\.daily_sweep\[[^]]+\] succeeded")
    finished = seconds_until_each(
        {
            "export": lambda: job_state(stack, "exports_exportjob", export_id)["state"] == "done",
            "scheduled_daily_sweep": lambda: swept.search(worker.text()),
            "all_deliveries_sent": lambda: unfinished_deliveries(stack, since) == 0,
        },
        recovery.deadline(),
        since=restarted,
    )
    export = job_state(stack, "exports_exportjob", export_id)
    if export["state"] != "done":
        lost.append(f"export {export_id} queued during the outage: {export['state']} {export['error']}")
    scheduled_runs = len(swept.findall(worker.text()))
    if scheduled_runs != 1:
        lost.append(f"the daily sweep due during the outage ran {scheduled_runs} times")

    writes, writes_lost = load.check()
    reminders, reminders_lost = reminders_once(stack, sweep["owed"] if sweep else [])
    emails, emails_lost = emails_compared(stack, since, smtp, received_before)
    doubled = duplicate_notifications(stack)
    lost += writes_lost + reminders_lost + emails_lost
    if doubled:
        lost.append(f"{doubled} notifications sent twice to one person under one key")
    errors = server_errors(web)
    lost += [f"answered 500: {line}" for line in errors]
    return {
        "scenario": "redis_outage",
        "outage_seconds": outage,
        "requests": len(load.answers),
        "statuses": load.statuses(),
        "statuses_during_outage": load.statuses(stopped, restarted),
        "web_statuses": dict(request_statuses(web)),
        "web_500s": errors,
        "writes": writes,
        "work": {
            "queued_during_outage": {"export": export_id, "reminder_sweep_day": day, "scheduled_daily_sweep": 1},
            "completed_after": {
                "export": export_id if export["state"] == "done" else None,
                "scheduled_daily_sweep_runs": scheduled_runs,
            },
            "seconds_after_redis_returned": finished,
        },
        "reminders": {
            "before": reminders_before,
            "after": reminder_count(stack),
            "sweep": sweep["said"] if sweep else "no day owed reminders",
            **reminders,
            "notifications_doubled": doubled,
        },
        "emails": emails,
        "publish_failures_logged": sum(1 for line in web.lines() if "left for recovery" in line.get("message", "")),
        "lost": lost,
    }


def project_workbook(tag: str, rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "项目"
    sheet.append(["项目名称*", "投资方*", "统一社会信用代码", "总投资(万元)*", "产业链", "落地街镇", "签约日期"])
    for number in range(rows):
        sheet.append(
            [f"{tag}导入{number}", f"上海{tag}{number}号有限公司", "", 1000 + number, "汽车", "安亭镇", "2025-01-06"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def worker_killed_mid_task(stack: Stack, rows: int = 3000, recovery: Recovery = PRODUCTION_RECOVERY) -> dict:
    """Import `rows` projects in the background; SIGKILL the worker's process group while it imports
    (its pool child holds the rows in an open transaction), start a new worker, and check the import
    ends once: every row imported, none twice. The job is handed out again by the scheduled recovery
    once its heartbeat is `recovery.stale_seconds` old (the broker would redeliver the unacknowledged
    message only after its visibility timeout, 5 minutes; that copy then finds the job done)."""
    tag = f"杀worker演练{uuid.uuid4().hex[:6]}"
    api = stack.api(token(stack, "officer", "drill"))
    answer = api.post(
        f"{stack.base_url}/api/v1/imports/",
        files={"file": ("项目导入.xlsx", project_workbook(tag, rows), "application/octet-stream")},
        data={"kind": "projects"},
        timeout=120,
    )
    if answer.status_code != 202:
        raise AssertionError(f"the import was not queued: {answer.status_code} {answer.text[:300]}")
    load = Load(stack, f"{tag}负载").start()
    try:
        return _worker_killed(stack, load, tag, answer.json()["id"], rows, recovery)
    finally:
        load.stop()


def _worker_killed(stack, load, tag, job_id, rows, recovery):
    web = stack.log_mark("web")
    lost = []
    try:
        under_way = waited(
            lambda: job_state(stack, "imports_importjob", job_id)["state"] == "running" and writing_rows(stack),
            300,
            0.2,
        )
        at_kill = job_state(stack, "imports_importjob", job_id)
        killed = time.monotonic()
        stack.kill_process("worker")
        projects_at_kill = _tagged_projects(stack, tag)
    finally:
        if "worker" not in stack.processes:
            stack.start_worker()
    started = time.monotonic()
    done_seconds = waited(
        lambda: job_state(stack, "imports_importjob", job_id)["state"] in ("done", "failed"), recovery.deadline()
    )
    load.stop()
    job = job_state(stack, "imports_importjob", job_id)
    projects = _tagged_projects(stack, tag)
    names_twice = query(
        stack,
        "SELECT count(*) FROM (SELECT name FROM projects_project WHERE name LIKE %s GROUP BY name "
        "HAVING count(*) > 1) AS twice",
        [f"{tag}导入%"],
    )[0][0]
    enterprises = query(stack, "SELECT count(*) FROM companies_enterprise WHERE name LIKE %s", [f"上海{tag}%"])[0][0]
    if under_way is None:
        lost.append("the worker was not caught mid-import")
    if job["state"] != "done":
        lost.append(f"import {job_id}: {job['state']} {job['error']}")
    if job["created_count"] != rows or projects != rows:
        lost.append(f"import {job_id}: {rows} rows, {job['created_count']} reported created, {projects} projects there")
    if names_twice or enterprises != rows:
        lost.append(f"import {job_id}: {names_twice} projects twice, {enterprises} enterprises for {rows} rows")
    writes, writes_lost = load.check()
    errors = server_errors(web)
    lost += writes_lost + [f"answered 500: {line}" for line in errors]
    return {
        "scenario": "worker_killed_mid_task",
        "task": f"import of {rows} projects (job {job_id})",
        "killed_at": {"progress": at_kill["progress"], "state": at_kill["state"], "attempt": at_kill["attempts"]},
        "projects_when_killed": projects_at_kill,
        "seconds_from_new_worker_to_done": done_seconds,
        "duration_seconds": round(time.monotonic() - killed, 1),
        "worker_restarted_in_seconds": round(started - killed, 1),
        "job": {key: job[key] for key in ("state", "attempts", "created_count", "rows_read")},
        "projects_imported": projects,
        "projects_twice": names_twice,
        "enterprises_created": enterprises,
        "requests": len(load.answers),
        "statuses": load.statuses(),
        "web_500s": errors,
        "writes": writes,
        "work": {"queued_during_fault": [job_id], "completed_after": [job_id] if job["state"] == "done" else []},
        "lost": lost,
    }


def writing_rows(stack: Stack) -> bool:
    """Some transaction open for seconds holds new enterprises or projects: the import's, which writes
    all its rows in one (the load's own writes take milliseconds). The job's progress would not tell:
    it reaches the database with the heartbeat, every quarter of JOB_STALE_SECONDS."""
    return bool(
        query(
            stack,
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE c.relname IN ('companies_enterprise', 'projects_project') "
            "AND l.mode = 'RowExclusiveLock' AND a.xact_start < now() - interval '2 seconds'",
        )[0][0]
    )


def _tagged_projects(stack: Stack, tag: str) -> int:
    return query(stack, "SELECT count(*) FROM projects_project WHERE name LIKE %s", [f"{tag}导入%"])[0][0]


def what_is_answered(stack: Stack, api) -> dict:
    """What a client is told while the database is away, in Chinese and in English."""
    told = {}
    for language in ("zh-hans", "en"):
        answer = api.get(
            f"{stack.base_url}/api/v1/projects/", headers={"Accept-Language": language}, timeout=HTTP_TIMEOUT
        )
        told[language] = {"status": answer.status_code, "retry_after": answer.headers.get("Retry-After")}
        with contextlib.suppress(ValueError):
            told[language]["detail"] = answer.json().get("detail")
    return told


def postgres_restart(stack: Stack, down_seconds: float = 5, recovery: Recovery = PRODUCTION_RECOVERY) -> dict:
    """Stop PostgreSQL for `down_seconds` under load and start it again. Requests meanwhile get 503
    (never 500); afterwards the web answers again without being restarted, and the worker still runs a
    new export."""
    load = Load(stack, f"重启PG演练{uuid.uuid4().hex[:6]}").start()
    try:
        return _postgres_restart(stack, load, down_seconds, recovery)
    finally:
        load.stop()


def _postgres_restart(stack, load, down_seconds, recovery):
    web = stack.log_mark("web")
    probe = stack.api(token(stack, "officer", "probe"))
    try:
        time.sleep(3)
        stopped = time.monotonic()
        stack.postgres.stop()
        answer_503 = what_is_answered(stack, probe)
        time.sleep(max(0.0, down_seconds - (time.monotonic() - stopped)))
        stack.postgres.start()
    finally:
        if not stack.postgres.is_ready():
            stack.postgres.start()
    restarted = time.monotonic()

    def answers():
        try:
            health = stack.healthz().status_code
            listed = probe.get(f"{stack.base_url}/api/v1/projects/", params={"page_size": 1}, timeout=10).status_code
            return health == 200 and listed == 200
        except Exception:  # noqa: BLE001
            return False

    recovered = waited(answers, WEB_RECOVERY_SECONDS, 0.2)
    time.sleep(5)
    load.stop()
    lost = []
    if recovered is None:
        lost.append(f"the web did not answer 200 within {WEB_RECOVERY_SECONDS} s of PostgreSQL's return")
    export_id = request_export(stack, load.tag)
    export_seconds = waited(
        lambda: job_state(stack, "exports_exportjob", export_id)["state"] == "done", recovery.deadline()
    )
    if export_seconds is None:
        lost.append(f"export {export_id} after the restart: {job_state(stack, 'exports_exportjob', export_id)}")
    alive = {
        role: stack.processes[role].poll() is None for role in ("web", "worker", "beat") if role in stack.processes
    }
    lost += [f"the {role} process exited" for role, running in alive.items() if not running]
    writes, writes_lost = load.check()
    errors = server_errors(web)
    lost += writes_lost + [f"answered 500: {line}" for line in errors]
    during = load.statuses(stopped, restarted + (recovered or 0))
    return {
        "scenario": "postgres_restart",
        "outage_seconds": round(restarted - stopped, 1),
        "web_answered_again_after_seconds": recovered,
        "requests": len(load.answers),
        "statuses": load.statuses(),
        "statuses_during_outage": during,
        "answers_503": int(during.get("503", 0)),
        "answer_while_away": answer_503,
        "web_statuses": dict(request_statuses(web)),
        "web_500s": errors,
        "writes": writes,
        "work": {"queued_after_restart": [export_id], "completed_after": [export_id] if export_seconds else []},
        "export_done_in_seconds": export_seconds,
        "processes_running": alive,
        "lost": lost,
    }


# --- the command ----------------------------------------------------------------------------------------


def run_all(stack: Stack, *, quick: bool, smtp=None) -> list[dict]:
    recovery = QUICK_RECOVERY if quick else PRODUCTION_RECOVERY
    return [
        redis_outage(stack, seconds=10 if quick else 30, smtp=smtp, recovery=recovery),
        worker_killed_mid_task(stack, recovery=recovery),
        postgres_restart(stack, recovery=recovery),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Fault drills on a production stack of their own.")
    parser.add_argument("--quick", action="store_true", help="Redis away 10 s; recovery on short timings")
    parser.add_argument("--output", type=Path, help="write the reports to this JSON file")
    arguments = parser.parse_args(argv)

    from tests.servers import SmtpRecorder

    recovery = QUICK_RECOVERY if arguments.quick else PRODUCTION_RECOVERY
    smtp = SmtpRecorder().start()
    with tempfile.TemporaryDirectory(prefix="promotion-faults-") as directory:
        stack = Stack(
            Path(directory),
            extra_env={"EMAIL_URL": smtp.email_url, "JOB_STALE_SECONDS": str(recovery.stale_seconds)},
        )
        try:
            started = time.monotonic()
            stack.start()
            print(f"stack started in {time.monotonic() - started:.0f} s", file=sys.stderr)
            if arguments.quick:
                set_recovery_intervals(stack, dict.fromkeys(RECOVERY_TASKS, recovery.every_seconds))
            reports = run_all(stack, quick=arguments.quick, smtp=smtp)
        finally:
            stack.stop()
            smtp.stop()
    text = json.dumps(reports, ensure_ascii=False, indent=2, default=str)
    print(text)
    if arguments.output:
        arguments.output.write_text(text + "\n")
    lost = [item for report in reports for item in report["lost"]]
    print(f"lost: {len(lost)}", file=sys.stderr)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
