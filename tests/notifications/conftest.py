import uuid

import pytest

from notifications import tasks
from tests import factories as f
from tests.servers import robot_server, smtp_server  # noqa: F401 - fixtures for this package's tests


@pytest.fixture(autouse=True)
def published(monkeypatch):
    """The `deliver` messages sent to the broker, kept here instead: (delivery id, countdown). No test of
    this package leaves a message for a worker."""
    sent = []

    def apply_async(args=(), kwargs=None, countdown=None, **options):
        sent.append((args[0], countdown))

    monkeypatch.setattr(tasks.deliver, "apply_async", apply_async)
    return sent


@pytest.fixture
def robot_unit(robot_server):  # noqa: F811 - the fixture imported above
    """A unit whose WeCom and DingTalk robots are the local recorder; its own key, so its own rate budget."""
    key = uuid.uuid4().hex
    return f.unit(
        f"机器人测试园区{key[:8]}",
        kind="park",
        wecom_webhook=robot_server.url(f"/cgi-bin/webhook/send?key={key}"),
        dingtalk_webhook=robot_server.url(f"/robot/send?access_token={key}"),
        dingtalk_secret=f"SEC{key}",
    )
