import pytest
from django.test import Client

from tests.api.conftest import world  # noqa: F401  (the same two towns, their users and projects)


def page_client(user) -> Client:
    """A browser-like client logged in as `user` (sessions and CSRF as the pages use them)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pages(world):  # noqa: F811
    """Logged-in clients for the world's users, by the world's names."""
    names = ("officer", "other_officer", "manager", "town_manager", "ent_user")
    return {name: page_client(world[name]) for name in names}
