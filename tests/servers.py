"""Real local servers standing in for the outside world: an SMTP server and an HTTP server for the group
robots, each recording what it receives. Usable in-process (the pytest fixtures point the settings at
them) and by a separate worker process (pass `SmtpRecorder.email_url` as EMAIL_URL, and store
`HttpRecorder.url(...)` as a unit's webhook)."""

import email
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        time.sleep(interval)


# --- SMTP -----------------------------------------------------------------------------------------


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",)) if self.message.is_multipart() else self.message
        return part.get_content()

    @property
    def attachments(self) -> list[tuple[str, bytes, str]]:
        return [(a.get_filename(), a.get_content(), a.get_content_type()) for a in self.message.iter_attachments()]


class SmtpRecorder:
    """An SMTP server on a free loopback port that keeps every message it accepts.

    `refuse_next(n)` makes it answer the next n messages with a temporary failure (451).
    """

    def __init__(self):
        self.port = free_port()
        self.messages: list[ReceivedEmail] = []
        self._refusals = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def refuse_next(self, times=1):
        with self._lock:
            self._refusals += times

    def wait_for(self, count, timeout=10.0) -> list[ReceivedEmail]:
        wait_until(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            if self._refusals:
                self._refusals -= 1
                return "451 Requested action aborted: try again later"
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


# --- HTTP (group robots) --------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self):
        return json.loads(self.body)

    def param(self, name) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Answer:
    status: int = 200
    body: object = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})


class HttpRecorder:
    """An HTTP server on a free loopback port that records each request and answers like a robot.

    By default it answers `{"errcode": 0, "errmsg": "ok"}`; `answer_next(...)` queues other answers
    (an errcode, a status 500) for the next requests, `answer_always(...)` changes the default.
    """

    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self._queued: deque[Answer] = deque()
        self._default = Answer()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path="/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def answer_next(self, times=1, status=200, body=None):
        answer = Answer(status, body if body is not None else Answer().body)
        with self._lock:
            self._queued.extend([answer] * times)

    def answer_always(self, status=200, body=None):
        with self._lock:
            self._default = Answer(status, body if body is not None else Answer().body)

    def requests_to(self, path) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, count, timeout=10.0) -> list[RecordedRequest]:
        wait_until(lambda: len(self.requests) >= count, timeout)
        return list(self.requests)

    def _record(self, request: RecordedRequest) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self._queued.popleft() if self._queued else self._default

    def _handler_class(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                answer = recorder._record(
                    RecordedRequest(
                        method=self.command,
                        path=parts.path,
                        query=parse_qs(parts.query),
                        body=self.rfile.read(length),
                        headers=dict(self.headers.items()),
                    )
                )
                body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's handler names

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                pass

        return Handler


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(settings):
    """An SMTP recorder, with the settings sending email to it."""
    server = SmtpRecorder().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


@pytest.fixture
def robot_server():
    """An HTTP recorder standing in for the WeCom and DingTalk robots' servers."""
    server = HttpRecorder().start()
    yield server
    server.stop()
