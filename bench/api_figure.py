"""Figure 1: the project list API under load (a page of 50, two filters, sorted, with the investor's name
and the current stage), ours under gunicorn against bench.minimal_wsgi under the same gunicorn settings:
a bare WSGI callable sending the same SQL through psycopg and writing the same JSON body.

Each run sends a single client's requests one after another (median latency), then 8 clients' at once
(95th percentile latency and throughput), to ours and then to the limit; the figures are medians over
the runs. Throughput is given as its inverse (milliseconds per request), so that the ratio reads like
the others: ours / limit, lower is better.
"""

import datetime
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from .harness import ROOT, RUNS, Figure

TARGET = 3
PAGE_SIZE = 50
CLIENTS = 8
SEQUENTIAL_REQUESTS = 100
CONCURRENT_REQUESTS = 240
# Both servers alike: two synchronous workers, one per core of the bench machine (docker/gunicorn.conf.py
# runs 3 workers x 2 threads per container, behind nginx).
GUNICORN_ARGS = ["--workers", "2", "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"]
# What nginx sends in production (docker/nginx.conf): the public host name and the original scheme.
HOST = "localhost"
PATH = "/api/v1/projects/"


# --- The request: filters, the SQL it sends, where each field lands in the page's rows -------------


def chain_stage_extremes() -> tuple[dict, dict]:
    """The (industry chain, current stage) pairs holding the most and the fewest projects."""
    from django.db.models import Count

    from projects.models import Project

    pairs = (
        Project.objects.exclude(industry_chain=None)
        .exclude(current_stage=None)
        .values("industry_chain__code", "current_stage__code")
        .annotate(n=Count("id"))
        .order_by("-n", "industry_chain__code", "current_stage__code")
    )
    pairs = list(pairs)
    many, few = pairs[0], pairs[-1]
    return (
        {"industry_chain": many["industry_chain__code"], "stage": many["current_stage__code"]},
        {"industry_chain": few["industry_chain__code"], "stage": few["current_stage__code"]},
    )


def query_string(filters: dict) -> str:
    return urlencode({**filters, "ordering": "-signed_on", "page_size": PAGE_SIZE})


def _named_tables() -> dict[str, str]:
    """The table of each small table a project row names, by relation (signing_event, town...)."""
    from projects.api.views import NAMED_RELATIONS
    from projects.models import Project

    return {name: Project._meta.get_field(name).related_model._meta.db_table for name in NAMED_RELATIONS}


def _role(sql: str) -> str:
    lookup = re.match(r'SELECT .* FROM "(\w+)" WHERE \(?"\1"\."id"\)? IN \(', sql)
    if lookup and lookup.group(1) in _named_tables().values():
        return f"lookup:{lookup.group(1)}"
    if '"knox_authtoken"."token_key" =' in sql:
        return "token"
    if sql.startswith("SELECT COUNT(*)"):
        return "count"
    if "_prefetch_related_val_project_id" in sql:
        return "team"
    if 'FROM "projects_project"' in sql and " LIMIT " in sql:
        return "page"
    return "other"


def captured_request(token: str, query: str) -> tuple[list[dict], bytes]:
    """The statements our API sends for GET PATH?query (in order, with their roles) and its body."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    with CaptureQueriesContext(connection) as captured:
        response = APIClient().get(f"{PATH}?{query}", **_django_headers(token))
    assert response.status_code == 200, (response.status_code, response.content[:500])
    statements = [{"role": _role(q["sql"]), "sql": q["sql"]} for q in captured.captured_queries]
    roles = [s["role"] for s in statements]
    assert all(roles.count(role) == 1 for role in ("token", "count", "page", "team")), roles
    return statements, response.content


def minimal_spec(url: str, user, token: str, filters: dict) -> tuple[dict, bytes]:
    """What bench.minimal_wsgi needs to answer as our API does for `filters`, and our API's body."""
    from django.conf import settings

    statements, body = captured_request(token, query_string(filters))
    columns = page_columns(user, filters)
    spec = {
        "database_url": url,
        "time_zone": settings.TIME_ZONE,
        "statements": statements,
        "columns": columns,
        "lookups": lookup_columns(),
    }
    return spec, body


def lookup_columns() -> dict[str, dict]:
    """For each named relation, its table and where each field is in a row of its lookup statement
    (a plain queryset's rows: the model's concrete fields in order)."""
    from projects.models import Project

    lookups = {}
    for name, table in _named_tables().items():
        model = Project._meta.get_field(name).related_model
        fields = {field.attname: index for index, field in enumerate(model._meta.concrete_fields)}
        lookups[name] = {"table": table, "columns": fields}
    return lookups


def page_columns(user, filters: dict) -> dict[str, int]:
    """Where each field is in a row of the page statement, as Django's compiler lays the row out:
    "id", "enterprise.name", "current_stage.code", "officer.display_name", "is_overdue", ..."""
    from django.http import QueryDict

    from projects.api.filters import ProjectFilter
    from projects.api.views import api_project_list

    data = QueryDict(query_string(filters))
    queryset = ProjectFilter(data, queryset=api_project_list(user)).qs[:PAGE_SIZE]
    compiler = queryset.query.get_compiler("default")
    compiler.setup_query()
    columns = {}

    def walk(klass_info, prefix):
        for index in klass_info["select_fields"]:
            columns[prefix + compiler.select[index][0].target.attname] = index
        for related in klass_info.get("related_klass_infos", []):
            walk(related, f"{prefix}{related['field'].name}.")

    walk(compiler.klass_info, "")
    columns.update(compiler.annotation_col_map)
    return columns


# --- The servers ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict, headers: dict, probe_path: str):
    """gunicorn serving `app` on a free loopback port, answering before it is handed over, always stopped."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_answering(process, port, headers, probe_path, log.name)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        os.unlink(log.name)


def _wait_until_answering(process, port: int, headers: dict, path: str, log_path: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{Path(log_path).read_text()[-3000:]}")
        try:
            status, body = _fetch(port, path, headers)
        except OSError:
            status = None
        if status == 200:
            return
        if status is not None:
            raise RuntimeError(f"gunicorn on {port} answered {status}: {body[:500]!r}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"gunicorn on port {port} did not answer in {timeout:.0f} s")
        time.sleep(0.2)


def _fetch(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- The load ------------------------------------------------------------------------------------------


def _timed_get(connection: HTTPConnection, path: str, headers: dict) -> float:
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return elapsed


def load(port: int, path: str, headers: dict, requests: int, clients: int) -> tuple[list[float], float]:
    """`requests` GETs shared by `clients` threads, each with its own keep-alive connection (reopened when
    the server closes it): every request's latency and the wall time of them all."""
    numbers = itertools.count()
    latencies: list[float] = []
    lock = threading.Lock()

    def client():
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        try:
            while next(numbers) < requests:
                mine.append(_timed_get(connection, path, headers))
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return latencies, time.perf_counter() - started


def measure(port: int, path: str, headers: dict) -> dict:
    """One run against one server: single-client median latency, 8-client p95 latency and throughput."""
    sequential, _ = load(port, path, headers, SEQUENTIAL_REQUESTS, 1)
    concurrent, wall = load(port, path, headers, CONCURRENT_REQUESTS, CLIENTS)
    return {
        "median_ms": statistics.median(sequential) * 1000,
        "p95_ms": statistics.quantiles(concurrent, n=20)[18] * 1000,
        "concurrent_median_ms": statistics.median(concurrent) * 1000,
        "per_second": CONCURRENT_REQUESTS / wall,
    }


def _medians(samples: list[dict]) -> dict:
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def _django_headers(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}


def _http_headers(token: str) -> dict:
    return {"Authorization": f"Token {token}", "Host": HOST, "X-Forwarded-Proto": "https"}


# --- The figure ----------------------------------------------------------------------------------------


def project_list_api(scale: str, url: str) -> list[Figure]:
    """Project list API (page of 50, two filters, sorted) under gunicorn, against a minimal WSGI endpoint."""
    from knox.models import AuthToken

    from .figures import district_manager

    manager = district_manager()
    many, few = chain_stage_extremes()
    query = query_string(many)
    path = f"{PATH}?{query}"
    instance, token = AuthToken.objects.create(manager, expiry=datetime.timedelta(hours=2))
    spec_file = tempfile.NamedTemporaryFile("w", prefix="bench-minimal-wsgi-", suffix=".json", delete=False)
    try:
        spec, expected = minimal_spec(url, manager, token, many)
        statements = spec["statements"]
        few_statements, few_body = captured_request(token, query_string(few))
        counts = {"many": json.loads(expected)["count"], "few": json.loads(few_body)["count"]}
        json.dump(spec, spec_file, ensure_ascii=False)
        spec_file.close()

        headers = _http_headers(token)
        # The staff rate limit (600 a minute per token) would answer 429 within the first run: raised, still checked.
        ours_env = {**os.environ, "API_RATE_STAFF": "1000000/min"}
        limit_env = {**os.environ, "MINIMAL_WSGI_SPEC": spec_file.name}
        with (
            gunicorn("promotion.wsgi:application", ours_env, headers, path) as ours_port,
            gunicorn("bench.minimal_wsgi:application", limit_env, headers, path) as limit_port,
        ):
            ours_body, limit_body = _fetch(ours_port, path, headers)[1], _fetch(limit_port, path, headers)[1]
            same_bytes = ours_body == limit_body == expected
            same_json = json.loads(ours_body) == json.loads(limit_body) == json.loads(expected)
            if not same_json:
                print("project list API: the minimal endpoint's body differs from ours", flush=True)
            samples = {"ours": [], "limit": []}
            for run in range(1 + RUNS):
                for name, port in (("ours", ours_port), ("limit", limit_port)):
                    result = measure(port, path, headers)
                    if run:  # the first run warms both servers' workers up
                        samples[name].append(result)
    finally:
        instance.delete()
        if not spec_file.closed:
            spec_file.close()
        os.unlink(spec_file.name)

    ours, limit = _medians(samples["ours"]), _medians(samples["limit"])
    equal = "bodies byte-equal" if same_bytes else "bodies JSON-equal" if same_json else "BODIES DIFFER"
    setting = (
        f"GET {path} ({counts['many']} matching), district-wide manager with a token; "
        f"gunicorn {' '.join(GUNICORN_ARGS[:4])} for both; limit: bench.minimal_wsgi, the API's "
        f"{len(statements)} statements through psycopg, JSON by hand, {equal}"
    )
    return [
        Figure(
            "project list API: median latency, 1 client",
            ours["median_ms"],
            "ms",
            limit["median_ms"],
            TARGET,
            scale,
            f"{SEQUENTIAL_REQUESTS} requests one after another per run; {setting}",
        ),
        Figure(
            f"project list API: p95 latency, {CLIENTS} clients",
            ours["p95_ms"],
            "ms",
            limit["p95_ms"],
            TARGET,
            scale,
            f"{CONCURRENT_REQUESTS} requests by {CLIENTS} threads per run, median latency "
            f"{ours['concurrent_median_ms']:.1f} ms (limit {limit['concurrent_median_ms']:.1f} ms); {setting}",
        ),
        Figure(
            f"project list API: ms per request at {CLIENTS} clients (1/throughput)",
            1000 / ours["per_second"],
            "ms",
            1000 / limit["per_second"],
            TARGET,
            scale,
            f"throughput {ours['per_second']:.1f} req/s (limit {limit['per_second']:.1f} req/s); ratio = "
            f"limit's throughput / ours; {setting}",
        ),
        Figure(
            "project list API: queries per request",
            len(statements),
            "count",
            len(few_statements),
            1.0,
            scale,
            f"limit: the count with a filter matching {counts['few']} projects ({query_string(few)}); "
            f"ours with {counts['many']} matching; the same number is the target",
        ),
    ]
