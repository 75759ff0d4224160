"""`make reliability`: the long versions of the reliability checks, one after another, each in its
own process, with their figures collected into reliability/results/ (see docs/reliability.md).

  1. hostile input at full size (tests/reliability with RELIABILITY_SCALE=full) and schemathesis with
     SCHEMATHESIS_EXAMPLES examples per operation, on PostgreSQL (RELIABILITY_DATABASE_URL);
  2. the load test: 50 users with 1-5 s of think time for 5 minutes against the production stack;
  3. the faults: Redis stopped for 30 s, the worker killed mid-task, PostgreSQL restarted, under load.

`python -m reliability.run --only load` (or hostile, faults) runs one of them.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "reliability" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/promotion_reliability"


def hostile() -> list[str]:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("RELIABILITY_DATABASE_URL", DEFAULT_DATABASE_URL),
        "RELIABILITY_SCALE": "full",
        "RELIABILITY_REPORT": str(RESULTS / "hostile.jsonl"),
        "SCHEMATHESIS_EXAMPLES": os.environ.get("SCHEMATHESIS_EXAMPLES", "50"),
    }
    env.pop("REDIS_URL", None)
    (RESULTS / "hostile.jsonl").unlink(missing_ok=True)
    return [
        [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider", "tests/reliability",
         "tests/api/test_schemathesis.py", f"--junitxml={RESULTS / 'hostile-junit.xml'}"],
        env,
    ]  # fmt: skip


def load() -> list:
    return [
        [sys.executable, "-m", "reliability.load", "--users", "50", "--duration", "300",
         "--output", str(RESULTS / "load.json")],
        dict(os.environ),
    ]  # fmt: skip


def faults() -> list:
    return [[sys.executable, "-m", "reliability.faults", "--output", str(RESULTS / "faults.json")], dict(os.environ)]


CHECKS = {"hostile": hostile, "load": load, "faults": faults}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(CHECKS), action="append", help="run only this check (repeatable)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for name in args.only or list(CHECKS):
        command, env = CHECKS[name]()
        print(f"\n=== reliability: {name} ===\n$ {' '.join(command)}", flush=True)
        started = time.monotonic()
        returncode = subprocess.run(command, cwd=ROOT, env=env).returncode
        outcomes.append((name, returncode, time.monotonic() - started))
    print("\n=== reliability: summary ===")
    for name, returncode, seconds in outcomes:
        print(f"  {name:<8} {'ok' if returncode == 0 else f'FAILED ({returncode})':<12} {seconds / 60:5.1f} min")
    print(f"  figures: {RESULTS}/")
    return 0 if all(returncode == 0 for _, returncode, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
