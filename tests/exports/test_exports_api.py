"""The export endpoints: a job that copies the list exactly, downloadable by its requester alone."""

from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from exports.models import ExportJob
from tests.api.conftest import client_for

from .conftest import PROJECTS, data_rows, in_anting, run, sheet_of

URL = "/api/v1/exports/"


def listed(client, path, params, key):
    """`key` of every row of a list endpoint, page after page, as a client would read it."""
    values, page = [], 1
    while True:
        body = client.get(path, {**params, "page": page, "page_size": 5}).json()
        values += [row[key] for row in body["results"]]
        if not body["next"]:
            return values
        page += 1


def export(user, kind, filters):
    response = client_for(user).post(URL, {"kind": kind, "filters": filters}, format="json")
    assert response.status_code == 202, response.content
    return run(ExportJob.objects.get(pk=response.json()["id"]))


PROJECT_FILTERS = [
    {},
    {"status": ["active", "paused"], "ordering": "-total_investment"},
    {"industry_chain": "auto", "ordering": "code"},
    {"signed_after": "2025-02-01", "overdue": "true"},
    {"q": "导出测试项目1", "ordering": "-signed_on"},
]


@pytest.mark.parametrize("filters", PROJECT_FILTERS, ids=str)
@pytest.mark.parametrize("who", ["officer", "manager"])
def test_project_export_holds_the_list_in_its_order(ex, who, filters):
    user = ex[who]
    codes = listed(client_for(user), "/api/v1/projects/", filters, "code")
    assert codes, "the filters should leave some projects"
    job = export(user, "projects", filters)
    assert job.state == "done" and job.row_count == len(codes)
    assert [row[0] for row in data_rows(sheet_of(job))] == codes


def test_officer_exports_only_what_the_list_shows_them(ex):
    all_codes = {p.code for p in ex["projects"]}
    job = export(ex["officer"], "projects", {})
    exported = {row[0] for row in data_rows(sheet_of(job))}
    assert exported < all_codes
    assert exported == {p.code for p in ex["projects"] if p.town == ex["anting"]}


@pytest.mark.parametrize("filters", [{}, {"town": "anting", "ordering": "-name"}, {"q": "导出测试0"}], ids=str)
def test_enterprise_export_holds_the_list_in_its_order(ex, filters):
    filters = {k: ex["anting"].pk if v == "anting" else v for k, v in filters.items()}
    names = listed(client_for(ex["officer"]), "/api/v1/enterprises/", filters, "name")
    job = export(ex["officer"], "enterprises", filters)
    assert [row[0] for row in data_rows(sheet_of(job))] == names and names


@pytest.mark.parametrize(
    "filters", [{}, {"status": "submitted", "category": "hiring"}, {"ordering": "-status"}], ids=str
)
@pytest.mark.parametrize("who", ["officer", "ent_user"])
def test_service_request_export_holds_the_list_in_its_order(ex, who, filters):
    ids = listed(client_for(ex[who]), "/api/v1/service-requests/", filters, "id")
    job = export(ex[who], "service_requests", filters)
    assert [row[0] for row in data_rows(sheet_of(job))] == ids and ids


def test_enterprise_user_exports_its_projects_and_requests_only(ex):
    user = ex["ent_user"]
    job = export(user, "projects", {})
    assert {row[0] for row in data_rows(sheet_of(job))} == {
        p.code for p in ex["projects"] if p.enterprise_id == user.enterprise_id
    }
    for kind in ("enterprises", "stages"):
        response = client_for(user).post(URL, {"kind": kind, "filters": {}}, format="json")
        assert response.status_code == 403, response.content
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "projects", "filters": {"status": ["nope"]}}, "status"),
        ({"kind": "projects", "filters": {"town": "abc"}}, "town"),
        ({"kind": "projects", "filters": {"signed_after": "2025-13-01"}}, "signed_after"),
        ({"kind": "projects", "filters": {"ordering": "password"}}, "ordering"),
        ({"kind": "projects", "filters": {"no_such_filter": "1"}}, "no_such_filter"),
        ({"kind": "service_requests", "filters": {"overdue": "maybe"}}, "overdue"),
        ({"kind": "enterprises", "filters": {"relocation_risk": "perhaps"}}, "relocation_risk"),
        ({"kind": "projects", "filters": {"status": {"nested": 1}}}, "status"),
        ({"kind": "projects", "filters": [1, 2]}, "filters"),
    ],
    ids=lambda value: str(value),
)
def test_bad_filters_are_a_400_with_the_filtersets_message_and_queue_nothing(people, body, field):
    response = client_for(people["officer"]).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert field in answer["filters"] and answer["filters"][field] and answer["detail"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("body", [{}, {"kind": "everything"}, {"kind": "projects", "filters": "town=1"}])
def test_bad_kind_or_body_is_a_400(people, body):
    response = client_for(people["officer"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_paging_parameters_are_ignored_and_the_filters_kept_as_the_lists_parameters(ex):
    filters = {"status": ["active"], "town": ex["anting"].pk, "overdue": True, "page": 2, "page_size": 5}
    response = client_for(ex["officer"]).post(URL, {"kind": "projects", "filters": filters}, format="json")
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.filters == {"status": ["active"], "town": str(ex["anting"].pk), "overdue": "true"}


def test_the_job_answers_its_state_and_when_done_a_download_url(ex):
    client = client_for(ex["officer"])
    created = client.post(URL, {"kind": "projects", "filters": {}}, format="json")
    assert created.status_code == 202
    body = created.json()
    assert body["state"] == "pending" and body["progress"] == 0 and body["download_url"] is None
    assert created["Location"].endswith(f"{URL}{body['id']}/")
    run(ExportJob.objects.get(pk=body["id"]))
    detail = client.get(f"{URL}{body['id']}/").json()
    assert detail["state"] == "done" and detail["progress"] == 100 and detail["row_count"] == len(in_anting(ex))
    assert detail["download_url"] == f"{URL}{body['id']}/download/"
    assert detail["finished_at"] and detail["created_at"] and detail["error"] == ""
    assert set(detail) >= {"id", "kind", "state", "progress", "row_count", "created_at", "finished_at", "error"}


def test_through_the_broker_in_eager_mode(ex, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ex["manager"]).post(URL, {"kind": "stages", "filters": {}}, format="json")
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.state == "done" and job.row_count == PROJECTS and job.file.name.startswith("exports/")


def test_only_the_requester_downloads_and_sees_the_job(ex):
    job = export(ex["officer"], "projects", {})
    detail, download = f"{URL}{job.pk}/", f"{URL}{job.pk}/download/"
    answer = client_for(ex["officer"]).get(download)
    assert answer.status_code == 200
    content = b"".join(answer.streaming_content)
    assert content.startswith(b"PK")
    assert "attachment" in answer["Content-Disposition"]
    assert quote("招商项目") in answer["Content-Disposition"] and ".xlsx" in answer["Content-Disposition"]
    for other in ("other_officer", "manager", "admin", "ent_user"):
        assert client_for(ex[other]).get(download).status_code == 404, other
        assert client_for(ex[other]).get(detail).status_code == 404, other
        assert client_for(ex[other]).get(URL).json()["count"] == 0
    assert APIClient().get(download).status_code == 401
    assert APIClient().get(detail).status_code == 401
    assert client_for(ex["officer"]).get(URL).json()["count"] == 1


def test_download_before_the_file_is_ready_is_409_and_after_cleanup_404(ex):
    client = client_for(ex["officer"])
    job_id = client.post(URL, {"kind": "projects", "filters": {}}, format="json").json()["id"]
    assert client.get(f"{URL}{job_id}/download/").status_code == 409
    job = run(ExportJob.objects.get(pk=job_id))
    job.file.storage.delete(job.file.name)
    assert client.get(f"{URL}{job_id}/download/").status_code == 404


def test_the_file_is_never_under_a_public_url(ex, client):
    job = export(ex["officer"], "projects", {})
    assert job.file.name.startswith("exports/") and not job.file.name.startswith("/")
    assert "download_url" in client_for(ex["officer"]).get(f"{URL}{job.pk}/").json()
    assert client.get(f"/media/{job.file.name}").status_code == 404
