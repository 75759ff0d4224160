"""The benchmarks' bookkeeping: medians of repeated runs, each figure beside its limit, and where
the results go (stdout, bench/results.json, the results section of docs/benchmarks.md)."""

import datetime
import json
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
RUNS = 5


def bare_connection(url: str, **options):
    """A psycopg connection for a limit, set up as the application's connections are (no JIT: see
    DATABASE_JIT in the README), so that ours and the limit run under the same server settings."""
    import psycopg

    return psycopg.connect(url, options="-c jit=off", **options)


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    limit: float | None
    target: float | None
    scale: str
    note: str = ""
    commit: str = field(default_factory=lambda: git_commit())
    date: str = field(default_factory=lambda: datetime.date.today().isoformat())

    @property
    def ratio(self) -> float | None:
        if self.limit in (None, 0):
            return None
        return round(self.value / self.limit, 2)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def as_json(self) -> dict:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def median_seconds(action, runs: int = RUNS, warmup: int = 1) -> tuple[float, list[float]]:
    """The median wall time of `action()` over `runs` runs, after `warmup` runs that are not counted."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), samples


def table(figures: list[Figure]) -> str:
    header = f"{'figure':58} {'ours':>10} {'limit':>10} {'unit':6} {'ratio':>6} {'target':>6}  ok"
    lines = [header, "-" * len(header)]
    for f in figures:
        limit = "—" if f.limit is None else f"{f.limit:.4g}"
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}"
        target = "—" if f.target is None else f"{f.target:g}"
        ok = {True: "yes", False: "NO", None: ""}[f.met]
        lines.append(f"{f.name:58} {f.value:>10.4g} {limit:>10} {f.unit:6} {ratio:>6} {target:>6}  {ok}")
    return "\n".join(lines)


def save(figures: list[Figure]) -> None:
    """Results of this run replace those of the same figure and scale; the other scale's stay."""
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    fresh = {(f.name, f.scale) for f in figures}
    kept = [row for row in existing if (row["name"], row["scale"]) not in fresh]
    rows = kept + [f.as_json() for f in figures]
    rows.sort(key=lambda row: (row["scale"], row["name"]))
    RESULTS.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    _update_docs(rows)


def _markdown(rows: list[dict]) -> str:
    out = []
    for scale in sorted({row["scale"] for row in rows}):
        out.append(f"\n### Scale {scale}\n")
        out.append("| figure | ours | limit | unit | ratio | target | commit | date |")
        out.append("|---|---:|---:|---|---:|---:|---|---|")
        for row in (r for r in rows if r["scale"] == scale):
            limit = "—" if row["limit"] is None else f"{row['limit']:.4g}"
            ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}"
            target = "—" if row["target"] is None else f"{row['target']:g}"
            out.append(
                f"| {row['name']} | {row['value']:.4g} | {limit} | {row['unit']} | {ratio} | {target} "
                f"| {row['commit']} | {row['date']} |"
            )
    return "\n".join(out) + "\n"


def _update_docs(rows: list[dict]) -> None:
    text = DOCS.read_text() if DOCS.exists() else f"# Benchmarks\n\n## Results\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(f"{head}{START}\n{_markdown(rows)}{END}{tail}")
