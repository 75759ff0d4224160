"""Locust users for the load test (reliability/load.py runs this file in a process of its own).

A working day of the system: town officers list, filter, search and open their projects, edit them,
move stages on, record visits and handle the enterprises' service requests; managers read the
pipeline report, export lists and reopen stages; enterprise users file requests, follow them, close
and rate them. Every request goes through `ApiUser.call`: an answer that is not the expected status is
a failure. The only 4xx taken as an answer are the refusals of a write raced by another user (409 or
412 on a stale project, 400 on a service request or a stage someone else has just moved); each is
taken only after re-reading the object shows that it did change, and is counted by kind in the
results (LOAD_RESULTS).

Every write that succeeded is appended to LOAD_WRITES (JSON lines) with what must be in the
database afterwards; load.py checks them. LOAD_TOKENS names a JSON file {username: {"role",
"tokens"}} of tokens made beforehand (the login is rate limited per address, and 50 users come from
one here); without it each user logs in with LOAD_PASSWORD.
"""

import datetime
import itertools
import json
import os
import random
import time
import uuid
import zoneinfo
from collections import Counter
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.exception import RescheduleTask

API = "/api/v1"
PASSWORD = os.environ.get("LOAD_PASSWORD", "jiading-demo")
TIME_ZONE = zoneinfo.ZoneInfo(os.environ.get("LOAD_TIME_ZONE", "Asia/Shanghai"))
EXPORT_TIMEOUT_S = float(os.environ.get("LOAD_EXPORT_TIMEOUT", "120"))
EXPORT_POLL_S = 1.0

DEFAULT_USERS = {
    "officer": ["officer", "officer_nanxiang", "officer_jiangqiao", "officer_industrial", "officer_malu"],
    "manager": ["manager", "manager_anting"],
    "enterprise": ["enterprise"],
}
SEARCH_WORDS = ["汽车", "科技", "智能", "新能源", "医疗", "传感", "电子", "装备", "JD-20", "示例", "上海", "材料"]
PROJECT_ORDERINGS = ["signed_on", "-signed_on", "total_investment", "-total_investment", "code", "name", "-updated_at"]
PROJECT_FILTERS = [
    {"status": "active"},
    {"priority": "key"},
    {"priority": "major"},
    {"overdue": "true"},
    {"passed": "landed"},
    {"passed": "production"},
    {"industry_chain": "auto"},
    {"industry_chain": "sensors_ic"},
    {"stage": "completion"},
    {"signed_year": "2024"},
]
REPORT_GROUPINGS = [None, "industry_chain", "town", "leading_unit", "signing_event", "signing_year"]
OPEN_STAGE = ("pending", "in_progress")
CLOSED_STAGE = ("done", "skipped")
OPEN_REQUEST = ["submitted", "accepted", "in_progress"]


# --- what the run leaves behind for load.py ---------------------------------------------------


class WriteLog:
    """The writes that succeeded, one JSON line each, with what the database must hold afterwards."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8") if path else None

    def record(self, kind, **facts):
        if self.file is None:
            return
        line = json.dumps({"kind": kind, "at": time.time(), **facts}, ensure_ascii=False)
        self.file.write(line + "\n")  # one whole line at a time: greenlets do not switch in a file write
        self.file.flush()


WRITES = WriteLog(os.environ.get("LOAD_WRITES"))
OUTCOMES = Counter()


@events.quitting.add_listener
def save_results(environment, **_kwargs):
    """The final figures, once every user has stopped (locust's CSV is written a second at a time and
    misses the last requests of the users that finish their task after --run-time)."""
    path = os.environ.get("LOAD_RESULTS")
    if not path:
        return
    stats = environment.stats

    def figures(entry):
        return {
            "method": entry.method or "",
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else None,
            "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
            "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else None,
            "max_ms": round(entry.max_response_time) if entry.num_requests else None,
            "rps": round(entry.total_rps, 2),
        }

    failures = [
        {"method": e.method, "name": e.name, "error": str(e.error)[:500], "count": e.occurrences}
        for e in stats.errors.values()
    ]
    with open(path, "w", encoding="utf-8") as file:
        json.dump(
            {
                "total": figures(stats.total),
                "endpoints": [figures(entry) for entry in stats.entries.values()],
                "failures": failures,
                "outcomes": dict(OUTCOMES),
            },
            file,
            ensure_ascii=False,
            indent=1,
        )


def load_tokens():
    path = os.environ.get("LOAD_TOKENS")
    if not path:
        return None
    with open(path, encoding="utf-8") as file:
        return json.load(file)


TOKENS = load_tokens()


def accounts_of(role):
    """(username, token or None) pairs of a role, handed out in turn, one account after the other."""
    if TOKENS is None:
        return itertools.cycle([(name, None) for name in DEFAULT_USERS[role]])
    per_account = [
        [(name, token) for token in entry["tokens"]] for name, entry in TOKENS.items() if entry["role"] == role
    ]
    interleaved = [pair for row in itertools.zip_longest(*per_account) for pair in row if pair is not None]
    return itertools.cycle(interleaved)


ACCOUNTS = {role: accounts_of(role) for role in DEFAULT_USERS}


def today():
    return datetime.datetime.now(TIME_ZONE).date().isoformat()


def marker(what):
    return f"负荷测试{what}-{uuid.uuid4().hex[:12]}"


def results(body):
    return body["results"] if isinstance(body, dict) and "results" in body else body


class Unexpected(RescheduleTask):
    """A request was counted as a failure; the user goes on with its next task."""


# --- the users --------------------------------------------------------------------------------


class ApiUser(HttpUser):
    abstract = True
    wait_time = between(1, 5)
    role = None

    def on_start(self):
        self.username, token = next(ACCOUNTS[self.role])
        self.client.headers["X-Forwarded-Proto"] = "https"  # as nginx forwards it; else 301 to https
        if token is None:
            answer = self.call("POST", f"{API}/auth/token/", json={"username": self.username, "password": PASSWORD})
            token = answer.json()["token"]
        self.client.headers["Authorization"] = f"Token {token}"
        self.project_ids = []
        self.request_ids = []
        self.remember_projects(self.call("GET", f"{API}/projects/", name="[setup] projects", params={"page_size": 100}))

    # -- one request, judged

    def call(self, method, path, *, name=None, expected=(200,), race=None, **kwargs):
        """Send a request; a status other than `expected` is a failure (and ends the task).

        `race` = (statuses, kind, unchanged): a refusal with one of `statuses` is the answer to a race
        when `unchanged()`, a re-read, shows that the object did change meanwhile; it is then counted
        under `kind` in the outcomes and returned. A refusal of an unchanged object is a failure."""
        kwargs.setdefault("timeout", 60)
        with self.client.request(method, path, name=name or path, catch_response=True, **kwargs) as response:
            if response.status_code in expected:
                response.success()
                return response
            if race and response.status_code in race[0]:
                statuses, kind, unchanged = race
                try:
                    lost_a_race = not unchanged()
                except Unexpected:
                    lost_a_race = False
                if lost_a_race:
                    response.success()
                    OUTCOMES[kind] += 1
                    return response
                response.failure(f"{response.status_code} though nothing changed meanwhile: {response.text[:300]}")
            elif response.status_code == 0:  # no answer: the connection failed
                response.failure(f"no answer: {response.error!r}"[:300])
            else:
                response.failure(f"{response.status_code}: {response.text[:300]}")
        raise Unexpected(f"{method} {path}: {response.status_code}")

    def remember_projects(self, response):
        ids = [item["id"] for item in results(response.json())]
        self.project_ids = list(dict.fromkeys(self.project_ids + ids))[-300:]

    def some_project(self):
        return random.choice(self.project_ids) if self.project_ids else None

    # -- reading

    def list_projects(self):
        params = {"page_size": random.choice([20, 20, 50])}
        for extra in random.sample(PROJECT_FILTERS, random.choice([0, 1, 1, 2])):
            params.update(extra)
        if random.random() < 0.6:
            params["ordering"] = random.choice(PROJECT_ORDERINGS)
        page = self.call("GET", f"{API}/projects/", name=f"{API}/projects/?filters", params=params)
        self.remember_projects(page)
        following = page.json().get("next")
        if following and random.random() < 0.5:
            next_page = urlsplit(following)
            self.call("GET", f"{next_page.path}?{next_page.query}", name=f"{API}/projects/?page=N")

    def search_projects(self):
        words = SEARCH_WORDS
        if self.project_ids and random.random() < 0.3:
            words = [f"JD-{random.choice(['2023', '2024', '2025'])}-00{random.randint(1, 9)}"]
        self.call("GET", f"{API}/projects/", name=f"{API}/projects/?q", params={"q": random.choice(words)})

    def open_project(self):
        project = self.some_project()
        if project is None:
            return
        self.call("GET", f"{API}/projects/{project}/", name=f"{API}/projects/[id]/")
        self.call("GET", f"{API}/projects/{project}/stages/", name=f"{API}/projects/[id]/stages/")
        if random.random() < 0.2:
            self.call("GET", f"{API}/projects/{project}/history/", name=f"{API}/projects/[id]/history/")

    def pipeline_report(self):
        params = {}
        grouping = random.choice(REPORT_GROUPINGS)
        if grouping:
            params["group_by"] = grouping
        if random.random() < 0.3:
            params.update(random.choice(PROJECT_FILTERS))
        self.call("GET", f"{API}/reports/pipeline/", name=f"{API}/reports/pipeline/", params=params)

    def list_requests(self, **params):
        page = self.call("GET", f"{API}/service-requests/", name=f"{API}/service-requests/?filters", params=params)
        found = results(page.json())
        self.request_ids = list(dict.fromkeys(self.request_ids + [r["id"] for r in found]))[-100:]
        return found

    def open_request(self):
        if not self.request_ids:
            self.list_requests()
        if self.request_ids:
            request = random.choice(self.request_ids)
            self.call("GET", f"{API}/service-requests/{request}/", name=f"{API}/service-requests/[id]/")
            self.call(
                "GET", f"{API}/service-requests/{request}/comments/", name=f"{API}/service-requests/[id]/comments/"
            )

    def request_unchanged(self, request):
        again = self.call("GET", f"{API}/service-requests/{request['id']}/", name=f"{API}/service-requests/[id]/")
        return again.json()["version"] == request["version"]

    # -- writing

    def record_request(self, request, action):
        WRITES.record(
            "request_action", request=request["id"], action=action, status=request["status"],
            version=request["version"], rating=request["rating"], user=self.username,
        )  # fmt: skip

    def export(self, kind, filters):
        """Ask for an export, follow it until the worker is done, download it."""
        job = self.call(
            "POST", f"{API}/exports/", name=f"{API}/exports/", json={"kind": kind, "filters": filters}, expected=(202,)
        ).json()
        deadline = time.monotonic() + EXPORT_TIMEOUT_S
        while job["state"] not in ("done", "failed"):
            if time.monotonic() > deadline:
                self.fail_event("export", f"export {job['id']} not done within {EXPORT_TIMEOUT_S:.0f} s")
                return
            gevent.sleep(EXPORT_POLL_S)
            job = self.call("GET", f"{API}/exports/{job['id']}/", name=f"{API}/exports/[id]/ (poll)").json()
        if job["state"] == "failed":
            self.fail_event("export", f"export {job['id']} failed: {job['error']}")
            return
        file = self.call("GET", f"{API}/exports/{job['id']}/download/", name=f"{API}/exports/[id]/download/")
        if not file.content.startswith(b"PK"):
            self.fail_event("export", f"export {job['id']}: the download is not an xlsx file")
            return
        WRITES.record(
            "export", export=job["id"], export_kind=kind, rows=job["row_count"], size=len(file.content),
            user=self.username,
        )  # fmt: skip

    def fail_event(self, name, message):
        self.environment.events.request.fire(
            request_type="CHECK", name=name, response_time=0, response_length=0, exception=Exception(message),
            context={},
        )  # fmt: skip


class StaffUser(ApiUser):
    abstract = True

    def on_start(self):
        super().on_start()
        stage_types = self.call("GET", f"{API}/stage-types/", name="[setup] stage-types").json()
        self.required_facts = {t["code"]: t["required_facts"] for t in results(stage_types)}
        enterprises = self.call("GET", f"{API}/enterprises/", name="[setup] enterprises", params={"page_size": 100})
        self.enterprise_ids = [e["id"] for e in results(enterprises.json())]

    def edit_project(self):
        """PATCH a project with the version and ETag just read; an edit raced by another is read and tried again."""
        project = self.some_project()
        if project is None:
            return
        url = f"{API}/projects/{project}/"
        for _attempt in range(3):
            read = self.call("GET", url, name=f"{API}/projects/[id]/")
            version = read.json()["version"]
            change = {"notes": marker("备注")}
            if random.random() < 0.3:
                change["priority"] = random.choice(["major", "key", "general"])

            def unchanged(version=version):
                return self.call("GET", url, name=f"{API}/projects/[id]/").json()["version"] == version

            answer = self.call(
                "PATCH", url, name=f"{API}/projects/[id]/", json={**change, "version": version},
                headers={"If-Match": read.headers["ETag"]}, race=((409, 412), "project edited meanwhile", unchanged),
            )  # fmt: skip
            if answer.status_code == 200:
                edited = answer.json()
                WRITES.record(
                    "project_edit", project=project, fields=change, version=edited["version"], user=self.username
                )
                return
        OUTCOMES["project edit given up after 3 races"] += 1

    def stages_unchanged(self, project, stages):
        again = self.call("GET", f"{API}/projects/{project}/stages/", name=f"{API}/projects/[id]/stages/").json()
        return [(s["id"], s["status"]) for s in again] == [(s["id"], s["status"]) for s in stages]

    def move_stage(self):
        """Finish the project's first open stage; skip it (with a reason) when the project lacks a fact it needs."""
        project = self.some_project()
        if project is None:
            return
        stages = self.call("GET", f"{API}/projects/{project}/stages/", name=f"{API}/projects/[id]/stages/").json()
        open_stages = [s for s in stages if s["status"] in OPEN_STAGE]
        if not open_stages:
            return
        stage = open_stages[0]
        detail = self.call("GET", f"{API}/projects/{project}/", name=f"{API}/projects/[id]/").json()
        if self.lacks_facts(detail, self.required_facts.get(stage["code"], [])):
            action, text = "skip", marker("跳过")
            body = {"reason": text}
        else:
            action, text = "finish", marker("完成")
            body = {"finished_on": today(), "notes": text}
        answer = self.call(
            "POST", f"{API}/projects/{project}/stages/{stage['id']}/{action}/",
            name=f"{API}/projects/[id]/stages/[id]/{action}/", json=body,
            race=((400,), f"stage {action}: moved meanwhile", lambda: self.stages_unchanged(project, stages)),
        )  # fmt: skip
        if answer.status_code == 200:
            self.record_stage(project, answer.json(), action, text)

    def lacks_facts(self, project, facts):
        """What finishing would refuse (the stage type's required facts), read beforehand."""
        for path in facts:
            head, _, rest = path.partition(".")
            value = project.get(head)
            if rest and value is not None:
                related = self.call("GET", f"{API}/{head}s/{value}/", name=f"{API}/{head}s/[id]/")
                value = related.json().get(rest)
            if value in (None, ""):
                return True
        return False

    def record_stage(self, project, stage, action, text):
        WRITES.record(
            "stage_action", project=project, stage=stage["id"], action=action, status=stage["status"],
            text=text, user=self.username,
        )  # fmt: skip

    def handle_request(self):
        """The next step on a service request: accept a new one, answer an accepted one, resolve an answered
        one, or add an internal note to an open one."""
        action, statuses = random.choice(
            [("accept", ["submitted"]), ("reply", ["accepted"]), ("resolve", ["in_progress"]), ("note", OPEN_REQUEST)]
        )
        found = self.list_requests(status=statuses)
        if not found:
            return
        request = random.choice(found)
        url = f"{API}/service-requests/{request['id']}/"
        race = ((400,), f"request {action}: moved meanwhile", lambda: self.request_unchanged(request))
        if action == "note":
            body = marker("内部备注")
            answer = self.call(
                "POST", f"{url}comments/", name=f"{API}/service-requests/[id]/comments/",
                json={"body": body, "is_internal": True}, expected=(201,), race=race,
            )  # fmt: skip
            if answer.status_code == 201:
                WRITES.record(
                    "comment", request=request["id"], comment=answer.json()["id"], body=body, user=self.username
                )
            return
        body = {"reply": marker("答复")} if action in ("reply", "resolve") else None
        answer = self.call(
            "POST", f"{url}{action}/", name=f"{API}/service-requests/[id]/{action}/", json=body, race=race
        )
        if answer.status_code == 200:
            self.record_request(answer.json(), action)

    def record_visit(self):
        if not self.enterprise_ids:
            return
        topic = marker("走访")
        visit = self.call(
            "POST", f"{API}/visits/", name=f"{API}/visits/", expected=(201,),
            json={"enterprise": random.choice(self.enterprise_ids), "visited_on": today(), "topic": topic,
                  "summary": "了解企业经营情况和扩产需求。"},
        )  # fmt: skip
        WRITES.record("visit", visit=visit.json()["id"], topic=topic, user=self.username)

    def list_visits(self):
        self.call("GET", f"{API}/visits/", name=f"{API}/visits/", params={"page_size": 20})

    def staff_export(self):
        kind = random.choice(["projects", "projects", "stages", "service_requests", "enterprises"])
        filters = random.choice([{}, {"status": ["active"]}, {"industry_chain": "auto"}]) if kind == "projects" else {}
        self.export(kind, filters)


class OfficerUser(StaffUser):
    """A town's investment-promotion officer (招商专员)."""

    role = "officer"
    weight = 6

    @task(10)
    def projects(self):
        self.list_projects()

    @task(6)
    def project(self):
        self.open_project()

    @task(4)
    def search(self):
        self.search_projects()

    @task(2)
    def edit(self):
        self.edit_project()

    @task(2)
    def stage(self):
        self.move_stage()

    @task(3)
    def requests(self):
        self.handle_request()

    @task(1)
    def request_detail(self):
        self.open_request()

    @task(1)
    def visit(self):
        self.record_visit()

    @task(1)
    def visits(self):
        self.list_visits()

    @task(2)
    def report(self):
        self.pipeline_report()

    @task(1)
    def export_list(self):
        self.staff_export()


class ManagerUser(StaffUser):
    """A manager: the district's (sees everything) or a town's."""

    role = "manager"
    weight = 2

    @task(6)
    def projects(self):
        self.list_projects()

    @task(3)
    def project(self):
        self.open_project()

    @task(2)
    def search(self):
        self.search_projects()

    @task(5)
    def report(self):
        self.pipeline_report()

    @task(2)
    def export_list(self):
        self.staff_export()

    @task(1)
    def requests(self):
        self.handle_request()

    @task(1)
    def edit(self):
        self.edit_project()

    @task(1)
    def reopen(self):
        """Reopen the last closed stage of a project (a correction), so the officers keep stages to move."""
        project = self.some_project()
        if project is None:
            return
        stages = self.call("GET", f"{API}/projects/{project}/stages/", name=f"{API}/projects/[id]/stages/").json()
        closed = [s for s in stages if s["status"] in CLOSED_STAGE and s["code"] not in ("negotiation", "signing")]
        if not closed:
            return
        stage, reason = closed[-1], marker("重新打开")
        answer = self.call(
            "POST", f"{API}/projects/{project}/stages/{stage['id']}/reopen/",
            name=f"{API}/projects/[id]/stages/[id]/reopen/", json={"reason": reason},
            race=((400,), "stage reopen: moved meanwhile", lambda: self.stages_unchanged(project, stages)),
        )  # fmt: skip
        if answer.status_code == 200:
            self.record_stage(project, answer.json(), "reopen", reason)


class EnterpriseUser(ApiUser):
    """An enterprise's liaison: files service requests, follows them and the enterprise's projects."""

    role = "enterprise"
    weight = 2

    def on_start(self):
        super().on_start()
        categories = self.call("GET", f"{API}/service-request-categories/", name="[setup] categories").json()
        self.categories = [c["code"] for c in results(categories)]

    @task(4)
    def requests(self):
        self.list_requests(**random.choice([{}, {"status": OPEN_REQUEST}]))

    @task(3)
    def request_detail(self):
        self.open_request()

    @task(2)
    def projects(self):
        self.remember_projects(self.call("GET", f"{API}/projects/", name=f"{API}/projects/?filters"))
        self.open_project()

    @task(3)
    def submit(self):
        title = marker("诉求")
        created = self.call(
            "POST", f"{API}/service-requests/", name=f"{API}/service-requests/", expected=(201,),
            json={"category": random.choice(self.categories), "title": title,
                  "description": "企业在扩产过程中需要协调用工和审批事项，请予支持。"},
        ).json()  # fmt: skip
        self.request_ids.append(created["id"])
        WRITES.record(
            "request_submit", request=created["id"], title=title, status=created["status"],
            version=created["version"], user=self.username,
        )  # fmt: skip

    @task(1)
    def comment(self):
        found = self.list_requests(status=OPEN_REQUEST)
        if not found:
            return
        request, body = random.choice(found), marker("留言")
        answer = self.call(
            "POST", f"{API}/service-requests/{request['id']}/comments/", name=f"{API}/service-requests/[id]/comments/",
            json={"body": body}, expected=(201,),
            race=((400,), "comment: request closed meanwhile", lambda: self.request_unchanged(request)),
        )  # fmt: skip
        if answer.status_code == 201:
            WRITES.record("comment", request=request["id"], comment=answer.json()["id"], body=body, user=self.username)

    @task(2)
    def conclude(self):
        """Rate a resolved request (好差评), then close it."""
        found = self.list_requests(status=["resolved"])
        if not found:
            return
        request = random.choice(found)
        url = f"{API}/service-requests/{request['id']}/"
        if request["rating"] is None:
            answer = self.call(
                "POST", f"{url}rate/", name=f"{API}/service-requests/[id]/rate/",
                json={"rating": random.choice([5, 5, 4, 4, 3, 2]), "comment": "办理及时。"},
                race=((400,), "request rate: rated meanwhile", lambda: self.request_unchanged(request)),
            )  # fmt: skip
            if answer.status_code != 200:
                return
            request = answer.json()
            self.record_request(request, "rate")
        answer = self.call(
            "POST", f"{url}close/", name=f"{API}/service-requests/[id]/close/",
            race=((400,), "request close: closed meanwhile", lambda: self.request_unchanged(request)),
        )  # fmt: skip
        if answer.status_code == 200:
            self.record_request(answer.json(), "close")

    @task(1)
    def export_requests(self):
        self.export(random.choice(["service_requests", "projects"]), {})
