"""`seed_demo`: the seeds' events with exactly their published figures, and a second run changes nothing."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from projects.models import Project, ProjectStage
from projects.selectors import signing_events_with_totals
from servicerequests.models import ServiceRequest

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.slow]


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_builds_the_published_events_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    events = {e.date.isoformat(): e for e in signing_events_with_totals()}
    assert {d: (e.project_count, e.total_investment) for d, e in events.items()} == {
        "2020-01-04": (98, Decimal("3400000.00")),
        "2020-03-11": (105, Decimal("2762000.00")),
        "2024-11-06": (24, Decimal("638300.00")),
    }
    assert events["2020-03-11"].is_online

    for username, role in [("admin", Role.ADMIN), ("manager", Role.MANAGER), ("officer", Role.OFFICER),
                           ("enterprise", Role.ENTERPRISE)]:
        user = User.objects.get(username=username)
        assert user.role == role and user.check_password("jiading-demo")
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="officer").org_unit.name == "安亭镇"
    assert User.objects.get(username="manager").is_district_wide

    meb = Project.objects.get(name="上汽大众MEB新能源汽车项目")
    assert meb.total_investment == Decimal("1700000.00") and not meb.is_sample
    assert Project.objects.filter(signing_event__isnull=False, is_sample=False).count() == 0

    stages_in_use = set(Project.objects.values_list("current_stage__code", flat=True))
    assert {"admission", "registration", "land", "construction", "completion", "production"} <= stages_in_use
    towns = set(Project.objects.values_list("town__name", flat=True))
    assert "安亭镇" in towns and len(towns) >= 8
    assert ProjectStage.objects.filter(status="in_progress", due_on__lt="2026-11-01").exists()

    statuses = set(ServiceRequest.objects.values_list("status", flat=True))
    assert statuses == set(ServiceRequest.Status.values)
    demo_enterprise = User.objects.get(username="enterprise").enterprise
    assert ServiceRequest.objects.filter(enterprise=demo_enterprise).count() >= 3
    assert ServiceRequest.objects.values("enterprise").distinct().count() >= 4

    before = row_counts()
    call_command("seed_demo")
    assert row_counts() == before


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
