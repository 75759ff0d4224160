import os

import pytest

os.environ.setdefault("DEBUG", "1")


@pytest.fixture
def on_postgres(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    return connection
