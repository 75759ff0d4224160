import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from common.validators import uscc_check_character
from companies.models import Enterprise, IndustryChain, Qualification, RegistrationType
from servicerequests import services as request_services
from servicerequests.models import Category
from tests import factories as f

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/"


def uscc(body17: str) -> str:
    """A valid USCC from its first 17 characters."""
    return body17 + uscc_check_character(body17)


def payload(**extra):
    data = {"name": "嘉定新能源智造科技有限公司", "registration_type": "private"}
    data.update(extra)
    return data


def test_officer_creates_reads_and_updates_an_enterprise(world):
    client = client_for(world["officer"])
    created = client.post(
        URL,
        payload(
            uscc=" " + uscc("91310114MA1GT3XY0").lower() + " ",
            industry_chain="auto",
            qualifications=["high_tech", "specialized"],
            town=world["anting"].pk,
            service_officer=world["officer"].pk,
            industry_code="C3670",
            relocation_risk=True,
            relocation_note="考虑迁往外省",
        ),
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["uscc"] == uscc("91310114MA1GT3XY0")
    assert body["qualifications"] == ["high_tech", "specialized"]
    assert body["town_name"] == "安亭镇" and body["service_officer_name"] == "officer_a"
    assert body["version"] == 1 and body["project_count"] == 0 and body["open_request_count"] == 0
    assert "confirm_not_duplicate" not in body and created["ETag"]

    url = f"{URL}{body['id']}/"
    detail = client.get(url)
    assert detail.status_code == 200 and detail["ETag"] == f'"enterprise-{body["id"]}-v1"'
    assert detail.json()["industry_chain"] == "auto"

    patched = client.patch(url, {"address": "嘉定区安亭镇墨玉路", "qualifications": ["listed"]}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["address"] == "嘉定区安亭镇墨玉路" and patched.json()["qualifications"] == ["listed"]
    assert patched.json()["version"] == 2 and patched["ETag"].endswith('-v2"')

    put = client.put(url, payload(name="嘉定新能源智造科技有限公司", registration_type="foreign"), format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["registration_type"] == "foreign" and put.json()["version"] == 3

    assert client.delete(url).status_code == 405
    assert Enterprise.objects.filter(pk=body["id"]).exists()


def test_list_fields_counts_filters_and_ordering(world):
    anting, nanxiang = world["anting"], world["nanxiang"]
    high_tech = Qualification.objects.get(code="high_tech")
    served = f.enterprise(
        "南翔精密传感器有限公司",
        town=nanxiang,
        service_officer=world["other_officer"],
        relocation_risk=True,
        registration_type=RegistrationType.FOREIGN,
        industry_chain=IndustryChain.objects.get(code="sensors_ic"),
    )
    served.qualifications.add(high_tech)
    request_services.submit_request(
        actor=world["ent_user"], category=Category.objects.first(), title="招工需求", description="需要技术工人"
    )
    client = client_for(world["manager"])

    body = client.get(URL).json()
    assert {"count", "next", "previous", "results"} <= set(body)
    by_name = {e["name"]: e for e in body["results"]}
    anting_ent = by_name["安亭样例汽车零部件有限公司"]
    assert anting_ent["project_count"] == 1 and anting_ent["open_request_count"] == 1
    assert anting_ent["uscc"] == "91310114570796872F" and anting_ent["town_name"] == "安亭镇"
    assert anting_ent["service_officer"] is None and anting_ent["service_officer_name"] is None

    def names(**params):
        answer = client.get(URL, params)
        assert answer.status_code == 200, answer.json()
        return [e["name"] for e in answer.json()["results"]]

    assert "安亭样例汽车零部件有限公司" in names(q="安亭样例")
    assert names(q="91310114570796872f") == ["安亭样例汽车零部件有限公司"]
    assert names(registration_type=["foreign", "hmt"]) == ["南翔精密传感器有限公司"]
    assert names(industry_chain="sensors_ic") == ["南翔精密传感器有限公司"]
    assert names(town=anting.pk) == ["安亭样例汽车零部件有限公司"]
    assert names(qualification="high_tech") == ["南翔精密传感器有限公司"]
    assert names(relocation_risk="true") == ["南翔精密传感器有限公司"]
    assert names(service_officer=world["other_officer"].pk) == ["南翔精密传感器有限公司"]
    assert names(has_uscc="true") == ["安亭样例汽车零部件有限公司"]
    assert "安亭样例汽车零部件有限公司" not in names(has_uscc="false")
    ordered = names(ordering="-created_at")
    assert ordered[0] == "南翔精密传感器有限公司"

    # The officer of 南翔 sees only the requests and projects in their own scope.
    nanxiang_view = client_for(world["other_officer"]).get(URL).json()["results"]
    assert [e["name"] for e in nanxiang_view] == sorted(
        [world["nanxiang_project"].enterprise.name, "南翔精密传感器有限公司"]
    )


def test_bad_filters_are_400(world):
    client = client_for(world["manager"])
    assert client.get(URL, {"registration_type": "bogus"}).status_code == 400
    assert client.get(URL, {"town": "abc"}).status_code == 400
    assert client.get(URL, {"service_officer": "abc"}).status_code == 400
    assert client.get(URL, {"has_uscc": "maybe"}).status_code == 400
    assert client.get(URL, {"q": "长" * 101}).status_code == 400
    assert client.get(URL, {"ordering": "secret"}).status_code == 400
    assert client.get(URL, {"service_officer": "9" * 30}).status_code == 400
    assert client.get(URL, {"service_officer": "1.5"}).status_code == 400
    assert client.get(URL, {"town": str(10**20)}).status_code == 400


def test_possible_duplicate_is_flagged_then_confirmed(world):
    client = client_for(world["officer"])
    existing = world["enterprise"]
    close = payload(name="安亭样例汽车零部件（上海）有限公司", town=world["anting"].pk)

    flagged = client.post(URL, close, format="json")
    assert flagged.status_code == 400
    body = flagged.json()
    assert body["code"] == "possible_duplicate" and body["hidden_duplicates"] == 0
    assert body["duplicates"] == [{"id": existing.pk, "name": existing.name, "reason": "企业名称相近"}]
    assert "可能与已有企业重复" in body["detail"]
    assert not Enterprise.objects.filter(name=close["name"]).exists()

    asked = client.get(f"{URL}check-duplicates/", {"name": close["name"]})
    assert asked.status_code == 200
    assert asked.json()["possible_duplicate"] is True and asked.json()["duplicates"] == body["duplicates"]

    confirmed = client.post(URL, {**close, "confirm_not_duplicate": True}, format="json")
    assert confirmed.status_code == 201, confirmed.json()
    assert Enterprise.objects.filter(name=close["name"]).count() == 1


def test_a_uscc_one_character_off_is_a_possible_duplicate(world):
    client = client_for(world["officer"])
    typo = uscc("91310114570796873")
    flagged = client.post(URL, payload(name="完全不同的名字", uscc=typo), format="json")
    assert flagged.status_code == 400 and flagged.json()["code"] == "possible_duplicate"
    assert flagged.json()["duplicates"][0]["reason"] == "统一社会信用代码相同或只差一位"


def test_hidden_duplicates_are_counted_not_named(world):
    """An officer of 南翔 cannot see the 安亭 enterprise: they learn only that something close exists."""
    client = client_for(world["other_officer"])
    close = payload(name="安亭样例汽车零部件（上海）有限公司")
    flagged = client.post(URL, close, format="json")
    assert flagged.status_code == 400
    body = flagged.json()
    assert body["code"] == "possible_duplicate"
    assert body["duplicates"] == [] and body["hidden_duplicates"] == 1
    assert "安亭样例汽车零部件有限公司" not in flagged.content.decode()
    assert "另有1家您无权查看的企业" in body["detail"]

    asked = client.get(f"{URL}check-duplicates/", {"name": close["name"]})
    assert asked.json()["duplicates"] == [] and asked.json()["hidden_duplicates"] == 1
    assert "安亭样例汽车零部件有限公司" not in asked.content.decode()

    assert client.post(URL, {**close, "confirm_not_duplicate": True}, format="json").status_code == 201


def test_check_duplicates_without_match_and_bad_query(world):
    client = client_for(world["officer"])
    clean = client.get(f"{URL}check-duplicates/", {"name": "联影医疗科技股份有限公司"})
    assert clean.status_code == 200
    assert clean.json() == {"possible_duplicate": False, "duplicates": [], "hidden_duplicates": 0}
    assert client.get(f"{URL}check-duplicates/").status_code == 400
    wrong = client.get(f"{URL}check-duplicates/", {"uscc": "91310114570796872E"})
    assert wrong.status_code == 400 and "校验位错误" in wrong.json()["uscc"][0]
    assert client.get(f"{URL}check-duplicates/", {"name": "长" * 201}).status_code == 400


def test_an_equal_uscc_is_a_plain_uniqueness_error(world):
    client = client_for(world["officer"])
    same = payload(name="毫不相干的名称", uscc="91310114570796872F", confirm_not_duplicate=True)
    answer = client.post(URL, same, format="json")
    assert answer.status_code == 400
    assert answer.json().get("code") != "possible_duplicate"
    assert "已存在" in answer.json()["uscc"][0]


@pytest.mark.parametrize(
    "code, message",
    [
        ("91310114570796872E", "校验位错误：最后一位应为 F"),
        ("9131011457079687", "应为18位，当前为16位"),
        ("91310114570796O72F", "不能包含字母 O"),
        ("9131A114570796872F", "第3至8位应为行政区划数字代码"),
    ],
)
def test_uscc_errors_are_in_chinese(world, code, message):
    answer = client_for(world["officer"]).post(URL, payload(uscc=code), format="json")
    assert answer.status_code == 400
    assert message in answer.json()["uscc"][0]


def test_foreign_investor_without_uscc(world):
    client = client_for(world["officer"])
    answer = client.post(
        URL, {"name": "Bosch Rexroth AG", "registration_type": "foreign", "origin": "德国", "uscc": ""}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["uscc"] is None


def test_enterprise_user_sees_only_its_own_and_cannot_write(world):
    client = client_for(world["ent_user"])
    own, other = world["enterprise"], world["nanxiang_project"].enterprise
    listing = client.get(URL).json()
    assert [e["id"] for e in listing["results"]] == [own.pk]
    assert client.get(f"{URL}{own.pk}/").status_code == 200
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.get(f"{URL}{other.pk}/history/").status_code == 404
    created = client.post(URL, payload(), format="json")
    assert created.status_code == 403 and "企业用户" in created.json()["detail"]
    assert client.patch(f"{URL}{own.pk}/", {"notes": "自己改"}, format="json").status_code == 403
    assert client.put(f"{URL}{own.pk}/", payload(), format="json").status_code == 403
    assert client.patch(f"{URL}{other.pk}/", {"notes": "别人的"}, format="json").status_code == 404
    assert client.get(f"{URL}check-duplicates/", {"name": "某公司"}).status_code == 403
    own.refresh_from_db()
    assert own.notes == ""


def test_officer_of_another_town_gets_404(world):
    client = client_for(world["other_officer"])
    url = f"{URL}{world['enterprise'].pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"notes": "x"}, format="json").status_code == 404


def test_stale_if_match_is_412_and_stale_version_is_409(world):
    client = client_for(world["officer"])
    url = f"{URL}{world['enterprise'].pk}/"
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"notes": "第一次修改", "version": 1}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    stale_etag = client.patch(url, {"notes": "基于旧副本"}, format="json", HTTP_IF_MATCH=etag)
    assert stale_etag.status_code == 412 and "If-Match" in stale_etag.json()["detail"]
    stale_version = client.patch(url, {"notes": "基于旧副本", "version": 1}, format="json")
    assert stale_version.status_code == 409
    assert stale_version.json()["code"] == "stale_version" and "已被他人修改" in stale_version.json()["detail"]
    assert client.get(url).json()["notes"] == "第一次修改"


def test_history_lists_a_change_made_through_the_api(world):
    world["officer"].display_name = "张专员"
    world["officer"].save()
    client = client_for(world["officer"])
    url = f"{URL}{world['enterprise'].pk}/"
    assert client.patch(url, {"address": "嘉定区安亭镇于田南路"}, format="json").status_code == 200
    history = client.get(f"{url}history/").json()
    latest = history["results"][0]
    assert latest["user"] == "张专员" and latest["type"] == "~"
    assert {"field": "address", "old": "", "new": "嘉定区安亭镇于田南路"} in latest["changes"]


def test_bad_input_is_400_not_500(world):
    client = client_for(world["officer"])
    before = Enterprise.objects.count()
    cases = [
        payload(name="长" * 201),
        payload(name=["不是字符串"]),
        payload(name=""),
        payload(registration_type="martian"),
        payload(town="安亭镇"),
        payload(town=10**20),
        payload(service_officer=world["ent_user"].pk),
        payload(industry_chain="no-such-chain"),
        payload(qualifications=["no-such-qualification"]),
        payload(qualifications="high_tech"),
        payload(industry_code="XYZ"),
        payload(relocation_risk="perhaps"),
        payload(notes="长" * 5001),
        payload(uscc=12345),
        payload(uscc="长" * 1000),
    ]
    for case in cases:
        answer = client.post(URL, case, format="json")
        assert answer.status_code == 400, (case, answer.status_code)
    malformed = client.post(URL, "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert client.patch(f"{URL}{world['enterprise'].pk}/", {"version": "abc"}, format="json").status_code == 400
    assert Enterprise.objects.count() == before


def test_list_query_count_does_not_grow_with_rows(world):
    admin = f.user("admin_user", role=Role.ADMIN, org_unit=f.district())
    client = client_for(admin)
    chain = IndustryChain.objects.get(code="auto")
    quals = list(Qualification.objects.all()[:2])

    def add(count):
        for _ in range(count):
            ent = f.enterprise(town=world["anting"], service_officer=world["officer"], industry_chain=chain)
            ent.qualifications.set(quals)
            f.project(actor=world["officer"], enterprise=ent)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"page_size": 100}).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(6)
    assert queries() == few
