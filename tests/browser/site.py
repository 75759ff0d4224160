"""The site the browser tests walk: gunicorn with the demo data, in processes of its own.

The demo database is built once per test run (migrate + seed_demo into a SQLite file, under a file
lock so parallel test processes share it) and copied for each test process, whose server then
changes only its own copy. The server runs as `make run` serves the pages (no services: SQLite and
the embedded broker), so the journeys see what an officer sees on a fresh machine.
"""

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
PASSWORD = "jiading-demo"


def site_env(var_dir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "promotion.settings",
            # Every journey logs in from 127.0.0.1; the login rate limit has tests of its own.
            "API_RATE_LOGIN": "10000/min",
        }
    )
    return env


def manage(var_dir: Path, *args: str, log) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=site_env(var_dir), stdout=log, stderr=log, check=True
    )


def demo_database(shared_dir: Path) -> Path:
    """The seeded demo database of this test run, built by whichever process gets here first."""
    shared_dir.mkdir(parents=True, exist_ok=True)
    database = shared_dir / "db.sqlite3"
    with open(shared_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared_dir / "ready").exists():
            with open(shared_dir / "build.log", "w") as log:
                manage(shared_dir, "migrate", "--noinput", log=log)
                manage(shared_dir, "seed_demo", log=log)
            (shared_dir / "ready").touch()
    return database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, var_dir: Path, database: Path):
        self.var_dir = var_dir
        var_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(database, var_dir / "db.sqlite3")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = var_dir / "gunicorn.log"
        self.process = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "w")
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "promotion.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "120",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=site_env(self.var_dir), stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the site did not start: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the site did not answer within {timeout}s: see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
