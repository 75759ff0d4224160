from tests.servers import robot_server, smtp_server  # noqa: F401 - fixtures for this package's tests
