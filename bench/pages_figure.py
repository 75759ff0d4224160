"""Figure 6: the project list page and the dashboard, as a district-wide manager sees them: median
latency through Django's request handling (the test client: middleware, views, templates; no network)
and the number of queries per request. There is no limit to compare with; the figures are reported."""

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .harness import Figure, median_seconds

PAGES = [
    ("project list page", "/projects/", {}),
    (
        "project list page, two filters, sorted",
        "/projects/",
        {"industry_chain": "auto", "status": "active", "ordering": "-total_investment"},
    ),
    ("dashboard, this year", "/dashboard/", {}),
    ("dashboard, all years", "/dashboard/", {"year": ""}),
]


def pages(scale: str, url: str) -> list[Figure]:
    """The project list page and the dashboard: median latency and queries per request (reported, no limit)."""
    from .figures import district_manager

    # DEBUG is off, as in production: the pages' static URLs come from collectstatic's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(district_manager())
    figures = []
    try:
        for name, path, params in PAGES:

            def get(path=path, params=params):
                answer = client.get(path, params, secure=True)
                assert answer.status_code == 200, (path, params, answer.status_code)
                return answer

            seconds, samples = median_seconds(get)
            with CaptureQueriesContext(connection) as captured:
                get()
            spread = f"runs {', '.join(f'{s * 1000:.0f}' for s in samples)} ms"
            note = f"GET {path} {params or ''}; {len(captured)} queries; {spread}"
            figures.append(Figure(f"{name}: median latency", seconds * 1000, "ms", None, None, scale, note))
            figures.append(Figure(f"{name}: queries", len(captured), "queries", None, None, scale, note))
    finally:
        client.logout()
    return figures
