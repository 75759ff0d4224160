"""Reliability tests: hostile files, probing, brute force, awkward file names and properties.

RELIABILITY_SCALE=quick (the default; what `make test` and CI run) keeps every test to a few seconds.
RELIABILITY_SCALE=full (`make reliability`) runs the big sizes: a real million-row sheet, more
enterprises and towns probing each other, many more generated examples.

With RELIABILITY_REPORT=<path>, the tests append one JSON line per measured case to that file, for
the figures in docs/reliability.md.
"""

import json
import os


def full_scale() -> bool:
    return os.environ.get("RELIABILITY_SCALE", "quick").strip().lower() == "full"


def report(section: str, **figures) -> None:
    """Print one measured case, and append it as a JSON line to $RELIABILITY_REPORT when set."""
    line = json.dumps({"section": section, **figures}, ensure_ascii=False, default=str)
    print(line)
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def examples(quick: int, full: int):
    """Hypothesis settings: `quick` derandomized examples (the same every run, for CI), or `full`
    random ones at full scale.

    Function-scoped fixtures are allowed: the tests that use the database only read it, so one
    transaction for all the examples of a test is right."""
    from hypothesis import HealthCheck, settings

    checks = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
    if full_scale():
        return settings(max_examples=full, deadline=None, suppress_health_check=checks)
    return settings(max_examples=quick, deadline=None, derandomize=True, database=None, suppress_health_check=checks)
