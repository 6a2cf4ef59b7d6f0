"""Real processes for end-to-end tests: a web server, a Celery worker with beat, and what they need.

Nothing here imports Django: every process is started from the environment it would get in a
deployment, on its own database (a temporary SQLite file, a fresh database on the shared
PostgreSQL, or a private PostgreSQL cluster) and its own broker (a temporary folder or a private
redis-server). Used by the configuration matrix (tests/matrix.py) and the fault drills.
"""
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHARED_PG = "postgresql://postgres@127.0.0.1:5432"
# A whole training run in a second or two: the hashing text encoder and a small network.
TINY_TRAINING = {"hidden": 32, "max_epochs": 60, "patience": 8, "batch_size": 32,
                 "learning_curve_fractions": [0.5], "oof_folds": 2, "mc_samples": 5}
FAST_ENV = {
    "TASTEMAKER_TEXT_ENCODER": "hashing",
    "TASTEMAKER_TRAINING_HYPERPARAMETERS": json.dumps(TINY_TRAINING),
    "TASTEMAKER_TORCH_THREADS": "1",
    "QUALITY_BOOTSTRAP_SAMPLES": "50",
    "QUALITY_WEEKLY_BOOTSTRAP_SAMPLES": "20",
    "QUALITY_DEBOUNCE_SECONDS": "1",
    "QUALITY_DEBOUNCE_MAX_SECONDS": "10",
    "QUALITY_SWEEP_S": "5",
    "TASTEMAKER_TRAINING_SWEEP_S": "5",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def wait_until(predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1, what: str = ""):
    """Poll `predicate` until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def png(color: tuple[int, int, int], size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


# --- Databases and brokers ---------------------------------------------------------------------


class SharedPostgresDatabase:
    """A fresh database on the shared PostgreSQL server, dropped at the end (never the server itself)."""

    def __init__(self, name: str):
        self.name = name
        self.url = f"{SHARED_PG}/{name}"

    def create(self) -> str:
        with psycopg.connect(f"{SHARED_PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def drop(self) -> None:
        with psycopg.connect(f"{SHARED_PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found (PostgreSQL server binaries)")


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary folder, a free port): drills may stop it."""

    def __init__(self, folder: Path | None = None):
        # Its own folder right under /tmp: the postgres user must reach it (pytest's tmp_path is root's only).
        self.folder = folder or Path(tempfile.mkdtemp(prefix="tastemaker-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/tastemaker"
        self.log = self.folder / "postgres.log"

    def _run(self, *args: str) -> None:
        env = {**os.environ}
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> "PrivatePostgres":
        try:
            return self._start()
        except Exception:
            self.remove()
            raise

    def _start(self) -> "PrivatePostgres":
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        if not self.data.exists():
            self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._pg_ctl("start", "-w", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                                          "-c fsync=off -c max_connections=200")
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tastemaker'").fetchone():
                conn.execute("CREATE DATABASE tastemaker")
        return self

    def _pg_ctl(self, *args: str) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-w", "-m", mode)

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        self._pg_ctl("restart", "-w", "-m", "fast", "-o",
                     f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                     "-c max_connections=200")


class PrivateRedis:
    """A redis-server of our own on a free port (no persistence), so nobody else's flush reaches it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "PrivateRedis":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: answers(self.port), timeout=15, what="redis-server to start")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# --- The application's processes ----------------------------------------------------------------


class Stack:
    """The web server and a worker (with beat) of one deployment, sharing one environment."""

    def __init__(self, *, folder: Path, settings: str, database_url: str, broker_url: str,
                 web: str = "runserver", env: dict | None = None, web_workers: int = 2):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.web_kind = web
        self.web_workers = web_workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))},
            **FAST_ENV,
            "DJANGO_SETTINGS_MODULE": f"config.settings.{settings}",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "TASTEMAKER_VAR_DIR": str(folder / "var"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs = {}
        # A TLS-terminating proxy says so; production settings redirect plain HTTP otherwise.
        self.headers = {"X-Forwarded-Proto": "https"} if settings == "production" else {}

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def script(self, code: str, *args: str, timeout: float = 300):
        """Run Python with Django set up in this deployment's environment; returns its last line as JSON."""
        done = subprocess.run([sys.executable, "-c", f"import django\ndjango.setup()\n{code}", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"script failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "a")  # noqa: SIM115 - closed in stop()
        self._logs[name] = log
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start_web(self) -> None:
        if self.web_kind == "gunicorn":
            command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{self.port}",
                       "-w", str(self.web_workers), "--log-level", "warning", "--timeout", "60"]
        else:
            command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        self._spawn("web", command)

        def up():
            if self.processes["web"].poll() is not None:
                raise AssertionError(f"the web server exited:\n{self.log('web')[-3000:]}")
            try:
                return requests.get(f"{self.base}/login/", headers=self.headers, timeout=5).status_code < 500
            except requests.RequestException:
                return False

        wait_until(up, timeout=120, what=f"the web server on port {self.port}")

    def start_worker(self, name: str = "worker", *, beat: bool = True, queues: str = "default,quality,training",
                     concurrency: int = 2) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-c", str(concurrency),
                   "-n", f"{name}-{os.getpid()}-{self.port}@%h", "--without-gossip", "--without-mingle",
                   "-l", "info"]
        if beat:
            command += ["-B", "-s", str(self.folder / f"{name}-beat-schedule")]
        process = self._spawn(name, command)

        def ready():
            if process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.log(name)[-3000:]}")
            return "ready." in self.log(name)

        wait_until(ready, timeout=120, what=f"worker {name} to start")
        return process

    def kill(self, name: str) -> None:
        """SIGKILL a process group (the worker and its pool children), like a machine dying."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in list(self.processes.values()):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for name, process in list(self.processes.items()):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            self.processes.pop(name, None)
        for log in self._logs.values():
            log.close()

    # --- API ---

    def session(self, token: str | None = None) -> requests.Session:
        session = requests.Session()
        session.headers.update(self.headers)
        if token:
            session.headers["Authorization"] = f"Token {token}"
        return session

    def token(self, username: str, password: str) -> str:
        response = self.session().post(f"{self.base}/api/v1/auth/token/",
                                       data={"username": username, "password": password}, timeout=30)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return response.json()["token"]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"
