"""The load test: locust (reliability/locustfile.py) in a process of its own against a running Stack,
then every write the users made is looked for in the database and the web log for any 5xx.

    python -m reliability.load --users 50 --duration 300 --output load.json

starts the production stack (PostgreSQL, Redis, gunicorn, a Celery worker and beat) in a temporary
directory, runs the load, prints the figures and writes them as JSON. `run_load(stack, ...)` does the
same on a stack already running (tests/deployment/test_load.py).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .stack import ROOT, Stack, json_lines

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STOP_TIMEOUT_S = 30

# Users of the locustfile and the accounts they share; enterprise users beyond the demo's own one are
# made for an enterprise of each officer's town, so that every town has requests to handle.
OFFICERS = ["officer", "officer_nanxiang", "officer_jiangqiao", "officer_industrial", "officer_malu"]
MANAGERS = ["manager", "manager_anting"]
ENTERPRISE_TOWNS = {
    "enterprise_anting": "安亭镇",
    "enterprise_jiangqiao": "江桥镇",
    "enterprise_industrial": "嘉定工业区",
    "enterprise_malu": "马陆镇",
}

ACCOUNTS_SCRIPT = """
import json
from knox.models import AuthToken
from django.conf import settings
from django.db.models import Count
from accounts.models import Role, User
from companies.models import Enterprise

tokens_each, staff, towns = {tokens_each}, {staff}, {towns}
accounts = {{name: role for name, role in staff}}
accounts["enterprise"] = Role.ENTERPRISE
for username, town in towns.items():
    if not User.objects.filter(username=username).exists():
        enterprise = (
            Enterprise.objects.filter(town__name=town).annotate(n=Count("projects")).order_by("-n", "id").first()
        )
        User.objects.create_user(
            username=username, password=None, role=Role.ENTERPRISE, enterprise=enterprise,
            display_name=f"{{enterprise.name}}联络员",
        )
    accounts[username] = Role.ENTERPRISE
out = {{}}
for username, role in accounts.items():
    user = User.objects.get(username=username)
    ttl = settings.API_TOKEN_TTL_ENTERPRISE if role == Role.ENTERPRISE else settings.API_TOKEN_TTL_STAFF
    out[username] = {{
        "role": str(role),
        "tokens": [AuthToken.objects.create(user, expiry=ttl)[1] for _ in range(tokens_each)],
    }}
print(json.dumps(out))
"""

VERIFY_SCRIPT = """
import json
from django.core.files.storage import default_storage
from companies.models import Visit
from exports.models import ExportJob
from projects.models import Project, ProjectStage
from servicerequests.models import Comment, ServiceRequest

records = [json.loads(line) for line in open({path!r}, encoding="utf-8") if line.strip()]
missing, unverifiable, checked = [], [], {{}}

def miss(record, why):
    missing.append({{**record, "why": why}})

def same(a, b):
    return str(a) == str(b)

# Projects: each edit is the project's history at the version it answered; the project holds the
# value of the last edit of each field (unless a write made after the last recorded one went
# unrecorded, which a user stopped at the very end can leave).
last_edit, last_of_field = {{}}, {{}}
for r in (r for r in records if r["kind"] == "project_edit"):
    row = Project.history.filter(id=r["project"], version=r["version"]).first()
    if row is None or not all(same(getattr(row, f), v) for f, v in r["fields"].items()):
        miss(r, "no history row of the project with these values at this version")
    if r["project"] not in last_edit or r["version"] > last_edit[r["project"]]["version"]:
        last_edit[r["project"]] = r
    for field in r["fields"]:
        if (r["project"], field) not in last_of_field or r["version"] > last_of_field[r["project"], field]["version"]:
            last_of_field[r["project"], field] = r
for project_id, r in last_edit.items():
    project = Project.objects.get(pk=project_id)
    if project.version > r["version"]:
        unverifiable.append({{**r, "why": f"version {{project.version}} written after the last recorded edit"}})
    elif project.version < r["version"]:
        miss(r, f"the project is at version {{project.version}}")
    else:
        for (edited, field), f_r in last_of_field.items():
            if edited == project_id and not same(getattr(project, field), f_r["fields"][field]):
                miss(f_r, f"the project's {{field}} is {{getattr(project, field)!r}}, not the last value written")

# Stages: each action is a history row of the stage with its status and text; the stage's status is
# that of the last of them.
TEXT = {{"finish": "notes", "skip": "skip_reason", "reopen": "reopen_reason"}}
last = {{}}
for r in (r for r in records if r["kind"] == "stage_action"):
    row = (
        ProjectStage.history.filter(id=r["stage"], status=r["status"], **{{TEXT[r["action"]]: r["text"]}})
        .order_by("history_id").first()
    )
    if row is None:
        miss(r, "no history row of the stage with this status and text")
    elif r["stage"] not in last or row.history_id > last[r["stage"]][0]:
        last[r["stage"]] = (row.history_id, r)
for stage_id, (history_id, r) in last.items():
    stage = ProjectStage.objects.get(pk=stage_id)
    if stage.status != r["status"]:
        later = ProjectStage.history.filter(id=stage_id, history_id__gt=history_id).exclude(status=r["status"])
        if later.exists():
            unverifiable.append({{**r, "why": f"status {{stage.status}} set after the last recorded action"}})
        else:
            miss(r, f"the stage is {{stage.status}}, not {{r['status']}}")

# Service requests: filed, then each step a history row at its version; the request's status is that
# of its highest recorded version.
highest = {{}}
for r in (r for r in records if r["kind"] in ("request_submit", "request_action")):
    if r["kind"] == "request_submit" and not ServiceRequest.objects.filter(pk=r["request"], title=r["title"]).exists():
        miss(r, "no such service request")
        continue
    row = ServiceRequest.history.filter(id=r["request"], version=r["version"], status=r["status"]).first()
    if row is None or ("rating" in r and r["rating"] is not None and row.rating != r["rating"]):
        miss(r, "no history row of the request with this status at this version")
    if r["request"] not in highest or r["version"] > highest[r["request"]]["version"]:
        highest[r["request"]] = r
for request_id, r in highest.items():
    request = ServiceRequest.objects.get(pk=request_id)
    if request.version > r["version"]:
        unverifiable.append({{**r, "why": f"version {{request.version}} written after the last recorded step"}})
    elif request.version < r["version"] or request.status != r["status"]:
        miss(r, f"the request is {{request.status}} v{{request.version}}, not {{r['status']}} v{{r['version']}}")

for r in (r for r in records if r["kind"] == "comment"):
    if not Comment.objects.filter(pk=r["comment"], request_id=r["request"], body=r["body"]).exists():
        miss(r, "no such comment")
for r in (r for r in records if r["kind"] == "visit"):
    if not Visit.objects.filter(pk=r["visit"], topic=r["topic"]).exists():
        miss(r, "no such visit")
exports_done = 0
for r in (r for r in records if r["kind"] == "export"):
    job = ExportJob.objects.filter(pk=r["export"]).first()
    if job is None or job.state != "done" or job.row_count != r["rows"]:
        miss(r, f"export is {{job and job.state}} with {{job and job.row_count}} rows")
    elif not job.file or not default_storage.exists(job.file.name):
        miss(r, "the export's file is gone")
    else:
        exports_done += 1

for r in records:
    checked[r["kind"]] = checked.get(r["kind"], 0) + 1
print(json.dumps({{"checked": checked, "missing": missing, "unverifiable": unverifiable, "exports_done": exports_done}}))
"""


def prepare_accounts(stack: Stack, users: int, path: Path) -> dict:
    """Tokens for the locust users, made in the database: the token login is rate limited per address
    (20/min), and here all users come from one. Each token has its own API rate budget."""
    script = ACCOUNTS_SCRIPT.format(
        tokens_each=math.ceil(users / 8) + 1,
        staff=[(name, "officer") for name in OFFICERS] + [(name, "manager") for name in MANAGERS],
        towns=ENTERPRISE_TOWNS,
    )
    accounts = last_json_line(stack.manage("shell", "-c", script).stdout)
    path.write_text(json.dumps(accounts, ensure_ascii=False))
    return accounts


def last_json_line(output: str) -> dict:
    return json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))


def run_locust(stack: Stack, *, users: int, duration_s: int, spawn_rate: float, results_dir: Path, tokens: Path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOAD_"))}
    env.update(
        LOAD_TOKENS=str(tokens),
        LOAD_WRITES=str(results_dir / "writes.jsonl"),
        LOAD_RESULTS=str(results_dir / "results.json"),
        PYTHONUNBUFFERED="1",
    )
    # --csv keeps the figures second by second (locust_stats_history.csv); the totals are taken from
    # results.json, which the locustfile writes once every user has stopped.
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(spawn_rate), "--run-time", f"{duration_s}s",
        "--stop-timeout", str(STOP_TIMEOUT_S), "--host", stack.base_url,
        "--csv", str(results_dir / "locust"), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(results_dir / "locust.log", "wb") as log:
        # Locust stops by itself after --run-time (and --stop-timeout for tasks under way); the
        # timeout only bounds a locust that would hang.
        finished = subprocess.run(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            timeout=duration_s + STOP_TIMEOUT_S + 120,
        )  # fmt: skip
    return finished.returncode


def read_results(results_dir: Path) -> dict:
    """The figures the locustfile wrote once every user had stopped: totals, per endpoint, failures."""
    path = results_dir / "results.json"
    if not path.exists():
        log = (results_dir / "locust.log").read_text(errors="replace")
        raise RuntimeError(f"locust left no results; the end of its log:\n{log[-3000:]}")
    return json.loads(path.read_text(encoding="utf-8"))


def server_errors(log_text: str) -> dict:
    """5xx answers (the request log's "status"), ERROR lines and gunicorn worker timeouts in a web log."""
    answers_5xx, errors = [], []
    timeouts = log_text.count("WORKER TIMEOUT")
    for entry in json_lines(log_text):
        if entry.get("logger") == "promotion.requests" and int(entry.get("status") or 0) >= 500:
            answers_5xx.append(f"{entry.get('method')} {entry.get('path')} {entry.get('status')}")
        elif entry.get("level") in ("ERROR", "CRITICAL"):
            errors.append(entry.get("message", "")[:300])
    return {"error_5xx": len(answers_5xx), "answers_5xx": answers_5xx[:20], "errors": errors[:20], "timeouts": timeouts}


def verify_writes(stack: Stack, writes: Path) -> dict:
    if not writes.exists():
        return {"checked": {}, "missing": [], "unverifiable": [], "exports_done": 0}
    return last_json_line(stack.manage("shell", "-c", VERIFY_SCRIPT.format(path=str(writes)), timeout=600).stdout)


def run_load(stack: Stack, *, users: int = 50, duration_s: int = 300, spawn_rate: float | None = None, results_dir):
    """Run locust against `stack`, then check the writes and the web log. Returns the figures."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    spawn_rate = spawn_rate or max(1.0, users / 10)
    for stale in ("writes.jsonl", "results.json"):
        (results_dir / stale).unlink(missing_ok=True)
    tokens = results_dir / "tokens.json"
    prepare_accounts(stack, users, tokens)
    web_mark, worker_mark = stack.log_mark("web"), stack.log_mark("worker")
    started = time.monotonic()
    exit_code = run_locust(
        stack, users=users, duration_s=duration_s, spawn_rate=spawn_rate, results_dir=results_dir, tokens=tokens
    )
    elapsed = time.monotonic() - started
    tokens.unlink()
    figures = read_results(results_dir)
    total = figures["total"]
    web_log, worker_log = web_mark.text(), worker_mark.text()
    (results_dir / "web.log").write_text(web_log)
    (results_dir / "worker.log").write_text(worker_log)
    web, worker = server_errors(web_log), server_errors(worker_log)
    writes = verify_writes(stack, results_dir / "writes.jsonl")
    return {
        "users": users,
        "duration_s": duration_s,
        "elapsed_s": round(elapsed, 1),
        "locust_exit_code": exit_code,
        "requests": total["requests"],
        "failures": total["failures"],
        "failure_samples": figures["failures"][:20],
        "error_5xx": web["error_5xx"],
        "web_log": web,
        "worker_errors": worker["errors"],
        "rps": total["rps"],
        "median_ms": total["median_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "max_ms": total["max_ms"],
        "per_endpoint": figures["endpoints"],
        "outcomes": figures["outcomes"],
        "writes_recorded": sum(writes["checked"].values()),
        "writes_by_kind": writes["checked"],
        "writes_missing": writes["missing"],
        "writes_unverifiable": writes["unverifiable"],
        "worker_exports_done": writes["exports_done"],
        "results_dir": str(results_dir),
    }


def table(result: dict) -> str:
    def cell(value):
        return "-" if value is None else f"{value:.0f}"

    lines = [
        f"{'method':6} {'endpoint':58} {'reqs':>6} {'fail':>5} {'med':>6} {'p95':>6} {'p99':>6} {'max':>6}",
    ]
    for row in sorted(result["per_endpoint"], key=lambda r: -r["requests"]) + [{**result, "method": "", "name": "all"}]:
        lines.append(
            f"{row['method']:6} {row['name'][:58]:58} {row['requests']:>6} {row['failures']:>5} "
            f"{cell(row['median_ms']):>6} {cell(row['p95_ms']):>6} {cell(row['p99_ms']):>6} {cell(row['max_ms']):>6}"
        )
    lines += [
        "",
        f"{result['users']} users, {result['duration_s']} s: {result['requests']} requests, {result['rps']} req/s, "
        f"{result['failures']} failures, {result['error_5xx']} answers 5xx in the web log",
        f"writes: {result['writes_recorded']} recorded {result['writes_by_kind']}, "
        f"{len(result['writes_missing'])} missing, {len(result['writes_unverifiable'])} unverifiable; "
        f"exports done by the worker: {result['worker_exports_done']}",
        f"refusals answering a race (counted, not failures): {result['outcomes']}",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=None, help="users started per second")
    parser.add_argument("--output", type=Path, default=Path("load-results.json"))
    parser.add_argument("--results-dir", type=Path, default=None, help="locust's CSV, its log and the writes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="promotion-load-") as directory:
        results_dir = args.results_dir or Path(directory) / "results"
        with Stack(Path(directory) / "stack") as stack:
            print(f"starting the stack in {directory} ...", flush=True)
            stack.start()
            print(f"load: {args.users} users for {args.duration} s against {stack.base_url}", flush=True)
            result = run_load(
                stack, users=args.users, duration_s=args.duration, spawn_rate=args.spawn_rate, results_dir=results_dir
            )
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(table(result))
    print(f"\nwritten to {args.output}")
    clean = not (result["failures"] or result["error_5xx"] or result["writes_missing"])
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
