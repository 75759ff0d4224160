"""The limit of the project list API figure (bench.api_figure): a bare WSGI callable that sends the SQL
our API sends for one request (captured from the Django side) through psycopg, and writes the same
JSON body by hand. No framework, one connection per worker process:

    MINIMAL_WSGI_SPEC=spec.json gunicorn bench.minimal_wsgi:application

The spec (JSON) holds `database_url`, `time_zone`, `statements` ([{"role", "sql"}] in the order the API
sends them; roles `token`, `other`, `count`, `page`, `team`, `lookup:<table>`), `columns` (where each
field of the page statement's rows is: "id", "enterprise.name", "officer.display_name", "is_overdue",
...) and `lookups` (for each small table a row names, e.g. "town": its table and where each field is
in the rows of its lookup statement).
"""

import hashlib
import json
import os
from decimal import Decimal
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import psycopg

CENT = Decimal("0.01")
PAGE_SIZE_PARAM, PAGE_PARAM = "page_size", "page"


_spec: dict | None = None
_connection: psycopg.Connection | None = None


def spec() -> dict:
    global _spec
    if _spec is None:
        with open(os.environ["MINIMAL_WSGI_SPEC"], encoding="utf-8") as f:
            _spec = json.load(f)
    return _spec


def connection() -> psycopg.Connection:
    """This worker's connection, opened on its first request (after gunicorn forks), as Django opens its
    own: autocommit, no JIT, no prepared statements."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(
            spec()["database_url"], autocommit=True, prepare_threshold=None, options="-c jit=off"
        )
    return _connection


def _decimal(value):
    return None if value is None else str(value)


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value, zone):
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _per_mu(amount, area):
    if amount is None or not area:
        return None
    return str((amount / area).quantize(CENT))


def _person(row, c, prefix):
    """User.__str__: the display name, else the full name, else the username."""
    if row[c[f"{prefix}.id"]] is None:
        return None
    full = f"{row[c[prefix + '.first_name']]} {row[c[prefix + '.last_name']]}".strip()
    return row[c[f"{prefix}.display_name"]] or full or row[c[f"{prefix}.username"]]


def project(row, c, team, zone, named) -> dict:
    """One project as the API's ProjectSerializer writes it; named(relation, field, id) reads a field of
    a row the lookup statements fetched."""
    area = row[c["land_area"]]
    return {
        "id": row[c["id"]],
        "code": row[c["code"]],
        "name": row[c["name"]],
        "enterprise": row[c["enterprise_id"]],
        "enterprise_name": row[c["enterprise.name"]],
        "signing_event": row[c["signing_event_id"]],
        "signing_event_name": named("signing_event", "name", row[c["signing_event_id"]]),
        "signed_on": _date(row[c["signed_on"]]),
        "industry_chain": named("industry_chain", "code", row[c["industry_chain_id"]]),
        "town": row[c["town_id"]],
        "town_name": named("town", "name", row[c["town_id"]]),
        "leading_unit": row[c["leading_unit_id"]],
        "leading_unit_name": named("leading_unit", "name", row[c["leading_unit_id"]]),
        "source": row[c["source"]],
        "total_investment": _decimal(row[c["total_investment"]]),
        "fixed_asset_investment": _decimal(row[c["fixed_asset_investment"]]),
        "registered_capital": _decimal(row[c["registered_capital"]]),
        "foreign_capital": _decimal(row[c["foreign_capital"]]),
        "land_area": _decimal(area),
        "land_supply_mode": row[c["land_supply_mode"]],
        "expected_annual_output": _decimal(row[c["expected_annual_output"]]),
        "expected_annual_tax": _decimal(row[c["expected_annual_tax"]]),
        "expected_jobs": row[c["expected_jobs"]],
        "funds_in_place": _decimal(row[c["funds_in_place"]]),
        "priority": row[c["priority"]],
        "status": row[c["status"]],
        "stage": named("current_stage", "code", row[c["current_stage_id"]]),
        "stage_name": named("current_stage", "name", row[c["current_stage_id"]]),
        "is_overdue": row[c["is_overdue"]],
        "officer": row[c["officer_id"]],
        "officer_name": _person(row, c, "officer"),
        "team": team.get(row[c["id"]], []),
        "is_sample": row[c["is_sample"]],
        "notes": row[c["notes"]],
        "investment_intensity": _per_mu(row[c["fixed_asset_investment"]], area),
        "output_per_mu": _per_mu(row[c["expected_annual_output"]], area),
        "tax_per_mu": _per_mu(row[c["expected_annual_tax"]], area),
        "version": row[c["version"]],
        "created_at": _datetime(row[c["created_at"]], zone),
        "updated_at": _datetime(row[c["updated_at"]], zone),
    }


def _next_link(environ, count: int, page_size: int) -> str | None:
    """Page 2's address, as DRF writes it: the query string sorted, with page=2."""
    if count <= page_size:
        return None
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    query[PAGE_PARAM] = ["2"]
    scheme = "https" if environ.get("HTTP_X_FORWARDED_PROTO") == "https" else environ["wsgi.url_scheme"]
    return f"{scheme}://{environ['HTTP_HOST']}{environ['PATH_INFO']}?{urlencode(sorted(query.items()), doseq=True)}"


def _token_matches(environ, token_row) -> bool:
    """knox's check: the stored digest is the SHA-512 of the token the caller sends."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return (
        scheme.lower() == "token"
        and token_row is not None
        and hashlib.sha512(token.encode()).hexdigest() == token_row[0]
    )


def _answer(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    cursor = connection().cursor()
    count = rows = token_row = None
    team: dict[int, list[int]] = {}
    fetched: dict[str, dict] = {}  # table -> {id: row}
    for statement in spec()["statements"]:
        cursor.execute(statement["sql"])
        role = statement["role"]
        if role == "token":
            token_row = cursor.fetchone()
            if not _token_matches(environ, token_row):
                return _answer(start_response, "401 Unauthorized", b'{"detail":"Invalid token."}')
        elif role == "count":
            count = cursor.fetchone()[0]
        elif role == "page":
            rows = cursor.fetchall()
        elif role == "team":
            for project_id, user_id, *_ in cursor.fetchall():
                team.setdefault(project_id, []).append(user_id)
        elif role.startswith("lookup:"):
            fetched.setdefault(role.removeprefix("lookup:"), {}).update((r[0], r) for r in cursor.fetchall())
        else:
            cursor.fetchall()
    page_size = int(parse_qs(environ.get("QUERY_STRING", "")).get(PAGE_SIZE_PARAM, ["20"])[0])
    columns, zone, lookups = spec()["columns"], ZoneInfo(spec()["time_zone"]), spec()["lookups"]

    def named(relation, field, pk):
        if pk is None:
            return None
        lookup = lookups[relation]
        return fetched[lookup["table"]][pk][lookup["columns"][field]]

    body = {
        "count": count,
        "next": _next_link(environ, count, page_size),
        "previous": None,
        "results": [project(row, columns, team, zone, named) for row in rows],
    }
    return _answer(start_response, "200 OK", json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
