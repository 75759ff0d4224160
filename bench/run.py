"""make bench: the system's main paths on PostgreSQL, each figure beside its limit measured in the
same run, as a ratio of medians over at least five runs.

    python -m bench.run [--scale S|L] [--database-url postgres://…/promotion_bench] [--regenerate] [--only NAME]

The database is generated (bench.generate) when it is missing or holds another scale. Figures are
printed as a table and saved to bench/results.json and the results section of docs/benchmarks.md.
"""

import argparse
import os
import sys

from . import generate
from .harness import Figure, save, table


def bench_scale(url: str) -> str | None:
    """The scale of the bench database at `url` (by its project count), or None when it is missing."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            projects = conn.execute("SELECT count(*) FROM projects_project").fetchone()[0]
    except psycopg.Error:
        return None
    return next((name for name, scale in generate.SCALES.items() if scale.projects == projects), None)


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE) the whole database before each figure: the figures that write roll back, and the
    dead rows they leave (or an earlier run left, with autovacuum off or behind) would slow the next."""
    import time

    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"vacuum (analyze): {time.perf_counter() - started:.1f} s", flush=True)


def default_url(scale: str) -> str:
    return generate.DEFAULT_URL if scale == "S" else f"{generate.DEFAULT_URL}_{scale.lower()}"


def setup_django(url: str) -> None:
    """Django on the bench database as production runs it: DEBUG off (no query log growing)."""
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 30),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="promotion.settings",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["S", "L", "T"], default=os.environ.get("SCALE", "S"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="default: promotion_bench for scale S, promotion_bench_l for L (each scale keeps its own database)",
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the data even if it is there")
    parser.add_argument("--only", metavar="SUBSTRING", help="measure only the figures whose function name holds it")
    args = parser.parse_args(argv)
    args.database_url = args.database_url or default_url(args.scale)

    if args.regenerate or bench_scale(args.database_url) != args.scale:
        print(f"generating scale {args.scale} into {args.database_url}", flush=True)
        generate.main(["--scale", args.scale, "--database-url", args.database_url])
    setup_django(args.database_url)

    from .figures import ALL

    figures: list[Figure] = []
    for measure in (m for m in ALL if not args.only or args.only in m.__name__):
        print(f"measuring: {measure.__doc__.splitlines()[0]}", flush=True)
        vacuum(args.database_url)  # what the figure before left behind is not this figure's cost
        figures.extend(measure(args.scale, args.database_url))
    print()
    print(table(figures))
    save(figures)
    missed = [f.name for f in figures if f.met is False]
    if missed:
        print(f"\nmissing their targets: {', '.join(missed)}", file=sys.stderr)


if __name__ == "__main__":
    main()
