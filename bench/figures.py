"""The figures of make bench, each a function (scale, database_url) -> [Figure]."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .api_figure import project_list_api
from .export_figure import export_projects
from .harness import Figure, bare_connection, median_seconds
from .import_figure import import_rows
from .pages_figure import pages
from .sweep_figure import reminder_sweep


def district_manager():
    from accounts.models import Role, User

    managers = User.objects.filter(role=Role.MANAGER, is_active=True).select_related("org_unit")
    return next(user for user in managers if user.is_district_wide)


def pipeline_by_chain(scale: str, url: str) -> list[Figure]:
    """Pipeline report grouped by industry chain, against a hand-written SQL aggregate and the ORM's SQL sent bare."""
    PIPELINE_SQL = """
    WITH marks AS (
        SELECT (SELECT "order" FROM projects_stagetype WHERE marks_landed ORDER BY "order" LIMIT 1) AS landed,
               (SELECT "order" FROM projects_stagetype WHERE marks_construction ORDER BY "order" LIMIT 1) AS construction,
               (SELECT "order" FROM projects_stagetype WHERE marks_production ORDER BY "order" LIMIT 1) AS production
    ),
    done AS (
        SELECT ps.project_id, max(t."order") AS top
        FROM projects_projectstage ps JOIN projects_stagetype t ON t.id = ps.stage_type_id
        WHERE ps.status = 'done' GROUP BY ps.project_id
    ),
    overdue AS (
        SELECT DISTINCT project_id FROM projects_projectstage
        WHERE status IN ('pending', 'in_progress') AND due_on < %(today)s
    )
    SELECT ic.code, ic.name, ic."order", count(*), count(*) FILTER (WHERE p.status = 'terminated'),
           sum(p.total_investment), sum(p.funds_in_place),
           count(*) FILTER (WHERE done.top >= marks.landed),
           count(*) FILTER (WHERE done.top >= marks.construction),
           count(*) FILTER (WHERE done.top >= marks.production),
           count(overdue.project_id)
    FROM projects_project p
    LEFT JOIN companies_industrychain ic ON ic.id = p.industry_chain_id
    LEFT JOIN done ON done.project_id = p.id
    LEFT JOIN overdue ON overdue.project_id = p.id
    CROSS JOIN marks
    GROUP BY ic.code, ic.name, ic."order"
    """
    PIPELINE_STAGES_SQL = """
    SELECT ic.code, p.current_stage_id, count(*), sum(p.total_investment)
    FROM projects_project p LEFT JOIN companies_industrychain ic ON ic.id = p.industry_chain_id
    GROUP BY ic.code, p.current_stage_id
    """
    # Working days from start to finish, both included, from a running count over the calendar (SpecialDay
    # rows, else Monday to Friday), summed per stage type; provisional when a year touched is not published.
    DURATIONS_SQL = """
    WITH finished AS (
        SELECT stage_type_id, started_on, finished_on FROM projects_projectstage
        WHERE status = 'done' AND started_on IS NOT NULL AND finished_on IS NOT NULL
    ),
    days AS (
        SELECT d::date AS day, sum(w) OVER (ORDER BY d) AS n, w
        FROM generate_series((SELECT min(started_on) FROM finished), (SELECT max(finished_on) FROM finished),
                             interval '1 day') d
        LEFT JOIN workdays_specialday s ON s.date = d::date
        CROSS JOIN LATERAL (SELECT CASE WHEN s.kind IS NULL THEN (extract(isodow FROM d) < 6)::int
                                        ELSE (s.kind = 'workday')::int END AS w) x
    ),
    published AS (SELECT array_agg(year) AS years FROM workdays_calendaryear WHERE is_published),
    per_years AS (
        SELECT f.stage_type_id, extract(year FROM f.started_on)::int AS first_year,
               extract(year FROM f.finished_on)::int AS last_year, count(*) AS finished,
               sum(e.n - s.n + s.w) AS workdays
        FROM finished f JOIN days s ON s.day = f.started_on JOIN days e ON e.day = f.finished_on
        GROUP BY 1, 2, 3
    )
    SELECT stage_type_id, sum(finished), sum(workdays),
           bool_or(EXISTS (SELECT 1 FROM generate_series(first_year, last_year) y
                           WHERE NOT y = ANY (published.years)))
    FROM per_years CROSS JOIN published
    GROUP BY stage_type_id
    """

    def pipeline_by_hand(bare, today, stage_types) -> dict:
        """The pipeline report by industry chain from the hand-written SQL: the numbers pipeline_report gives."""
        from decimal import Decimal

        zero = Decimal("0.00")
        rows = bare.execute(PIPELINE_SQL, {"today": today}).fetchall()
        stage_rows = {(code, stage): (n, amount) for code, stage, n, amount in bare.execute(PIPELINE_STAGES_SQL)}
        durations = {row[0]: row[1:] for row in bare.execute(DURATIONS_SQL)}
        groups = []
        for code, _name, _order, *numbers in sorted(rows, key=lambda r: (r[2] is None, r[2] or 0, str(r[0]))):
            count, terminated, investment, funds, landed, construction, production, overdue = numbers
            groups.append(
                {
                    "key": code,
                    "counts": (count, terminated, landed, construction, production, overdue),
                    "sums": (investment or zero, funds or zero),
                    "stages": [stage_rows.get((code, t.pk), (0, zero)) for t in stage_types],
                }
            )
        averages = {
            t.pk: (durations[t.pk][0], (Decimal(durations[t.pk][1]) / durations[t.pk][0]).quantize(Decimal("0.1")))
            for t in stage_types
            if t.pk in durations
        }
        provisional = any(row[2] for row in durations.values())
        return {"groups": groups, "durations": averages, "provisional": provisional}

    def _report_numbers(report, stage_types) -> dict:
        from reports.selectors import COUNTS, SUMS

        groups = [
            {
                "key": group["key"],
                "counts": tuple(group[name] for name in COUNTS),
                "sums": tuple(group[name] for name in SUMS),
                "stages": [(s["project_count"], s["total_investment"]) for s in group["stages"]],
            }
            for group in report["groups"]
        ]
        averages = {
            t.pk: (s["finished_count"], s["average_workdays"])
            for t, s in zip(stage_types, report["durations"]["stages"], strict=True)
            if s["finished_count"]
        }
        return {"groups": groups, "durations": averages, "provisional": report["durations"]["provisional"]}

    from django.utils import timezone

    from projects.models import StageType
    from projects.selectors import project_list
    from reports.selectors import pipeline_report

    manager = district_manager()
    today = timezone.localdate()
    stage_types = list(StageType.objects.order_by("order"))

    def ours():
        return pipeline_report(project_list(manager), group_by="industry_chain", today=today)

    with CaptureQueriesContext(connection) as captured:
        report = ours()
    statements = [query["sql"] for query in captured.captured_queries]

    with bare_connection(url) as bare:

        def orm_sql():
            for statement in statements:
                bare.execute(statement).fetchall()

        def by_hand():
            return pipeline_by_hand(bare, today, stage_types)

        expected, got = _report_numbers(report, stage_types), by_hand()
        same = expected == got
        if not same:
            differing = [k for k in expected if expected[k] != got[k]]
            print(f"pipeline: the hand-written SQL differs from pipeline_report in {differing}", flush=True)

        ours_s, _ = median_seconds(ours)
        bare_s, _ = median_seconds(orm_sql)
        hand_s, _ = median_seconds(by_hand)
    equal = "numbers equal pipeline_report's" if same else "NUMBERS DIFFER from pipeline_report's"
    hand_note = (
        f"limit: 3 hand-written statements (grouped aggregate, per-stage counts, stage durations); "
        f"{equal}; ours {len(statements)} queries; district-wide manager"
    )
    return [
        Figure("pipeline report by industry chain", ours_s * 1000, "ms", hand_s * 1000, 1.5, scale, hand_note),
        Figure(
            "pipeline report: ORM overhead",
            ours_s * 1000,
            "ms",
            bare_s * 1000,
            1.5,
            scale,
            f"limit: the ORM's own {len(statements)} statements sent bare through psycopg",
        ),
    ]


ALL = [project_list_api, pipeline_by_chain, export_projects, reminder_sweep, import_rows, pages]
