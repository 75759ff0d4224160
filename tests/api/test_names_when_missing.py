"""Names of related people read as null when there is nobody, never as a Python repr."""

import pytest

from projects.models import Project

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_project_without_officer_has_a_null_officer_name(world):
    Project.objects.filter(pk=world["anting_project"].pk).update(officer=None)
    body = client_for(world["manager"]).get(f"/api/v1/projects/{world['anting_project'].pk}/").json()
    assert body["officer"] is None and body["officer_name"] is None
    with_officer = client_for(world["manager"]).get(f"/api/v1/projects/{world['nanxiang_project'].pk}/").json()
    assert with_officer["officer_name"] == "officer_n"
