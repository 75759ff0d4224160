"""Load on the production stack: locust users (officers of several towns, managers, enterprise users)
list, search, edit, move stages, handle service requests, read the report and export, with 1-5 s
of think time. Nothing fails, the web log has no 5xx, and every write is in the database afterwards.

Quick here (10 users for 45 s); RELIABILITY_SCALE=full runs 50 users for 5 minutes. The timings are
printed, not asserted: the target (p99 under 1 s) is a benchmark's figure (reliability/load.py).
"""

import pytest

from reliability.load import run_load, table
from tests.reliability import full_scale, report

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_a_working_day_under_load_fails_nothing_and_loses_no_write(stack, tmp_path):
    users, duration = (50, 300) if full_scale() else (10, 45)

    result = run_load(stack, users=users, duration_s=duration, results_dir=tmp_path / "load")
    print("\n" + table(result))
    figures = ("users", "duration_s", "requests", "failures", "rps", "median_ms", "p95_ms", "p99_ms")
    report("load", **{name: result[name] for name in figures})

    assert result["requests"] > users * duration / 10, "the users hardly sent anything"
    assert result["failures"] == 0, result["failure_samples"]
    assert result["error_5xx"] == 0, result["web_log"]
    assert result["web_log"]["timeouts"] == 0, result["web_log"]
    kinds = result["writes_by_kind"]
    assert {"project_edit", "stage_action", "request_submit", "export"} <= set(kinds), kinds
    assert result["writes_missing"] == []
    assert result["worker_exports_done"] == kinds["export"]
