"""Figure 4: the daily reminder sweep over project stages, against one hand-written INSERT … SELECT."""

import datetime as dt
import statistics
import time
import uuid

import psycopg
from django.db import connection, transaction

from .harness import RUNS, Figure, bare_connection

DAY = dt.date(2026, 11, 25)  # the generator's reference date

# The same reminders services.owed_reminders(day, ("stage",)) owes, in one statement: the open stages
# up to each active project's current stage; the owner (the stage's, else the project's officer) is
# told when the tightest lead time they chose is reached, on the due day and once overdue; after
# REMINDER_ESCALATE_AFTER_WORKDAYS working days late the owner's managers (their unit's, else the
# nearest unit above that has any) get an escalation, a new one every working week. Working days come
# from a running count over the calendar (SpecialDay rows, else Monday to Friday). Titles are simplified.
LIMIT_SQL = """
WITH st AS (
    SELECT ps.id, ps.due_on, COALESCE(ps.owner_id, p.officer_id) AS owner_id, p.id AS project_id,
           '「' || p.name || '」' || t.name AS label
    FROM projects_projectstage ps
    JOIN projects_project p ON p.id = ps.project_id
    JOIN projects_stagetype t ON t.id = ps.stage_type_id
    JOIN projects_stagetype cur ON cur.id = p.current_stage_id
    WHERE ps.status IN ('pending', 'in_progress') AND ps.due_on IS NOT NULL
      AND p.status = 'active' AND t."order" <= cur."order"
),
days AS (
    SELECT d::date AS day,
           sum(CASE WHEN s.kind IS NULL THEN (extract(isodow FROM d) < 6)::int
                    ELSE (s.kind = 'workday')::int END) OVER (ORDER BY d) AS n
    FROM generate_series((SELECT least(min(due_on), %(day)s::date) FROM st),
                         (SELECT greatest(max(due_on), %(day)s::date) FROM st), interval '1 day') d
    LEFT JOIN workdays_specialday s ON s.date = d::date
),
sc AS (
    SELECT st.*, dd.n - td.n AS left_n
    FROM st JOIN days dd ON dd.day = st.due_on
    CROSS JOIN (SELECT n FROM days WHERE day = %(day)s::date) td
),
owner_rows AS (
    SELECT sc.owner_id AS recipient_id,
           CASE WHEN sc.due_on = %(day)s::date THEN 'stage:' || sc.id || ':due:' || sc.due_on
                ELSE 'stage:' || sc.id || ':overdue:' || sc.due_on END AS key,
           CASE WHEN sc.due_on = %(day)s::date THEN 'stage_due' ELSE 'stage_overdue' END AS kind,
           sc.label, sc.project_id, sc.due_on
    FROM sc JOIN accounts_user u ON u.id = sc.owner_id AND u.is_active
    WHERE sc.due_on <= %(day)s::date
    UNION ALL
    SELECT sc.owner_id, 'stage:' || sc.id || ':before:' || lead.step || ':' || sc.due_on, 'stage_due',
           sc.label, sc.project_id, sc.due_on
    FROM sc JOIN accounts_user u ON u.id = sc.owner_id AND u.is_active
    LEFT JOIN notifications_notificationpreference np ON np.user_id = u.id
    CROSS JOIN LATERAL (
        SELECT min(x::int) AS step
        FROM jsonb_array_elements_text(COALESCE(np.lead_days, '[5, 1]'::jsonb)) x
        WHERE x::int >= sc.left_n
    ) lead
    WHERE sc.due_on > %(day)s::date AND sc.left_n <= 30 AND lead.step IS NOT NULL
),
late AS (
    SELECT sc.*, -sc.left_n AS late_n FROM sc
    WHERE sc.due_on < %(day)s::date AND -sc.left_n >= %(after)s AND sc.owner_id IS NOT NULL
),
managers AS (
    SELECT o.owner_id, m.id AS manager_id
    FROM (SELECT DISTINCT owner_id FROM late) o
    JOIN accounts_user u ON u.id = o.owner_id
    JOIN accounts_orgunit ou ON ou.id = u.org_unit_id
    CROSS JOIN LATERAL (
        SELECT a.id FROM accounts_orgunit a
        WHERE ou.path LIKE a.path || '%%' AND EXISTS (
            SELECT 1 FROM accounts_user m
            WHERE m.org_unit_id = a.id AND m.role = 'manager' AND m.is_active AND m.id <> u.id)
        ORDER BY a.depth DESC LIMIT 1
    ) unit
    JOIN accounts_user m ON m.org_unit_id = unit.id AND m.role = 'manager' AND m.is_active AND m.id <> u.id
),
rows AS (
    SELECT recipient_id, key, kind, label || '到期提醒' AS title, project_id, due_on FROM owner_rows
    UNION ALL
    SELECT mg.manager_id, 'stage:' || late.id || ':escalation:' || ((late.late_n - %(after)s) / 5) || ':'
           || late.due_on, 'escalation', '逾期上报：' || late.label, late.project_id, late.due_on
    FROM late JOIN managers mg ON mg.owner_id = late.owner_id
)
INSERT INTO reminders_reminder (recipient_id, key, kind, title, body, url, due_on, swept_on, created_at)
SELECT recipient_id, key, kind, left(title, 200), '到期日期：' || due_on, '/projects/' || project_id || '/',
       due_on, %(day)s::date, now()
FROM rows
ON CONFLICT (recipient_id, key) DO NOTHING
"""

KEYS_SQL = "SELECT recipient_id, key FROM reminders_reminder"
# The tables a sweep writes. Each run is rolled back, which leaves its rows behind as dead tuples; with
# autovacuum off (as on the CI server) they pile up across runs and figures and slow every later run.
SWEPT_TABLES = (
    "reminders_reminder",
    "notifications_notification",
    "notifications_historicalnotification",
    "notifications_delivery",
)


# The tables it reads most, which other figures' rolled-back writes (imports) can leave full of dead rows.
READ_TABLES = ("projects_projectstage", "projects_project")


def vacuum(url: str, tables=SWEPT_TABLES) -> None:
    """Clear the dead rows rolled-back runs leave in `tables`, so that each run starts alike."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def _timed_in_rollback(run, check=None, runs: int = RUNS, warmup: int = 1, after=None):
    """Median seconds of `run()`, each run from the same state: inside a transaction rolled back after it.
    `check()` (not timed) runs after each `run()` within the same transaction; its results are returned.
    `after()` (not timed) runs after each rollback."""
    samples, checks = [], []
    for number in range(warmup + runs):
        with transaction.atomic():
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
            if check is not None:
                checks.append(check())
            transaction.set_rollback(True)
        if after is not None:
            after()
        if number >= warmup:
            samples.append(elapsed)
    return statistics.median(samples), checks


def reminder_sweep(scale: str, url: str) -> list[Figure]:
    """Reminder sweep over stages (~1% due), against the bare INSERT … SELECT … ON CONFLICT DO NOTHING."""
    from django.conf import settings

    from reminders import services
    from reminders.models import Reminder

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reminders_reminder")
        before = cursor.fetchone()[0]
    assert before == 0, f"the bench database already holds {before} reminders"
    vacuum(url, SWEPT_TABLES + READ_TABLES)

    def ours():
        services.sweep(DAY, kinds=("stage",), now=None)

    def second_sweep():
        """After the first sweep: what a second one records and delivers, and the rows the first made."""
        count = Reminder.objects.count()
        result = services.sweep(DAY, kinds=("stage",), now=None)
        new = Reminder.objects.count() - count
        keys = set(Reminder.objects.values_list("recipient_id", "key"))
        return count, new, result, keys

    ours_s, checks = _timed_in_rollback(ours, second_sweep, after=lambda: vacuum(url))
    reminders, _new, _result, ours_keys = checks[0]
    seconds = [c[1] for c in checks]
    assert all(new == 0 for new in seconds), f"a second sweep created reminders: {seconds}"
    assert all(c[2].reminders_delivered == 0 for c in checks), "a second sweep delivered reminders again"

    # One run split in its steps as services.sweep takes them, to say where the time goes.
    def split():
        from django.utils.translation import override

        with override(settings.LANGUAGE_CODE):
            token = uuid.uuid4()
            t0 = time.perf_counter()
            drafts = list(services.owed_reminders(DAY, ("stage",)))
            t1 = time.perf_counter()
            services.record(drafts, DAY, claim=token)
            t2 = time.perf_counter()
            notifications, _delivered = services.deliver_pending(claim=token)
            t3 = time.perf_counter()
        from notifications.models import Delivery

        deliveries = Delivery.objects.count()
        return t1 - t0, t2 - t1, t3 - t2, notifications, deliveries

    _, parts = _timed_in_rollback(lambda: None, split, runs=1, warmup=0, after=lambda: vacuum(url))
    owed_s, record_s, deliver_s, notifications, deliveries = parts[0]

    params = {"day": DAY, "after": settings.REMINDER_ESCALATE_AFTER_WORKDAYS}
    with bare_connection(url) as bare:
        samples, limit_keys, limit_count, limit_second = [], None, 0, None
        for number in range(1 + RUNS):
            started = time.perf_counter()
            inserted = bare.execute(LIMIT_SQL, params).rowcount
            elapsed = time.perf_counter() - started
            if number == 0:
                limit_keys = set(bare.execute(KEYS_SQL).fetchall())
                limit_count = inserted
                limit_second = bare.execute(LIMIT_SQL, params).rowcount
            else:
                samples.append(elapsed)
            bare.rollback()
            vacuum(url)
        limit_s = statistics.median(samples)

    same = ours_keys == limit_keys
    comparison = (
        "same (recipient, key) set as the limit"
        if same
        else f"(recipient, key) sets differ: {len(ours_keys - limit_keys)} only ours, "
        f"{len(limit_keys - ours_keys)} only the limit"
    )
    note = (
        f"{reminders} reminders ({limit_count} by the limit), {comparison}; second sweep: "
        f"{max(seconds)} new reminders (limit: {limit_second}); timed: services.sweep(2026-11-25, stage) = "
        f"owed {owed_s:.2f}s + record {record_s:.2f}s + in-app delivery {deliver_s:.2f}s "
        f"({notifications} notifications, {deliveries} delivery rows; tasks not sent, rolled back); "
        "limit: the reminder rows only"
    )
    return [Figure("reminder sweep (stages): time", ours_s, "s", limit_s, 3, scale, note)]
