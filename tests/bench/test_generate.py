"""The benchmark data generator (bench.generate) at its tiny scale T: it passes its own validation
(full_clean on a sample of every model, the stage invariants, the planner's due dates, the report),
its counts match the scale, and the same seed gives the same rows. Needs PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.generate import SCALES, drop_database

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

CHECKSUMMED = [
    "accounts_orgunit",
    "accounts_user",
    "companies_enterprise",
    "companies_contact",
    "projects_signingevent",
    "projects_project",
    "projects_projectstage",
    "projects_landcommitment",
    "servicerequests_servicerequest",
    "servicerequests_comment",
]


@pytest.fixture
def bench_url():
    url = urlsplit(DATABASE_URL)._replace(path=f"/promotion_bench_test_{os.getpid()}").geturl()
    yield url
    drop_database(url)


def generate(url, *extra):
    result = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--scale", "T", "--database-url", url, "--seed", "7", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def snapshot(url):
    import psycopg

    with psycopg.connect(url) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("projects_project", "projects_projectstage", "projects_stagetype", "companies_enterprise")
            + ("servicerequests_servicerequest",)
        }
        sums = {
            table: conn.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t").fetchone()[0]
            for table in CHECKSUMMED
        }
        bad_uscc = conn.execute(
            "SELECT count(*) FROM companies_enterprise WHERE uscc IS NOT NULL AND uscc !~ '^91[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'"
        ).fetchone()[0]
    return counts, sums, bad_uscc


def test_tiny_scale_is_valid_and_deterministic(bench_url):
    output = generate(bench_url)
    assert "full_clean()" in output and "PROBLEM" not in output
    counts, sums, bad_uscc = snapshot(bench_url)
    scale = SCALES["T"]
    assert counts["projects_project"] == scale.projects
    assert counts["companies_enterprise"] == scale.enterprises
    assert counts["servicerequests_servicerequest"] == scale.requests
    assert counts["projects_projectstage"] == scale.projects * counts["projects_stagetype"]
    assert bad_uscc == 0
    assert all(sums.values())

    generate(bench_url, "--sample", "0")  # the same seed again, into a re-created database
    assert snapshot(bench_url)[1] == sums
