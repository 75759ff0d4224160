import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_interactive_docs_use_only_assets_the_project_serves(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not a.startswith(("http://", "https://", "//")) for a in assets), assets
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts and all(finders.find(a.removeprefix("/static/")) for a in scripts)


@pytest.mark.django_db
def test_schema_is_openapi_3_with_token_auth(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"] or any(
        s.get("scheme") == "bearer" or s.get("type") == "apiKey" for s in schema["components"]["securitySchemes"].values()
    )
    assert "/api/v1/projects/{id}/stages/{id}/finish/" not in schema["paths"]
    assert any(p.endswith("/finish/") for p in schema["paths"])
