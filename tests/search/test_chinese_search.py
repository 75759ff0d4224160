"""Substring search on Chinese names: indexed on PostgreSQL from three characters, working everywhere."""

import pytest
from django.db import connection

from accounts.models import Role
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(db):
    town = f.unit("嘉定工业区", kind="park")
    officer = f.user(org_unit=town)
    manager = f.user(role=Role.MANAGER, org_unit=f.district())
    for name in ["上海禾赛科技有限公司", "联影医疗科技股份有限公司", "上海卓钢链电子商务有限公司"]:
        ent = f.enterprise(name, town=town)
        f.project(actor=officer, enterprise=ent, leading_unit=town, town=town, name=f"{name[2:4]}超级工厂项目")
    return manager


def test_three_and_two_character_searches_find_projects_and_enterprises(named):
    client = client_for(named)
    assert [p["enterprise_name"] for p in client.get("/api/v1/projects/", {"q": "禾赛科"}).json()["results"]] == [
        "上海禾赛科技有限公司"
    ]
    assert client.get("/api/v1/projects/", {"q": "禾赛"}).json()["count"] == 1
    assert client.get("/api/v1/projects/", {"q": "超级工厂"}).json()["count"] == 3
    assert client.get("/api/v1/enterprises/", {"q": "联影"}).json()["count"] == 1
    assert client.get("/api/v1/enterprises/", {"q": "电子商务"}).json()["count"] == 1


@pytest.mark.parametrize(("table", "term"), [("projects_project", "超级工厂"), ("companies_enterprise", "禾赛科")])
def test_postgresql_uses_the_trigram_index_for_three_characters(named, on_postgres, table, term):
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        assert "UTF-8" in cursor.fetchone()[0].upper().replace("UTF8", "UTF-8")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE name LIKE %s", [f"%{term}%"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"{table}_name_trgm" in plan, plan
