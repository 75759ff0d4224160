import pytest

from workdays.sources import published_years
from workdays.sync import default_last_year, sync_calendar


@pytest.fixture(autouse=True)
def calendar_filled(db):
    """The data migration fills the calendar; refill it if a transactional test elsewhere flushed the tables."""
    sync_calendar(min(published_years()), default_last_year())
