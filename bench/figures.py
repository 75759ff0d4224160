"""The figures of make bench, each a function (scale, database_url) -> [Figure]."""

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .harness import Figure, median_seconds


def district_manager():
    from accounts.models import Role, User

    managers = User.objects.filter(role=Role.MANAGER, is_active=True).select_related("org_unit")
    return next(user for user in managers if user.is_district_wide)


def pipeline_by_chain(scale: str, url: str) -> list[Figure]:
    """Pipeline report grouped by industry chain, against the same SQL sent bare through psycopg."""
    from projects.selectors import project_list
    from reports.selectors import pipeline_report

    manager = district_manager()

    def ours():
        pipeline_report(project_list(manager), group_by="industry_chain")

    with CaptureQueriesContext(connection) as captured:
        ours()
    statements = [query["sql"] for query in captured.captured_queries]

    with psycopg.connect(url) as bare:

        def limit():
            for statement in statements:
                bare.execute(statement).fetchall()

        ours_s, _ = median_seconds(ours)
        limit_s, _ = median_seconds(limit)
    note = f"{len(statements)} queries"
    return [Figure("pipeline report by industry chain", ours_s * 1000, "ms", limit_s * 1000, 1.5, scale, note)]


ALL = [pipeline_by_chain]
