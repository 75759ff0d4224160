"""The production stack on one machine, without Docker: PostgreSQL and Redis of its own, then the web
(gunicorn), a Celery worker and the scheduler, each started by docker/entrypoint.sh with the
production settings (DEBUG off), exactly as the containers of docker/docker-compose.yml are."""

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import requests

from .services import PostgresInstance, RedisInstance, free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DEMO_PASSWORD = "jiading-demo"


class Stack:
    def __init__(self, directory: Path, *, web_workers: int = 3, worker_concurrency: int = 2, extra_env=None):
        self.directory = Path(directory)
        self.postgres = PostgresInstance()
        self.redis = RedisInstance(self.directory / "redis")
        self.web_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.web_workers = web_workers
        self.worker_concurrency = worker_concurrency
        self.extra_env = dict(extra_env or {})
        self.secret_key = secrets.token_urlsafe(50)

    # --- environment ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL", "REDIS_URL", "CELERY_", "SECRET_KEY"))
        }
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            DEBUG="0",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=f"https://127.0.0.1:{self.web_port}",
            DATABASE_URL=self.postgres.url(),
            REDIS_URL=self.redis.url(),
            VAR_DIR=str(self.directory / "var"),
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            WEB_CONCURRENCY=str(self.web_workers),
            WORKER_CONCURRENCY=str(self.worker_concurrency),
            LOG_FORMAT="json",
            LANG="C.UTF-8",
            PYTHONUNBUFFERED="1",
        )
        env.pop("VIRTUAL_ENV", None)
        env.update(self.extra_env)
        return env

    def manage(self, *args, timeout=600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), check=True,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    # --- services ------------------------------------------------------------------------------

    def start_services(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.postgres.init().start()
        self.postgres.create_database()
        self.redis.start()
        return self

    def start(self, *, seed_demo=True):
        """Services, then the web (which migrates), the demo data, the worker and the scheduler."""
        self.start_services()
        self.start_process("web")
        self.wait_healthy(timeout=300)
        if seed_demo:
            self.manage("seed_demo", "--force")
        self.start_worker()
        self.start_process("beat")
        return self

    def start_worker(self, timeout=180):
        """Start a Celery worker and wait until it says it is ready (its log keeps every start's)."""
        ready_before = self.log("worker").count("ready.")
        self.start_process("worker")
        self.wait_for_worker(timeout, ready_before)

    def start_process(self, role: str):
        log = open(self.directory / f"{role}.log", "ab")
        self.processes[role] = subprocess.Popen(
            ["sh", str(ENTRYPOINT), role], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self.processes[role]

    def signal_process(self, role: str, sig=signal.SIGTERM):
        """Send a signal to the process group of `role` (SIGKILL: no chance to clean up)."""
        process = self.processes[role]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

    def stop_process(self, role: str, timeout=30):
        process = self.processes.pop(role, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill_process(self, role: str):
        self.signal_process(role, signal.SIGKILL)
        self.processes.pop(role).wait(timeout=30)

    def stop(self):
        for role in ("beat", "worker", "web"):
            self.stop_process(role)
        self.redis.stop()
        self.postgres.remove()

    def log(self, role: str) -> str:
        path = self.directory / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_mark(self, role: str) -> "LogMark":
        return LogMark(self.directory / f"{role}.log")

    # --- readiness -----------------------------------------------------------------------------

    def session(self) -> requests.Session:
        """An HTTP client as nginx would forward it: the request arrived over HTTPS."""
        session = requests.Session()
        session.headers["X-Forwarded-Proto"] = "https"
        return session

    def healthz(self) -> requests.Response:
        return self.session().get(f"{self.base_url}/healthz", timeout=10)

    def wait_healthy(self, timeout=120):
        def healthy():
            web = self.processes.get("web")
            if web is not None and web.poll() is not None:
                raise RuntimeError(f"the web process exited ({web.returncode}):\n{self.log('web')[-3000:]}")
            try:
                return self.healthz().status_code == 200
            except requests.RequestException:
                return False

        wait_until(healthy, timeout, "the web process")

    def wait_for_worker(self, timeout=120, ready_before=0):
        def ready():
            worker = self.processes.get("worker")
            if worker is not None and worker.poll() is not None:
                raise RuntimeError(f"the worker exited ({worker.returncode}):\n{self.log('worker')[-3000:]}")
            return self.log("worker").count("ready.") > ready_before

        wait_until(ready, timeout, "the Celery worker", interval=0.5)

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        response = self.session().post(
            f"{self.base_url}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        return response.json()["token"]

    def api(self, token: str) -> requests.Session:
        session = self.session()
        session.headers["Authorization"] = f"Token {token}"
        return session

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class LogMark:
    """What a process's log gained since the mark was made: its text, and its JSON lines parsed."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def text(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", "replace")

    def lines(self) -> list[dict]:
        return json_lines(self.text())


def json_lines(text: str) -> list[dict]:
    """The JSON log lines in a process's output (gunicorn's and Celery's own start-up lines are text)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
    return found
