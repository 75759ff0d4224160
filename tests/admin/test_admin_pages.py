"""Every admin page renders in Chinese, and list pages make the same number of queries however many rows."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from projects.models import Project, ProjectStage
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    superuser = f.user("root", role=Role.ADMIN, org_unit=None, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client


def make_projects(n):
    officer = f.user()
    for _ in range(n):
        project = f.project(actor=officer, officer=officer, signed_on=f.date("2025-01-06"))
        project.team.add(officer)


def changelist_urls():
    for model in admin.site._registry:
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_changelist_and_add_page_renders_in_chinese(admin_client):
    make_projects(2)
    for url in changelist_urls():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "站点管理" in response.content.decode() or "管理" in response.content.decode(), url
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="root")
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        # Some rows are only ever made by the system (stages come with their project).
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert admin_client.get(url).status_code == expected, url
    assert not admin.site._registry[ProjectStage].has_add_permission(request)


def test_project_page_shows_the_stage_plan(admin_client):
    make_projects(1)
    project = Project.objects.get()
    response = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for name in ["洽谈", "签约", "准入评估", "供地/拿地", "达产"]:
        assert name in page
    assert "计划完成日期" in page


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:projects_project_changelist",
        "admin:projects_projectstage_changelist",
        "admin:companies_enterprise_changelist",
        "admin:projects_signingevent_changelist",
        "admin:servicerequests_servicerequest_changelist",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, url_name):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(url_name)).status_code == 200
        return len(captured)

    make_projects(2)
    few = queries()
    make_projects(8)
    assert queries() == few
    assert few <= 15


def test_a_stage_finished_in_the_admin_goes_through_the_service(admin_client):
    make_projects(1)
    stage = ProjectStage.objects.get(stage_type__code="land")
    url = reverse("admin:projects_projectstage_change", args=[stage.pk])
    # Earlier stages are open: the service refuses, the admin shows why, nothing changes.
    response = admin_client.post(
        url, {"notes": "", "action": "finish", "action_date": "2025-03-01", "reason": ""}, follow=True
    )
    assert "请先完成或跳过之前的阶段" in response.content.decode()
    stage.refresh_from_db()
    assert stage.status == ProjectStage.Status.PENDING

    admission = ProjectStage.objects.get(stage_type__code="admission")
    url = reverse("admin:projects_projectstage_change", args=[admission.pk])
    admin_client.post(url, {"notes": "", "action": "skip", "action_date": "", "reason": "已在市级评估"}, follow=True)
    admission.refresh_from_db()
    assert admission.status == ProjectStage.Status.SKIPPED
    record = admission.history.first()
    assert record.history_user.username == "root" and "已在市级评估" in record.history_change_reason


def test_a_land_commitment_saved_in_the_admin_replans_the_stages(admin_client):
    make_projects(1)
    project = Project.objects.get()
    response = admin_client.post(
        reverse("admin:projects_landcommitment_add"),
        {
            "project": project.pk,
            "contract_no": "沪嘉（2025）出让合第12号",
            "handed_over_on": "2025-05-20",
            "production_within_months": "18",
            "yearly_actuals-TOTAL_FORMS": "0",
            "yearly_actuals-INITIAL_FORMS": "0",
            "yearly_actuals-MIN_NUM_FORMS": "0",
            "yearly_actuals-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    production = ProjectStage.objects.get(project=project, stage_type__code="production")
    assert production.due_on.isoformat() == "2026-11-20"
    assert project.land_commitment.history.first().history_user.username == "root"
