"""A real Celery worker for integration tests: a separate process on the test's PostgreSQL database,
consuming a queue of its own on the Redis of REDIS_URL.

The tests that use it are transactional (their rows are committed, so the worker sees them) and are
skipped unless the suite runs on PostgreSQL with REDIS_URL set. Each pytest process publishes to its
own queue, so parallel test processes never run each other's tasks.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from promotion.celery import app

QUEUE = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
ROOT = Path(__file__).resolve().parent.parent


def use_own_queue():
    """Route every task this process sends to its own queue (set before the first task is sent)."""
    app.conf.task_default_queue = QUEUE


def database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


class Worker:
    """`celery -A promotion worker` in a process of its own; started, killed and restarted by the test."""

    def __init__(self, log_dir: Path, extra_env: dict):
        self.log_dir = log_dir
        self.extra_env = extra_env
        self.process = None
        self.starts = 0

    def env(self) -> dict:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "JOB_STALE_SECONDS": str(settings.JOB_STALE_SECONDS),
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.extra_env)
        return env

    def start(self, timeout=60):
        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "promotion",
            "worker",
            "-Q",
            QUEUE,
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{QUEUE}-{self.starts}@%h",
            "--loglevel",
            "INFO",
        ]
        self._log = log.open("w")
        # A process group of its own: SIGKILL reaches the pool's child that runs the task too.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited: {log.read_text()[-3000:]}")
            if " ready." in log.read_text():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"the Celery worker did not start in {timeout} s: {log.read_text()[-3000:]}")

    def kill(self):
        """SIGKILL, as when the machine loses the process: no acknowledgement, no clean-up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("worker-*.log")))


def needs_live_services():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)")


def purge_queue():
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


def wait_for(predicate, timeout=60, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
