"""Deterministic benchmark data: a PostgreSQL database of a district's investment-promotion records.

Usage::

    python -m bench.generate --scale S|L|T \\
        [--database-url postgres://postgres@127.0.0.1:5432/promotion_bench] [--seed 20261125] [--today 2026-11-25]

What it does, in order:

1. Drops and re-creates the database of ``--database-url`` (UTF8, C.UTF-8 collation, from template0).
2. Runs ``manage.py migrate`` into it (so stage types, request categories, industry chains,
   qualifications and the working-day calendar are the ones the migrations seed).
3. Sets Django up on that database, drops the secondary indexes and foreign keys of the tables it
   fills, streams the rows into them with COPY (psycopg 3, several COPYs at once where one pass
   makes rows of several tables), puts the indexes and keys back (the foreign keys are validated
   then), resets the id sequences and runs ANALYZE.
4. Validates: a sample of every generated model passes ``full_clean()``; the stage invariants hold
   for every project (SQL); the open stages' due dates of sampled projects equal what
   ``projects.planning.plan`` computes; the org-unit tree passes treebeard's ``find_problems``;
   ``projects.selectors.project_list`` and ``reports.selectors.pipeline_report`` run.

Scales (projects / enterprises / service requests; stages are 10 per project, one per stage type):

* ``T``: 200 / 1,000 / 500 (tests);
* ``S`` (default): 20,000 / 100,000 / 50,000;
* ``L``: 200,000 / 1,000,000 / 500,000.

What is generated, all from ``random.Random`` seeded by ``--seed`` and relative to ``--today``
(never the clock), so the same arguments give identical rows:

* the org-unit tree: 嘉定区投资促进中心 and, below it, the towns, streets, parks, district SOEs and
  departments the demo seeder creates (same names, order and treebeard paths);
* users: an administrator, district and unit managers, a few hundred officers spread over the
  promotion bodies and landing areas, and enterprise users for about 4% of the enterprises; every
  password is unusable (``!`` prefix);
* enterprises: names as registered (上海 + 2-character trade name + industry words + 有限公司 ...,
  foreign-invested ones as ``...（上海）有限公司``), unique USCCs with valid GB 32100-2015 check
  characters (and GB 11714 organisation-code check digits), registration type, origin, GB/T 4754
  code, chain, town, address, service officer, relocation flags; qualifications; contacts;
* signing events: the three the seeds report (2020-01-04 大会, 2020-03-11 云签约, 2024-11-06 进博会)
  and the yearly conferences, CIIE sessions and special signings of 2019-2026;
* projects: codes JD-YYYY-NNNN numbered in signing order per year, enterprise, event, chain, town,
  leading body, source, amounts in 万元 (Decimal), land, priority, status, officer, team; about 5% are
  leads still in 洽谈; signing dates spread over 2019 to today, more in later years;
* stages: the full plan of every project with a history consistent with the services: 洽谈 and
  签约 done on the signing date, each later stage done on a date drawn around its due date (the
  government's steps in working days on the calendar the migrations fill, the enterprise's steps in
  months after land handover), the land stage skipped for rented premises, the first open stage
  ``in_progress``, the rest ``pending``; due dates of done stages as planned when they were current,
  of open stages exactly as ``projects.planning.plan`` computes them; paused and terminated projects
  stopped somewhere in the past, so many of their stages are overdue (about 8% of the open stages
  are); about 1% of the open stages fall due within the next five working days, so that a reminder
  sweep on ``--today`` has work; land commitments and yearly actuals for projects on transferred land;
* service requests (dated 2021 to today, due in the category's working days, statuses by age with
  consistent timestamps, replies, rejections and ratings) and their comment threads;
* annual targets of the district and the promotion bodies.

Approximations: the history tables of django-simple-history stay empty (the stage rows carry the
dates); visits, assessments, documents and notifications are not generated; enterprise stages
(竣工, 投产, 达产) finish a few months around their due dates; projects created as leads and signed
later are not modelled (a signed project was created on its signing date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import subprocess
import sys
import time
from array import array
from bisect import bisect_right
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from . import vocab

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/promotion_bench"
DEFAULT_SEED = 20261125
DEFAULT_TODAY = "2026-11-25"
FIRST_SIGNING_YEAR = 2019
FIRST_REQUEST_YEAR = 2021
CALENDAR_YEARS = (2005, 2036)  # the calendar the generator keeps in memory (working days and ISO dates)
NULL = None


@dataclass(frozen=True)
class Scale:
    projects: int
    enterprises: int
    requests: int
    officers: int


SCALES = {
    "T": Scale(projects=200, enterprises=1_000, requests=500, officers=30),
    "S": Scale(projects=20_000, enterprises=100_000, requests=50_000, officers=300),
    "L": Scale(projects=200_000, enterprises=1_000_000, requests=500_000, officers=600),
}


def log(message: str) -> None:
    print(message, flush=True)


# --- Database and Django ----------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    drop_database(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            ).format(sql.Identifier(database_name(url)))
        )


def django_env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="1", DJANGO_SETTINGS_MODULE="promotion.settings")
    env.setdefault("SECRET_KEY", "bench-generator-not-a-secret")
    return env


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=django_env(url),
        cwd=ROOT,
        check=True,
    )


def setup_django(url: str) -> None:
    os.environ.update(django_env(url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- COPY -------------------------------------------------------------------------------------


def copy_columns(model, attnames: tuple[str, ...]) -> tuple[list[str], tuple]:
    """The COPY column list for `model`: the generated attributes, then every other concrete column with
    the constant it takes when the generator says nothing (its default, NULL or an empty string).

    A NOT NULL column without such a constant, or an attribute the model does not have, is an error:
    the generator is told at once when a migration adds a column it must fill.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [name for name in attnames if name not in fields]
    if unknown:
        raise ValueError(f"{model._meta.label}: no such columns {unknown}")
    columns = [fields[name].column for name in attnames]
    defaults = []
    for name, field in fields.items():
        if name in attnames:
            continue
        if field.has_default():
            if callable(field.default):
                raise ValueError(f"{model._meta.label}.{name}: callable default; the generator must set it")
            value = field.get_default()
            if not isinstance(value, str | int | bool | type(None)):
                raise ValueError(f"{model._meta.label}.{name}: default {value!r} is not a scalar")
        elif field.null:
            value = None
        elif field.empty_strings_allowed and field.blank:
            value = ""
        else:
            raise ValueError(f"{model._meta.label}.{name}: NOT NULL without a default; the generator must set it")
        columns.append(field.column)
        defaults.append(value)
    return columns, tuple(defaults)


class Sink:
    """One COPY in progress: `write(row)` takes a tuple of the generated attributes."""

    def __init__(self, loader, model, attnames):
        from psycopg import sql

        self.model, self.table = model, model._meta.db_table
        columns, self.defaults = copy_columns(model, attnames)
        self.statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        self.loader, self.count = loader, 0

    def __enter__(self):
        self.conn = self.loader.connect()
        self.cursor = self.conn.cursor()
        self._copy = self.cursor.copy(self.statement)
        copy = self._copy.__enter__()
        write_row, defaults = copy.write_row, self.defaults

        if defaults:

            def write(row):
                write_row(row + defaults)
        else:
            write = write_row
        self.write = write
        return self

    def __exit__(self, *exc):
        self._copy.__exit__(*exc)
        if exc[0] is None:
            self.count = int((self.cursor.statusmessage or "COPY 0").split()[-1])
            self.conn.commit()
        self.cursor.close()
        self.conn.close()
        self.loader.loaded[self.table] = self.loader.loaded.get(self.table, 0) + self.count
        return False


class Loader:
    def __init__(self, url: str):
        self.url = url
        self.loaded: dict[str, int] = {}
        self.timings: list[tuple[str, int, float]] = []

    def connect(self):
        import psycopg

        return psycopg.connect(self.url)

    def fill(self, label: str, specs, rows_of):
        """Run `rows_of(*writers)` with one COPY open per (model, attnames) of `specs`, and time it."""
        started = time.perf_counter()
        with ExitStack() as stack:
            sinks = [stack.enter_context(Sink(self, model, attnames)) for model, attnames in specs]
            rows_of(*[sink.write for sink in sinks])
        seconds = time.perf_counter() - started
        counts = ", ".join(f"{sink.table} {sink.count:,}" for sink in sinks)
        self.timings.append((label, sum(sink.count for sink in sinks), seconds))
        log(f"  {label:<22} {seconds:7.1f} s  {counts}")


def deferred_schema(conn, tables: list[str]) -> tuple[list[str], list[str]]:
    """Statements that drop the foreign keys, unique constraints and secondary indexes of `tables`,
    and the statements that put them back (indexes and unique constraints first, then foreign keys)."""
    drops, creates, fks = [], [], []
    rows = conn.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
        ORDER BY contype, conrelid::regclass::text, conname
        """,
        [tables],
    ).fetchall()
    for table, name, kind, definition in rows:
        drop = f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'
        add = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        if kind == "f":
            drops.insert(0, drop)
            fks.append(add)
        else:
            drops.append(drop)
            creates.append(add)
    rows = conn.execute(
        """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
        WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1
        """,
        [tables],
    ).fetchall()
    for name, definition in rows:
        drops.append(f"DROP INDEX {name}")
        creates.append(definition)
    return drops, creates + fks


# --- Calendar ---------------------------------------------------------------------------------


class Days:
    """Dates as ordinals: working days from the database calendar, ISO strings, months arithmetic."""

    def __init__(self):
        from workdays.calendar import Calendar

        first, last = CALENDAR_YEARS
        calendar = Calendar(first, last)
        self.base = dt.date(first, 1, 1).toordinal()
        self.end = dt.date(last, 12, 31).toordinal()
        self.iso = [dt.date.fromordinal(o).isoformat() for o in range(self.base, self.end + 1)]
        self.year = [dt.date.fromordinal(o).year for o in range(self.base, self.end + 1)]
        flags = [calendar.is_workday(dt.date.fromordinal(o)) for o in range(self.base, self.end + 1)]
        self.workdays = [self.base + i for i, flag in enumerate(flags) if flag]
        self.is_workday = flags
        # after[i]: index into workdays of the first working day strictly after base + i.
        self.after = array("i", [0]) * len(flags)
        index = len(self.workdays)
        for i in range(len(flags) - 1, -1, -1):
            self.after[i] = index
            if flags[i]:
                index -= 1
        self.published = frozenset(calendar.published)

    def add(self, day: int, n: int) -> int:
        """workdays.calendar.Calendar.add: the n-th working day after `day` (n > 0)."""
        return self.workdays[self.after[day - self.base] + n - 1]

    def provisional(self, start: int, end: int) -> bool:
        published = self.published
        return any(
            year not in published for year in range(self.year[start - self.base], self.year[end - self.base] + 1)
        )

    def date(self, day: int) -> str:
        return self.iso[day - self.base]

    def next_workday(self, day: int) -> int:
        return day if self.is_workday[day - self.base] else self.add(day, 1)

    def add_months(self, day: int, months: int) -> int:
        from projects.planning import add_months

        return add_months(dt.date.fromordinal(day), months).toordinal()

    def stamp(self, day: int, seconds: int) -> str:
        """A timestamp on `day`, `seconds` after midnight, Asia/Shanghai."""
        seconds = min(max(seconds, 0), 86399)
        return f"{self.iso[day - self.base]} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}+08"


def weighted(rng: random.Random, items, weights=None):
    """A chooser for `items` (or (item, weight) pairs): fast repeated weighted draws."""
    if weights is None:
        items, weights = [item for item, _ in items], [weight for _, weight in items]
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    choice, rand = items, rng.random

    def pick():
        return choice[bisect_right(cumulative, rand() * total)]

    return pick


def money(value: float) -> str:
    """万元 with two decimals, as the Decimal columns take them."""
    return f"{max(value, 0):.2f}"


# --- The generator ----------------------------------------------------------------------------


class Generator:
    def __init__(self, scale: Scale, seed: int, today: dt.date, loader: Loader):
        self.scale, self.seed, self.loader = scale, seed, loader
        self.today = today.toordinal()
        self.days = Days()

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    # Reference data the migrations created.
    def references(self):
        from companies.models import IndustryChain, Qualification
        from projects.models import StageType
        from servicerequests.models import Category

        self.stage_types = list(StageType.objects.order_by("order"))
        codes = [t.code for t in self.stage_types]
        self.LAND = codes.index("land")
        self.REGISTRATION = codes.index("registration")
        self.chains = dict(IndustryChain.objects.values_list("code", "id"))
        self.chain_codes = [code for code in vocab.INDUSTRIES if code in self.chains]
        self.qualifications = dict(Qualification.objects.values_list("code", "id"))
        self.categories = list(Category.objects.order_by("order").values_list("id", "code", "due_workdays"))

    def person(self, rng) -> str:
        given = rng.choice(vocab.GIVEN) + (rng.choice(vocab.GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(vocab.SURNAMES) + given

    @staticmethod
    def mobile(rng) -> str:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"

    # --- org units ---------------------------------------------------------------------------

    def org_units(self):
        from accounts.models import OrgUnit
        from demo import seed_facts
        from demo.seeding import DISTRICT, ECONOMIC_ZONES, LANDING_KINDS, SOES

        kinds = {"town": "town", "street": "street", "park": "park", "soe": "soe", "department": "district"}
        wanted = [(u["name"], kinds[u["kind"]]) for u in seed_facts.ORG_UNITS if u["name"] != "嘉定区人民政府"]
        wanted += [(name, "soe") for name in SOES]
        root_path = OrgUnit._get_path(None, 1, 1)
        self.units = [
            dict(
                id=1,
                path=root_path,
                depth=1,
                numchild=len(wanted),
                name=DISTRICT,
                kind="district",
                body=True,
                land=False,
            )
        ]
        for step, (name, kind) in enumerate(wanted, 1):
            self.units.append(
                dict(
                    id=step + 1,
                    path=OrgUnit._get_path(root_path, 2, step),
                    depth=2,
                    numchild=0,
                    name=name,
                    kind=kind,
                    body=name in ECONOMIC_ZONES or kind == "soe",
                    land=kind in LANDING_KINDS,
                )
            )
        self.unit_by_name = {u["name"]: u for u in self.units}
        self.zones = [u["id"] for u in self.units if u["land"] and u["body"]]
        self.bodies = [u["id"] for u in self.units if u["body"] and u["depth"] > 1]
        self.soes = [u["id"] for u in self.units if u["kind"] == "soe"]
        self.is_body = {u["id"]: u["body"] for u in self.units}
        # Towns, streets and the economic-zone parks take most of the landings; the special parks some.
        landing = [(u["id"], 8 if u["body"] else 1) for u in self.units if u["land"]]
        self.pick_landing = weighted(self.rng("landing"), landing)
        self.auto_bodies = [self.unit_by_name[n]["id"] for n in ("国际汽车城", "安亭镇") if n in self.unit_by_name]

        def rows(write):
            for u in self.units:
                write((u["id"], u["path"], u["depth"], u["numchild"], u["name"], u["kind"], u["body"], u["land"]))

        spec = ("id", "path", "depth", "numchild", "name", "kind", "is_promotion_body", "is_landing_area")
        self.loader.fill("org units", [(OrgUnit, spec)], rows)

    # --- users ------------------------------------------------------------------------------------

    USER_SPEC = tuple(
        (
            "id password is_superuser username email is_staff is_active date_joined role org_unit_id"
            " enterprise_id display_name mobile"
        ).split()
    )

    def password(self, rng) -> str:
        return "!" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=40))

    def staff_users(self):
        from accounts.models import User

        rng = self.rng("staff")
        days = self.days
        joined_from = dt.date(2016, 1, 1).toordinal()
        self.officers_of: dict[int, list[int]] = {u["id"]: [] for u in self.units}
        self.managers_of: dict[int, list[int]] = {u["id"]: [] for u in self.units}
        rows = []

        def add(username, role, unit, superuser=False):
            user_id = len(rows) + 1
            joined = days.stamp(joined_from + rng.randrange(2500), rng.randrange(8 * 3600, 18 * 3600))
            name = self.person(rng)
            rows.append(
                (
                    user_id,
                    self.password(rng),
                    superuser,
                    username,
                    f"{username}@jiading.gov.cn",
                    True,
                    True,
                    joined,
                    role,
                    unit,
                    NULL,
                    name,
                    self.mobile(rng),
                )
            )
            return user_id

        add("admin", "admin", NULL, superuser=True)
        for n in range(1, 4):
            self.managers_of[1].append(add(f"manager{n:02d}", "manager", 1))
        for unit in self.units[1:]:
            if unit["body"] or unit["land"]:
                self.managers_of[unit["id"]].append(add(f"manager_u{unit['id']:03d}", "manager", unit["id"]))
        # Officers: most in the promotion bodies, some in the other parks and the district office.
        weights = [(u["id"], 8 if u["body"] else (1 if u["land"] else 0)) for u in self.units[1:]]
        weights.append((1, 6))
        pick = weighted(rng, [w for w in weights if w[1]])
        units = [u["id"] for u in self.units if u["body"] or u["land"]] + [1]
        for n in range(1, self.scale.officers + 1):
            unit = units[n - 1] if n <= len(units) else pick()  # every unit gets one before the weights apply
            self.officers_of[unit].append(add(f"officer{n:04d}", "officer", unit))
        self.all_officers = [user for unit in self.units for user in self.officers_of[unit["id"]]]
        self.district_officers = self.officers_of[1]
        self.next_user_id = len(rows) + 1
        self.loader.fill("staff users", [(User, self.USER_SPEC)], lambda write: [write(row) for row in rows])

    def officer_near(self, rng, *units) -> int:
        for unit in units:
            officers = self.officers_of.get(unit)
            if officers:
                return rng.choice(officers)
        return rng.choice(self.district_officers or self.all_officers)

    # --- enterprises ------------------------------------------------------------------------------

    def uscc(self, rng, taken) -> str:
        """A unique USCC: 9 (工商) 1 (企业), the registering area, a GB 11714 organisation code, the check."""
        from common.validators import USCC_ALPHABET, uscc_check_character

        area = "310114" if rng.random() < 0.85 else rng.choice(("310000", "310115", "310104", "310112", "320583"))
        while True:
            if rng.random() < 0.65:  # codes issued since 2015: MA + 6 characters
                body = "MA1" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
            else:
                body = f"{rng.randrange(10**8):08d}"
            total = sum(
                (int(ch) if ch.isdigit() else ord(ch) - 55) * w
                for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
            )
            check = 11 - total % 11
            org = body + ("X" if check == 10 else "0" if check == 11 else str(check))
            first17 = "91" + area + org
            if first17 not in taken:
                taken.add(first17)
                return first17 + uscc_check_character(first17)

    def enterprise_name(self, rng, registration: str, origin: str, overseas: bool, chain: str, taken):
        """(name, trade name, industry code) of a new enterprise, unique among those generated."""
        while True:
            words, code = rng.choice(vocab.INDUSTRIES[chain])
            if registration == "foreign":
                brand = "".join(rng.sample(vocab.FOREIGN_SYLLABLES, rng.choice((2, 3, 3))))
            else:
                brand = "".join(rng.sample(vocab.BRAND_CHARS, 2))
            if overseas:  # the foreign investor itself, not registered in China
                name = f"{origin}{brand}{rng.choice(('集团', '股份公司', '控股有限公司'))}"
            elif registration in ("foreign", "hmt"):
                name = f"{brand}{words}（上海）有限公司"
            else:
                suffix = self.pick_suffix()
                if words.endswith(("科技", "技术")) and "科技" in suffix:
                    suffix = "有限公司"
                name = f"上海{brand}{words}{suffix}"
            if name not in taken:
                taken.add(name)
                return name, brand, code

    REGISTRATION_TYPES = (("private", 78), ("foreign", 9), ("hmt", 4), ("state_owned", 6), ("collective", 3))
    CHAIN_WEIGHTS = (("auto", 30), ("sensors_ic", 15), ("medical", 15), ("online", 15), ("other", 25))

    def enterprises(self):
        from companies.models import Contact, Enterprise

        rng = self.rng("enterprises")
        days = self.days
        n = self.scale.enterprises
        self.pick_suffix = weighted(rng, vocab.NAME_SUFFIXES)
        self.pick_origin = weighted(rng, vocab.FOREIGN_ORIGINS)
        pick_hmt = weighted(rng, vocab.HMT_ORIGINS)
        pick_registration = weighted(rng, self.REGISTRATION_TYPES)
        pick_chain = weighted(rng, [(c, w) for c, w in self.CHAIN_WEIGHTS if c in self.chains])
        pick_title = weighted(rng, vocab.JOB_TITLES)
        qualification_ids = self.qualifications
        # Per enterprise, for the projects and requests: town, service officer, chain, flags, trade name.
        self.e_town = array("i", [0]) * (n + 1)
        self.e_officer = array("i", [0]) * (n + 1)
        self.e_chain = [""] * (n + 1)
        self.e_flags = bytearray(n + 1)  # 1: has USCC, 2: foreign or HMT
        self.e_brand = [""] * (n + 1)
        names, usccs = set(), set()
        first_day, last_day = dt.date(2008, 1, 1).toordinal(), self.today
        span = last_day - first_day

        def rows(write_enterprise, write_contact, write_qualification):
            contact_id = qualification_id = 0
            for eid in range(1, n + 1):
                registration = pick_registration()
                chain = pick_chain()
                overseas = registration == "foreign" and rng.random() < 0.25
                origin = "中国"
                if registration == "foreign":
                    origin = self.pick_origin()
                elif registration == "hmt":
                    origin = pick_hmt()
                name, brand, code = self.enterprise_name(rng, registration, origin, overseas, chain, names)
                uscc = NULL if overseas else self.uscc(rng, usccs)
                town = NULL if overseas else self.pick_landing()
                officer = self.officer_near(rng, town) if town and rng.random() < 0.75 else 0
                created = first_day + int(span * (1 - rng.random() ** 1.6))
                updated = min(last_day, created + int(rng.expovariate(1 / 200)))
                risk = rng.random() < 0.02
                road = rng.choice(vocab.ROADS)
                address = (
                    "" if overseas else f"上海市嘉定区{self.units[town - 1]['name']}{road}{rng.randrange(1, 3000)}号"
                )
                write_enterprise(
                    (
                        eid,
                        name,
                        uscc,
                        registration,
                        origin,
                        code if rng.random() < 0.9 else "",
                        self.chains[chain],
                        town,
                        address,
                        officer or NULL,
                        risk,
                        rng.choice(vocab.RELOCATION_NOTES) if risk else "",
                        False,
                        1 + (updated > created) + (rng.random() < 0.2),
                        days.stamp(created, rng.randrange(8 * 3600, 19 * 3600)),
                        days.stamp(updated, 20 * 3600 + rng.randrange(3 * 3600)),
                    )
                )
                self.e_town[eid] = town or 0
                self.e_officer[eid] = officer
                self.e_chain[eid] = chain
                self.e_flags[eid] = (uscc is not None) | (2 * (registration in ("foreign", "hmt")))
                self.e_brand[eid] = brand
                stamp = days.stamp(created, 19 * 3600 + rng.randrange(3600))
                for primary in (True, False):
                    if not primary and rng.random() > 0.25:
                        break
                    contact_id += 1
                    write_contact(
                        (
                            contact_id,
                            eid,
                            self.person(rng),
                            pick_title(),
                            self.mobile(rng),
                            f"021-{rng.randrange(5000, 6000)}{rng.randrange(10000):04d}" if rng.random() < 0.5 else "",
                            primary,
                            stamp,
                            stamp,
                        )
                    )
                draw = rng.random()
                held = []
                if draw < 0.12:
                    held.append("high_tech")
                if draw < 0.05:
                    held.append("specialized")
                if draw < 0.012:
                    held.append("little_giant")
                if rng.random() < 0.08:
                    held.append("above_scale")
                if rng.random() < 0.005:
                    held.append("listed")
                for code in held:
                    if code in qualification_ids:
                        qualification_id += 1
                        write_qualification((qualification_id, eid, qualification_ids[code]))

        through = Enterprise.qualifications.through
        self.loader.fill(
            "enterprises",
            [
                (
                    Enterprise,
                    tuple(
                        (
                            "id name uscc registration_type origin industry_code industry_chain_id"
                            " town_id address service_officer_id relocation_risk relocation_note is_sample"
                            " version created_at updated_at"
                        ).split()
                    ),
                ),
                (
                    Contact,
                    tuple("id enterprise_id name title mobile phone is_primary created_at updated_at".split()),
                ),
                (through, ("id", "enterprise_id", "qualification_id")),
            ],
            rows,
        )

    def enterprise_users(self):
        """Accounts for about 4% of the enterprises (those that file their requests themselves)."""
        from accounts.models import User

        rng = self.rng("enterprise-users")
        days = self.days
        n = self.scale.enterprises
        self.e_user = array("i", [0]) * (n + 1)
        joined_from = dt.date(2021, 1, 1).toordinal()

        def rows(write):
            user_id = self.next_user_id
            for eid in range(1, n + 1):
                if rng.random() >= 0.04:
                    continue
                joined = days.stamp(joined_from + rng.randrange(self.today - joined_from), rng.randrange(86400))
                username = f"qy{eid:07d}"
                write(
                    (
                        user_id,
                        self.password(rng),
                        False,
                        username,
                        "",
                        False,
                        True,
                        joined,
                        "enterprise",
                        NULL,
                        eid,
                        self.person(rng),
                        self.mobile(rng),
                    )
                )
                self.e_user[eid] = user_id
                user_id += 1
            self.next_user_id = user_id

        self.loader.fill("enterprise users", [(User, self.USER_SPEC)], rows)

    # --- signing events ---------------------------------------------------------------------------

    def signing_events(self):
        from demo import seed_facts
        from projects.models import SigningEvent

        ordinals = ["二", "三", "四", "五", "六", "七", "八", "九"]
        events = [
            (item["name"], item["date"], "云签约" in item["name"], item["project_count"])
            for item in seed_facts.SIGNING_EVENTS
        ]
        seen = {(name, date) for name, date, _online, _n in events}
        for year in range(FIRST_SIGNING_YEAR, dt.date.fromordinal(self.today).year + 1):
            generated = [
                (f"{year}年嘉定区投资促进大会", dt.date(year, 1, 6 + year % 5), False, 90),
                (f"{year}年嘉定区重点产业项目集中签约（年中）", dt.date(year, 6, 18 + year % 7), False, 40),
                (f"第{ordinals[year - 2019]}届进博会嘉定区专场活动", dt.date(year, 11, 6), False, 25),
                (f"{year}年嘉定区汽车“新四化”产业专场签约", dt.date(year, 9, 10 + year % 9), False, 20),
                (f"{year}年嘉定区智能传感器及集成电路产业专场签约", dt.date(year, 4, 16 + year % 8), False, 15),
            ]
            if year == 2022:
                generated.append(("2022年嘉定区重点产业项目“云签约”", dt.date(2022, 5, 20), True, 60))
            for name, date, online, size in generated:
                if year == 2020 and "投资促进大会" in name or year == 2024 and "进博会" in name:
                    continue  # the seeds' own events of those dates stand for them
                if date.toordinal() <= self.today and (name, date) not in seen:
                    events.append((name, date, online, size))
        events.sort(key=lambda e: (e[1], e[0]))
        rng = self.rng("events")
        days = self.days
        self.events = []

        def rows(write):
            for event_id, (name, date, online, size) in enumerate(events, 1):
                day = date.toordinal()
                self.events.append((event_id, day, online, size))
                stamp = days.stamp(day - 7, rng.randrange(9 * 3600, 17 * 3600))
                location = "线上视频连线" if online else rng.choice(vocab.SIGNING_LOCATIONS)
                write((event_id, name, date.isoformat(), location, online, "", stamp, stamp))

        spec = ("id", "name", "date", "location", "is_online", "description", "created_at", "updated_at")
        self.loader.fill("signing events", [(SigningEvent, spec)], rows)

    # --- projects and their stages ----------------------------------------------------------------

    def project_dates(self, rng):
        """(day, event id, is lead) of every project, in the order of their ids: by date."""
        n = self.scale.projects
        today = self.today
        leads = round(n * 0.05)
        with_events = round(n * 0.25)
        plans = []
        pick_event = weighted(rng, [(e, e[3]) for e in self.events])
        for _ in range(with_events):
            event = pick_event()
            plans.append((event[1], event[0], False))
        first = dt.date(FIRST_SIGNING_YEAR, 1, 1).toordinal()
        span = today - first
        days = self.days
        for _ in range(n - leads - with_events):
            # More projects in later years: part uniform, part with a density growing over the span.
            share = rng.random()
            day = first + int(span * (share if rng.random() < 0.4 else math.sqrt(share)))
            day = min(today, days.next_workday(day))
            plans.append((day, NULL, False))
        for _ in range(leads):
            plans.append((today - rng.randrange(540), NULL, True))
        keys = [(plan[0], rng.random()) for plan in plans]
        order = sorted(range(len(plans)), key=keys.__getitem__)
        return [plans[i] for i in order]

    SUPPLY = {
        "online": (("lease", 40), ("turnkey", 40), ("standard_factory", 15), ("transfer", 5)),
        "default": (
            ("transfer", 45),
            ("standard_factory", 22),
            ("lease", 10),
            ("lease_then_transfer", 8),
            ("turnkey", 15),
        ),
    }
    RENTED = ("lease", "standard_factory", "turnkey")
    SOURCES = (("referral", 25), ("chain", 25), ("fund", 10), ("exhibition", 10), ("other", 30))

    def projects(self):
        from projects.models import LandCommitment, LandYearlyActual, Project, ProjectStage

        rng = self.rng("projects")
        days = self.days
        today = self.today
        plans = self.project_dates(rng)
        n_enterprises = self.scale.enterprises
        stage_types = self.stage_types
        n_types = len(stage_types)
        kinds = [
            (t.id, t.code, t.due_basis, t.target_workdays, t.target_months, t.is_land_handover, t.commitment_field)
            for t in stage_types
        ]
        LAND, REGISTRATION = self.LAND, self.REGISTRATION
        pick_supply = {key: weighted(rng, value) for key, value in self.SUPPLY.items()}
        pick_source = weighted(rng, self.SOURCES)
        pick_kind = weighted(rng, vocab.PROJECT_KINDS)
        lognormal, rand, randrange, gauss = rng.lognormvariate, rng.random, rng.randrange, rng.gauss
        self.p_enterprise = array("i", [0]) * (len(plans) + 1)
        self.p_created = array("i", [0]) * (len(plans) + 1)
        self.by_enterprise: dict[int, list[int]] = {}
        commitments, teams = [], []
        event_online = {e[0]: e[2] for e in self.events}
        code_numbers: dict[int, int] = {}
        self.stage_stats = {"open": 0, "overdue": 0, "due_soon": 0}
        soon_limit = days.add(today, 5)

        def rows(write_project, write_stage):
            stage_id = 0
            for pid, (day, event, lead) in enumerate(plans, 1):
                eid = randrange(n_enterprises) + 1
                flags = self.e_flags[eid]
                if lead is False and not flags & 1 and rand() < 0.7:
                    # Most signed projects' investors are registered here: pick another once.
                    eid = randrange(n_enterprises) + 1
                    flags = self.e_flags[eid]
                chain = self.e_chain[eid] if rand() < 0.9 else rng.choice(self.chain_codes)
                town = self.e_town[eid] if self.e_town[eid] and rand() < 0.8 else self.pick_landing()
                if self.is_body[town] and rand() < 0.85:
                    leading = town
                elif chain == "auto" and self.auto_bodies and rand() < 0.5:
                    leading = rng.choice(self.auto_bodies)
                else:
                    leading = rng.choice(self.bodies)
                officer = self.officer_near(rng, leading, town) if rand() < 0.96 else 0
                # Amounts in 万元: a long tail, from a few hundred 万 to tens of 亿.
                total = min(2_000_000.0, max(200.0, lognormal(math.log(6000), 1.25)))
                total = round(total, -1 if total < 10_000 else -2)
                fixed = total * (0.45 + 0.45 * rand())
                registered = total * (0.1 + 0.3 * rand())
                foreign = total / 7.1 * (0.3 + 0.7 * rand()) if flags & 2 else None
                priority = "major" if total >= 100_000 else ("key" if total >= 20_000 or rand() < 0.1 else "general")
                mode = pick_supply["online" if chain == "online" else "default"]()
                rented = mode in self.RENTED
                area = None if rented else max(5.0, min(1500.0, fixed / (250 + 650 * rand())))
                output = total * (0.8 + 2.2 * rand())
                tax = output * (0.03 + 0.07 * rand())
                jobs = int(20 + total / 100 * (0.2 + rand()))
                source = (
                    "online"
                    if event and event_online[event]
                    else ("exhibition" if event and rand() < 0.6 else pick_source())
                )
                # The stage history.
                status = "active"
                stages = [None] * n_types  # (status, due, provisional, started, finished, skip reason)
                handover = None
                if lead:
                    status = "paused" if rand() < 0.05 else "active"
                    stages[0] = ("in_progress", None, False, day, None, "")
                    for i in range(1, n_types):
                        stages[i] = ("pending", None, False, None, None, "")
                    current = 0
                    last_change = day
                else:
                    fate = rand()
                    if fate < 0.04:
                        status, cutoff = "terminated", day + int((today - day) * (0.1 + 0.8 * rand()))
                    elif fate < 0.09:
                        status, cutoff = "paused", day + int((today - day) * (0.2 + 0.8 * rand()))
                    else:
                        cutoff = today
                    stages[0] = stages[1] = ("done", None, False, day, day, "")
                    anchor = day
                    months = {}
                    stuck = randrange(2, n_types) if rand() < 0.2 else -1
                    cap = REGISTRATION if not flags & 1 else n_types
                    current = n_types
                    for i in range(2, n_types):
                        type_id, code, basis, workdays, target_months, is_land, commitment_field = kinds[i]
                        if i == LAND and rented:
                            stages[i] = ("skipped", None, False, anchor, None, vocab.SKIP_LAND_BY_MODE[mode])
                            continue
                        if basis == "workdays":
                            due = days.add(anchor, workdays)
                            provisional = days.provisional(anchor, due)
                            length = max(
                                1, round(workdays * lognormal(-0.16, 0.45) * (2 + 2 * rand() if i == stuck else 1))
                            )
                            finish = days.add(anchor, length)
                        elif basis == "months_after_land":
                            base = handover if handover else anchor
                            due = days.add_months(base, months.get(commitment_field, target_months))
                            provisional = False
                            finish = max(anchor + 1, due + int(gauss(30, 150)) + (300 if i == stuck else 0))
                        else:
                            due, provisional, finish = None, False, anchor
                        if finish > cutoff or i >= cap:
                            current = i
                            if (
                                basis == "workdays"
                                and cutoff == today
                                and i < cap
                                and i - 1 > 1
                                and i - 1 != LAND
                                and stages[i - 1][0] == "done"
                                and rand() < 0.3
                            ):
                                # Some projects are due within the next few working days, so that a reminder
                                # sweep on `today` has work: the previous stage finished just long enough ago.
                                soon = days.add(today, randrange(1, 6))
                                moved = days.workdays[days.after[soon - days.base] - 1 - workdays]
                                previous = stages[i - 1]
                                if previous[3] <= moved <= today:
                                    stages[i - 1] = previous[:4] + (moved,) + previous[5:]
                                    anchor = moved
                            break
                        stages[i] = ("done", due, provisional, anchor, finish, "")
                        anchor = finish
                        if is_land:
                            handover = finish
                            if mode in ("transfer", "lease_then_transfer"):
                                complete = rng.choice((18, 24, 24, 24, 30, 36))
                                months = {
                                    "complete_within_months": complete,
                                    "production_within_months": complete + 6,
                                    "full_production_within_months": complete + rng.choice((18, 24, 30)),
                                }
                                commitments.append((pid, finish, months, area, fixed, output, tax, jobs))
                    last_change = anchor
                    if current == n_types:
                        status = "completed"
                    else:
                        # The open stages: the first in progress since the last finish, the rest pending;
                        # due dates exactly as projects.planning.plan computes them.
                        plan_anchor, plan_handover = anchor, handover
                        for i in range(current, n_types):
                            type_id, code, basis, workdays, target_months, is_land, commitment_field = kinds[i]
                            due, provisional = None, False
                            if basis == "months_after_land" and plan_handover is None:
                                plan_handover = plan_anchor
                            if basis == "workdays" and plan_anchor is not None:
                                due = days.add(plan_anchor, workdays)
                                provisional = days.provisional(plan_anchor, due)
                            elif basis == "months_after_land" and plan_handover is not None:
                                due = days.add_months(plan_handover, months.get(commitment_field, target_months))
                            if due is not None:
                                plan_anchor = due
                                if is_land and plan_handover is None:
                                    plan_handover = due
                            if i == current:
                                stages[i] = ("in_progress", due, provisional, anchor, None, "")
                            else:
                                stages[i] = ("pending", due, provisional, None, None, "")
                if status != "completed" and (lead or current <= LAND) and rand() < 0.35:
                    mode, area = "", None  # land not settled yet
                # Codes number the projects of a year in the order they were created.
                year = days.year[day - days.base]
                number = code_numbers[year] = code_numbers.get(year, 0) + 1
                created = days.stamp(day, 9 * 3600 + randrange(9 * 3600))
                updated_day = max(last_change, day)
                updated = days.stamp(updated_day, 18 * 3600 + randrange(5 * 3600))
                current_type = stage_types[min(current, n_types - 1)].id
                done_share = min(current, n_types) / n_types
                funds = None if lead else min(total, total * done_share * (0.5 + 0.6 * rand()))
                owner = officer or NULL
                if lead and rand() < 0.3:
                    amounts = (None, None, None, None, None, None, None)
                else:
                    amounts = (
                        money(total),
                        money(fixed),
                        money(registered),
                        None if foreign is None else money(foreign),
                        None if area is None else money(area),
                        money(output),
                        money(tax),
                    )
                brand = self.e_brand[eid]
                product = rng.choice(vocab.PRODUCTS[chain])
                write_project(
                    (
                        pid,
                        f"JD-{year}-{number:04d}",
                        f"{brand}{product}{pick_kind()}项目",
                        eid,
                        event,
                        NULL if lead else days.date(day),
                        NULL if lead and rand() < 0.2 else self.chains[chain],
                        NULL if lead and rand() < 0.2 else town,
                        leading,
                        source if not lead else ("other" if rand() < 0.5 else pick_source()),
                        *amounts,
                        mode,
                        jobs if amounts[0] is not None else None,
                        None if funds is None else money(funds),
                        priority,
                        status,
                        current_type,
                        owner,
                        False,
                        1 + (rand() < 0.3) + (rand() < 0.1),
                        created,
                        updated,
                    )
                )
                self.p_enterprise[pid] = eid
                self.p_created[pid] = day
                self.by_enterprise.setdefault(eid, []).append(pid)
                if officer and rand() < 0.2:
                    members = {self.officer_near(rng, leading, town) for _ in range(randrange(1, 3))}
                    members.add(rng.choice(self.district_officers or self.all_officers))
                    members.discard(officer)
                    teams.extend((pid, member) for member in sorted(members))
                open_stats = self.stage_stats
                for i in range(n_types):
                    state, due, provisional, started, finished, skip = stages[i]
                    stage_id += 1
                    changed = finished or started or day
                    if state in ("pending", "in_progress"):
                        open_stats["open"] += 1
                        if due is not None:
                            if due < today:
                                open_stats["overdue"] += 1
                            elif due <= soon_limit:
                                open_stats["due_soon"] += 1
                    write_stage(
                        (
                            stage_id,
                            pid,
                            kinds[i][0],
                            state,
                            None if due is None else days.date(due),
                            provisional,
                            None if started is None else days.date(started),
                            None if finished is None else days.date(finished),
                            owner,
                            skip,
                            created,
                            created if changed == day else days.stamp(changed, 17 * 3600 + randrange(3600)),
                        )
                    )

        self.loader.fill(
            "projects + stages",
            [
                (
                    Project,
                    tuple(
                        (
                            "id code name enterprise_id signing_event_id signed_on industry_chain_id"
                            " town_id leading_unit_id source total_investment fixed_asset_investment"
                            " registered_capital foreign_capital land_area expected_annual_output"
                            " expected_annual_tax land_supply_mode expected_jobs funds_in_place priority"
                            " status current_stage_id officer_id is_sample version created_at updated_at"
                        ).split()
                    ),
                ),
                (
                    ProjectStage,
                    tuple(
                        (
                            "id project_id stage_type_id status due_on due_is_provisional started_on"
                            " finished_on owner_id skip_reason created_at updated_at"
                        ).split()
                    ),
                ),
            ],
            rows,
        )
        s = self.stage_stats
        log(
            f"  {'':<22} open stages {s['open']:,}: overdue {s['overdue']:,} ({s['overdue'] / max(s['open'], 1):.1%}), "
            f"due within 5 working days {s['due_soon']:,} ({s['due_soon'] / max(s['open'], 1):.1%})"
        )
        self.teams_and_land(teams, commitments, Project, LandCommitment, LandYearlyActual)

    def teams_and_land(self, teams, commitments, Project, LandCommitment, LandYearlyActual):
        rng = self.rng("land")
        days = self.days
        last_year = days.year[self.today - days.base]

        def team_rows(write):
            for row_id, (pid, user) in enumerate(teams, 1):
                write((row_id, pid, user))

        self.loader.fill("project teams", [(Project.team.through, ("id", "project_id", "user_id"))], team_rows)

        def land_rows(write_commitment, write_actual):
            actual_id = 0
            for commitment_id, (pid, handover, months, area, fixed, output, tax, jobs) in enumerate(commitments, 1):
                year = days.year[handover - days.base]
                stamp = days.stamp(handover, 10 * 3600 + rng.randrange(6 * 3600))
                write_commitment(
                    (
                        commitment_id,
                        pid,
                        f"沪嘉规划资源（{year}）出让合第{rng.randrange(1, 200)}号",
                        days.date(handover),
                        rng.choice((3, 6, 6, 12)),
                        months["complete_within_months"],
                        months["production_within_months"],
                        months["full_production_within_months"],
                        money(fixed / area),
                        money(output / area),
                        money(tax / area),
                        stamp,
                        stamp,
                    )
                )
                production = days.add_months(handover, months["production_within_months"])
                for actual_year in range(days.year[production - days.base] + 1, last_year):
                    ratio = 0.55 + 0.6 * rng.random()
                    actual_id += 1
                    stamp = f"{actual_year + 1}-03-{rng.randrange(1, 29):02d} 10:00:00+08"
                    write_actual(
                        (
                            actual_id,
                            commitment_id,
                            actual_year,
                            money(output * ratio),
                            money(tax * ratio * 0.9),
                            int(jobs * ratio),
                            stamp,
                            stamp,
                        )
                    )

        self.loader.fill(
            "land commitments",
            [
                (
                    LandCommitment,
                    tuple(
                        (
                            "id project_id contract_no handed_over_on start_within_months"
                            " complete_within_months production_within_months"
                            " full_production_within_months committed_investment_intensity"
                            " committed_output_per_mu committed_tax_per_mu created_at updated_at"
                        ).split()
                    ),
                ),
                (
                    LandYearlyActual,
                    ("id", "commitment_id", "year", "output", "tax", "jobs", "created_at", "updated_at"),
                ),
            ],
            land_rows,
        )

    # --- service requests -----------------------------------------------------------------------

    def service_requests(self):
        from servicerequests.models import Comment, ServiceRequest

        rng = self.rng("requests")
        days = self.days
        today = self.today
        n = self.scale.requests
        first = dt.date(FIRST_REQUEST_YEAR, 1, 1).toordinal()
        span = today - first + 1
        # More requests lately: density growing over the years; the ids follow the filing times.
        moments = sorted(
            (first + int(span * math.sqrt(rng.random())), rng.randrange(8 * 3600, 20 * 3600)) for _ in range(n)
        )
        pick_category = weighted(
            rng, [(c, w) for c, w in zip(self.categories, (20, 12, 25, 8, 12, 6, 9, 8), strict=False)]
        )
        projects_of = self.by_enterprise
        with_projects = sorted(projects_of)
        n_enterprises = self.scale.enterprises
        rand, randrange = rng.random, rng.randrange
        now = today * 86400 + 86399  # requests are handled by the end of `today`
        base = days.base

        def at(seconds):
            return days.stamp(seconds // 86400, seconds % 86400)

        def rows(write_request, write_comment):
            comment_id = 0
            for rid, (day, second) in enumerate(moments, 1):
                if with_projects and rand() < 0.6:
                    eid = with_projects[randrange(len(with_projects))]
                else:
                    eid = randrange(n_enterprises) + 1
                project = NULL
                if eid in projects_of and rand() < 0.5:
                    candidate = rng.choice(projects_of[eid])
                    if self.p_created[candidate] <= day:
                        project = candidate
                category_id, code, due_workdays = pick_category()
                titles, description = vocab.REQUEST_TEXTS.get(code, vocab.REQUEST_TEXTS["other"])
                title = rng.choice(titles).format(n=randrange(2, 50), year=days.year[day - base])
                town = self.e_town[eid]
                submitter = self.e_user[eid] or self.e_officer[eid] or self.officer_near(rng, town)
                handler = self.e_officer[eid] or self.officer_near(rng, town)
                created = day * 86400 + second
                due = days.add(day, due_workdays)
                age = today - day
                # The furthest state the request was driven to, by its age.
                draw = rand()
                if age > 60:
                    goal = (
                        "closed"
                        if draw < 0.55
                        else "resolved"
                        if draw < 0.85
                        else "rejected"
                        if draw < 0.93
                        else "in_progress"
                        if draw < 0.98
                        else "accepted"
                    )
                elif age > 10:
                    goal = (
                        "closed"
                        if draw < 0.3
                        else "resolved"
                        if draw < 0.65
                        else "rejected"
                        if draw < 0.73
                        else "in_progress"
                        if draw < 0.9
                        else "accepted"
                        if draw < 0.95
                        else "submitted"
                    )
                else:
                    goal = (
                        "submitted"
                        if draw < 0.25
                        else "accepted"
                        if draw < 0.45
                        else "in_progress"
                        if draw < 0.75
                        else "resolved"
                        if draw < 0.9
                        else "rejected"
                        if draw < 0.98
                        else "closed"
                    )
                status, version = "submitted", 1
                accepted = resolved = closed = rated = None
                assignee, reply, reject_reason, rating, rating_comment = NULL, "", "", None, ""
                comments = []
                t = created
                if goal == "rejected" and rand() < 0.7:
                    t += randrange(1800, 2 * 86400)
                    if t <= now:
                        status, reject_reason, version = "rejected", rng.choice(vocab.REJECT_REASONS), 2
                elif goal != "submitted":
                    t += randrange(1800, 2 * 86400)
                    if t <= now:
                        status, accepted, version = "accepted", t, 2
                        if goal == "rejected":
                            t += randrange(3600, 3 * 86400)
                            if t <= now:
                                status, reject_reason, version = "rejected", rng.choice(vocab.REJECT_REASONS), 3
                        elif goal != "accepted":  # assigning moves a request on to in_progress
                            assignee = handler
                            t += randrange(600, 86400)
                            if t <= now:
                                status, version = "in_progress", version + 1
                                t += randrange(3600, 4 * 86400)
                                if t <= now:
                                    reply = rng.choice(vocab.REPLIES)
                                    version += 1
                                    comments.append((t, handler, reply, False))
                                    if rand() < 0.3:
                                        t2 = t + randrange(3600, 3 * 86400)
                                        if t2 <= now:
                                            comments.append((t2, submitter, rng.choice(vocab.FOLLOW_UPS), False))
                                    if rand() < 0.15:
                                        t2 = t + randrange(600, 86400)
                                        if t2 <= now:
                                            comments.append((t2, handler, "已提醒相关部门加快办理。", True))
                                    if goal in ("resolved", "closed"):
                                        # Most on time; some late (the due date is in working days).
                                        target = (due - day) * 86400 * (0.4 + 0.9 * rand())
                                        t = max(t + 600, created + int(target))
                                        if t <= now:
                                            status, resolved, version = "resolved", t, version + 1
                                            if rand() < 0.5:
                                                rated = t + randrange(3600, 5 * 86400)
                                                if rated <= now:
                                                    rating = (
                                                        5
                                                        if rand() < 0.6
                                                        else 4
                                                        if rand() < 0.62
                                                        else 3
                                                        if rand() < 0.6
                                                        else 2
                                                        if rand() < 0.6
                                                        else 1
                                                    )
                                                    rating_comment = rng.choice(vocab.RATING_COMMENTS[rating])
                                                    version += 1
                                                else:
                                                    rated = None
                                            if goal == "closed":
                                                t = max(t, rated or t) + randrange(3600, 10 * 86400)
                                                if t <= now:
                                                    status, closed, version = "closed", t, version + 1
                updated = max(
                    [created, accepted or 0, resolved or 0, closed or 0, rated or 0] + [c[0] for c in comments]
                )
                write_request(
                    (
                        rid,
                        eid,
                        project,
                        category_id,
                        title,
                        description,
                        status,
                        submitter,
                        assignee,
                        days.date(due),
                        None if accepted is None else at(accepted),
                        None if resolved is None else at(resolved),
                        None if closed is None else at(closed),
                        reply,
                        reject_reason,
                        rating,
                        rating_comment,
                        None if rating is None else at(rated),
                        version,
                        at(created),
                        at(updated),
                    )
                )
                for when, author, body, internal in comments:
                    comment_id += 1
                    write_comment((comment_id, rid, author, body, internal, at(when), at(when)))

        self.loader.fill(
            "service requests",
            [
                (
                    ServiceRequest,
                    tuple(
                        (
                            "id enterprise_id project_id category_id title description status"
                            " submitted_by_id assignee_id due_on accepted_at resolved_at closed_at reply"
                            " reject_reason rating rating_comment rated_at version created_at updated_at"
                        ).split()
                    ),
                ),
                (Comment, ("id", "request_id", "author_id", "body", "is_internal", "created_at", "updated_at")),
            ],
            rows,
        )

    # --- annual targets ---------------------------------------------------------------------------

    def annual_targets(self):
        from projects.models import AnnualTarget

        rng = self.rng("targets")
        days = self.days
        last_year = days.year[self.today - days.base]
        years = range(FIRST_SIGNING_YEAR, last_year + 1)
        per_year = self.scale.projects / len(years)

        def rows(write):
            target_id = 0
            for unit in [1, *self.bodies]:
                share = 1.0 if unit == 1 else 1.6 / len(self.bodies)
                for year in years:
                    target_id += 1
                    projects = max(1, round(per_year * share * (0.9 + 0.3 * rng.random())))
                    investment = projects * 9000 * (0.8 + 0.4 * rng.random())
                    stamp = f"{year}-01-{rng.randrange(5, 28):02d} 10:00:00+08"
                    write(
                        (
                            target_id,
                            unit,
                            year,
                            money(round(investment, -2)),
                            projects,
                            money(round(investment * 0.4, -2)),
                            max(1, projects // 4),
                            max(1, projects // 5),
                            stamp,
                            stamp,
                        )
                    )

        spec = tuple(
            (
                "id org_unit_id year signed_investment signed_projects funds_in_place construction_starts"
                " production_starts created_at updated_at"
            ).split()
        )
        self.loader.fill("annual targets", [(AnnualTarget, spec)], rows)

    def models(self):
        from accounts.models import OrgUnit, User
        from companies.models import Contact, Enterprise
        from projects.models import AnnualTarget, LandCommitment, LandYearlyActual, Project, ProjectStage, SigningEvent
        from servicerequests.models import Comment, ServiceRequest

        return [
            OrgUnit,
            User,
            Enterprise,
            Contact,
            Enterprise.qualifications.through,
            SigningEvent,
            Project,
            ProjectStage,
            Project.team.through,
            LandCommitment,
            LandYearlyActual,
            ServiceRequest,
            Comment,
            AnnualTarget,
        ]

    def run(self):
        self.references()
        tables = [model._meta.db_table for model in self.models()]
        with self.loader.connect() as conn:
            empty = conn.execute(
                "SELECT " + " + ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)
            ).fetchone()[0]
            if empty:
                raise SystemExit(f"the tables to fill already hold {empty} rows")
            drops, self.recreate = deferred_schema(conn, tables)
            for statement in drops:
                conn.execute(statement)
        self.tables = tables
        self.org_units()
        self.staff_users()
        self.enterprises()
        self.enterprise_users()
        self.signing_events()
        self.projects()
        self.service_requests()
        self.annual_targets()
        self.finish()

    def finish(self):
        started = time.perf_counter()
        with self.loader.connect() as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            for table in self.tables:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
                )
            for statement in self.recreate:
                conn.execute(statement)
        seconds = time.perf_counter() - started
        self.loader.timings.append(("indexes + keys", 0, seconds))
        log(f"  {'indexes + keys':<22} {seconds:7.1f} s  ({len(self.recreate)} indexes and constraints)")
        started = time.perf_counter()
        with self.loader.connect() as conn:
            conn.autocommit = True
            conn.execute("ANALYZE")
        seconds = time.perf_counter() - started
        self.loader.timings.append(("analyze", 0, seconds))
        log(f"  {'analyze':<22} {seconds:7.1f} s")


# --- Validation -------------------------------------------------------------------------------

INVARIANTS = {
    "current stage is the first open stage (or the last when all are closed)": """
        SELECT count(*) FROM projects_project p
        WHERE p.current_stage_id IS DISTINCT FROM COALESCE(
            (SELECT s.stage_type_id FROM projects_projectstage s JOIN projects_stagetype t ON t.id = s.stage_type_id
             WHERE s.project_id = p.id AND s.status IN ('pending', 'in_progress') ORDER BY t."order" LIMIT 1),
            (SELECT id FROM projects_stagetype ORDER BY "order" DESC LIMIT 1))
    """,
    "every project has one stage per stage type": """
        SELECT count(*) FROM projects_project p
        WHERE (SELECT count(*) FROM projects_projectstage s WHERE s.project_id = p.id)
           <> (SELECT count(*) FROM projects_stagetype)
    """,
    "closed stages only before the current one, pending ones after it, one in progress": """
        SELECT count(*) FROM projects_projectstage s
        JOIN projects_stagetype t ON t.id = s.stage_type_id
        JOIN projects_project p ON p.id = s.project_id
        JOIN projects_stagetype c ON c.id = p.current_stage_id
        WHERE (p.status <> 'completed' AND t."order" < c."order" AND s.status NOT IN ('done', 'skipped'))
           OR (p.status <> 'completed' AND t."order" = c."order" AND s.status <> 'in_progress')
           OR (p.status <> 'completed' AND t."order" > c."order" AND s.status <> 'pending')
           OR (p.status = 'completed' AND s.status NOT IN ('done', 'skipped'))
    """,
    "finish dates never go backwards and stay before today": """
        SELECT count(*) FROM (
            SELECT s.finished_on, lag(s.finished_on) OVER (PARTITION BY s.project_id ORDER BY t."order") AS previous
            FROM projects_projectstage s JOIN projects_stagetype t ON t.id = s.stage_type_id
            WHERE s.status = 'done') x
        WHERE x.finished_on < x.previous OR x.finished_on > %(today)s
    """,
    "skipped stages have no due date, done ones a finish date": """
        SELECT count(*) FROM projects_projectstage
        WHERE (status = 'skipped' AND due_on IS NOT NULL) OR (status = 'done' AND finished_on IS NULL)
           OR (status IN ('pending', 'in_progress') AND finished_on IS NOT NULL)
    """,
    "signed projects past signing, leads in negotiation": """
        SELECT count(*) FROM projects_project p JOIN projects_stagetype c ON c.id = p.current_stage_id
        WHERE (p.signed_on IS NULL) <> (c.code = 'negotiation')
    """,
    "project codes follow JD-YYYY-NNNN of the signing (or creation) year": """
        SELECT count(*) FROM projects_project
        WHERE code !~ '^JD-[0-9]{4}-[0-9]{4,}$'
           OR substr(code, 4, 4)::int <> extract(year FROM COALESCE(signed_on, (created_at AT TIME ZONE 'Asia/Shanghai')::date))
    """,
    "a request's project belongs to its enterprise": """
        SELECT count(*) FROM servicerequests_servicerequest r JOIN projects_project p ON p.id = r.project_id
        WHERE p.enterprise_id <> r.enterprise_id
    """,
    "request timestamps in order and before the end of today": """
        SELECT count(*) FROM servicerequests_servicerequest
        WHERE accepted_at < created_at OR resolved_at < accepted_at OR closed_at < resolved_at OR rated_at < resolved_at
           OR GREATEST(created_at, accepted_at, resolved_at, closed_at, rated_at, updated_at)
              >= (%(today)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
           OR (status IN ('resolved', 'closed') AND resolved_at IS NULL) OR (status = 'closed' AND closed_at IS NULL)
    """,
    "updated_at not before created_at": """
        SELECT (SELECT count(*) FROM projects_project WHERE updated_at < created_at)
             + (SELECT count(*) FROM projects_projectstage WHERE updated_at < created_at)
             + (SELECT count(*) FROM companies_enterprise WHERE updated_at < created_at)
             + (SELECT count(*) FROM servicerequests_servicerequest WHERE updated_at < created_at)
    """,
}


def validate(generator: Generator, sample: int) -> None:
    from django.db import connection
    from django.db.models import Max

    from accounts.models import OrgUnit, Role, User
    from projects import planning
    from projects.models import ProjectStage
    from projects.selectors import project_list
    from reports.selectors import pipeline_report

    started = time.perf_counter()
    today = dt.date.fromordinal(generator.today)
    problems = []
    with connection.cursor() as cursor:
        for label, query in INVARIANTS.items():
            cursor.execute(query, {"today": today})
            bad = cursor.fetchone()[0]
            if bad:
                problems.append(f"{label}: {bad} rows")
    tree = OrgUnit.objects.find_problems() if hasattr(OrgUnit.objects, "find_problems") else OrgUnit.find_problems()
    if any(tree):
        problems.append(f"org-unit tree: {tree}")
    rng = random.Random(f"{generator.seed}:validate")
    checked = 0
    for model in generator.models():
        if model._meta.auto_created:
            continue
        count = model.objects.count()
        if model.objects.aggregate(top=Max("pk"))["top"] != (count or None):
            problems.append(f"{model._meta.label}: ids are not 1..{count}")
        for pk in sorted(rng.sample(range(1, count + 1), min(sample, count))):
            instance = model.objects.get(pk=pk)
            try:
                instance.full_clean()
            except Exception as error:  # noqa: BLE001 - every failure is reported with its row
                problems.append(f"{model._meta.label} {pk}: {error}")
            checked += 1
    # The open stages' due dates are what the planner computes.
    project_ids = list(generator_projects_sample(rng, generator.scale.projects, sample))
    for pid in project_ids:
        stages = list(ProjectStage.objects.filter(project_id=pid).select_related("stage_type", "project"))
        commitment = getattr(stages[0].project, "land_commitment", None) if stages else None
        planned = planning.plan(stages, commitment)
        for stage in stages:
            if stage.pk in planned:
                due = planned[stage.pk]
                if (due.due_on, due.provisional) != (stage.due_on, stage.due_is_provisional):
                    problems.append(
                        f"stage {stage.pk} of project {pid}: due {stage.due_on} {stage.due_is_provisional}, "
                        f"planned {due.due_on} {due.provisional}"
                    )
    manager = User.objects.filter(role=Role.MANAGER, org_unit__depth=1).order_by("pk").first()
    officer = User.objects.filter(role=Role.OFFICER, org_unit__depth=2).order_by("pk").first()
    listed = len(project_list(manager)[:50]) + project_list(officer).count()
    report = pipeline_report(project_list(manager), group_by="industry_chain", today=today)
    pipeline_report(project_list(officer), today=today)
    seconds = time.perf_counter() - started
    log(
        f"  {'validation':<22} {seconds:7.1f} s  {checked} rows full_clean(), {len(project_ids)} stage plans, "
        f"{len(INVARIANTS)} invariants; report total {report['total']['project_count']:,} projects, "
        f"listed {listed:,}"
    )
    if problems:
        for problem in problems[:50]:
            log(f"  PROBLEM {problem}")
        raise SystemExit(f"validation failed: {len(problems)} problems")


def generator_projects_sample(rng, n, sample):
    return sorted(rng.sample(range(1, n + 1), min(sample, n)))


def database_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.fromisoformat(DEFAULT_TODAY))
    parser.add_argument("--sample", type=int, default=200, help="rows per model to validate (0: no validation)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")
    scale = SCALES[args.scale]
    started = time.perf_counter()
    log(
        f"scale {args.scale}: {scale}; seed {args.seed}; today {args.today}; database {database_name(args.database_url)}"
    )
    create_database(args.database_url)
    migrate(args.database_url)
    log(f"  {'create + migrate':<22} {time.perf_counter() - started:7.1f} s")
    setup_django(args.database_url)
    loader = Loader(args.database_url)
    generator = Generator(scale, args.seed, args.today, loader)
    generator.run()
    if args.sample:
        validate(generator, args.sample)
    size = database_size(args.database_url)
    total_rows = sum(loader.loaded.values())
    log(f"done in {time.perf_counter() - started:.1f} s: {total_rows:,} rows, database {size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
