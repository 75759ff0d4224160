import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_codes_number_on_past_ten_thousand_projects_a_year():
    f.project(code="JD-2026-9999", signed_on=f.date("2026-03-02"))
    f.project(code="JD-2026-10000", signed_on=f.date("2026-03-02"))
    f.project(code="JD-2025-0007", signed_on=f.date("2025-03-03"))

    assert f.project(signed_on=f.date("2026-11-02")).code == "JD-2026-10001"
    assert f.project(signed_on=f.date("2025-11-03")).code == "JD-2025-0008"
