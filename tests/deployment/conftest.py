import os
import shutil

import pytest

from reliability.services import postgres_binary
from reliability.stack import Stack


def _skip_unless_stack_can_run():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip(
            "the production stack runs with the PostgreSQL phase (DATABASE_URL set); "
            "it starts PostgreSQL and Redis of its own"
        )
    try:
        postgres_binary("initdb")
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """gunicorn, a Celery worker and the scheduler with the production settings, started by
    docker/entrypoint.sh on PostgreSQL and Redis of their own, with the demo data loaded."""
    _skip_unless_stack_can_run()
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture
def officer_api(stack):
    return stack.api(stack.token("officer"))
