import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import notify
from tests import factories as f

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def inboxes(db):
    alice, bob = f.user("alice"), f.user("bob")
    project = f.project(actor=alice)
    mine = [
        notify(alice, "stage_due", "准入评估阶段 3 个工作日后到期", url="/admin/", target=project),
        notify(alice, "request_overdue", "诉求已逾期：申请技改贷款贴息"),
        notify(alice, "system", "系统将于周六维护"),
    ]
    theirs = notify(bob, "escalation", "逾期项目上报")
    return {"alice": alice, "bob": bob, "mine": mine, "theirs": theirs, "project": project}


def test_each_user_sees_only_their_own(inboxes):
    alice = client_for(inboxes["alice"])
    body = alice.get(URL).json()
    assert body["count"] == 3 and {"count", "next", "previous", "results"} <= set(body)
    assert [n["id"] for n in body["results"]] == [n.pk for n in reversed(inboxes["mine"])]
    first = next(n for n in body["results"] if n["kind"] == "stage_due")
    assert first["kind_display"] == "阶段即将到期" and first["url"] == "/admin/" and first["is_read"] is False
    assert first["target_type"] == "projects.project" and first["target_id"] == inboxes["project"].pk
    assert first["read_at"] is None and first["created_at"]
    theirs = inboxes["theirs"].pk
    assert alice.get(f"{URL}{theirs}/").status_code == 404
    assert alice.post(f"{URL}{theirs}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs).read_at is None
    assert alice.get(f"{URL}{inboxes['mine'][0].pk}/").json()["title"] == "准入评估阶段 3 个工作日后到期"


def test_anonymous_callers_are_refused(api, inboxes):
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}unread-count/").status_code == 401


def test_unread_count_mark_read_and_read_all(inboxes):
    alice = client_for(inboxes["alice"])
    assert alice.get(f"{URL}unread-count/").json() == {"unread": 3}
    first = inboxes["mine"][0].pk
    read = alice.post(f"{URL}{first}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True and read.json()["read_at"]
    assert alice.post(f"{URL}{first}/read/").json()["read_at"] == read.json()["read_at"]
    assert alice.get(f"{URL}unread-count/").json() == {"unread": 2}
    assert {n["id"] for n in alice.get(URL, {"unread": "true"}).json()["results"]} == {
        n.pk for n in inboxes["mine"][1:]
    }
    assert [n["id"] for n in alice.get(URL, {"unread": "false"}).json()["results"]] == [first]
    assert alice.post(f"{URL}read-all/").json() == {"marked": 2, "unread": 0}
    assert alice.get(f"{URL}unread-count/").json() == {"unread": 0}
    assert alice.post(f"{URL}read-all/").json() == {"marked": 0, "unread": 0}
    # Bob's inbox is untouched.
    assert client_for(inboxes["bob"]).get(f"{URL}unread-count/").json() == {"unread": 1}


def test_filters_by_kind_and_refuses_bad_values(inboxes):
    alice = client_for(inboxes["alice"])
    assert [n["kind"] for n in alice.get(URL, {"kind": "system"}).json()["results"]] == ["system"]
    assert alice.get(URL + "?kind=system&kind=stage_due").json()["count"] == 2
    assert alice.get(URL, {"kind": "bogus"}).status_code == 400
    assert alice.get(URL, {"unread": "maybe"}).status_code == 400
    assert alice.post(f"{URL}abc/read/").status_code == 404
    assert alice.get(f"{URL}{inboxes['mine'][0].pk}/read/").status_code == 405
    assert alice.get(URL, {"page": "999"}).status_code == 404
    assert alice.delete(f"{URL}{inboxes['mine'][0].pk}/").status_code == 405


def test_list_queries_do_not_grow_with_rows(inboxes):
    alice = client_for(inboxes["alice"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert alice.get(URL, {"page_size": 200}).status_code == 200
        return len(captured)

    few = queries()
    project = inboxes["project"]
    for number in range(6):
        notify(inboxes["alice"], "stage_overdue", f"阶段已逾期 {number}", target=project)
        notify(inboxes["alice"], "digest", f"每日汇总 {number}")
    assert queries() == few and few <= 3
