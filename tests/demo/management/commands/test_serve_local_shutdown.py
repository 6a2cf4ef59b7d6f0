"""serve_local stops every child on SIGINT, SIGTERM, SIGHUP and when its parent dies, and restarts a dead worker.

Real processes on the embedded defaults (SQLite, the filesystem broker) in a temporary folder, on
a free port. "Stopped" means: no process of the tree is left, the port refuses connections, and the
worker's warm shutdown ran to its end (its heartbeat row is gone: the worker deletes it in
`worker_shutdown`, after its pool and consumer stopped). Each case prints its seconds.
"""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.workers import wait_until

ROOT = Path(__file__).resolve().parents[4]
STOP_WITHIN_S = 10.0
pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TASTEMAKER_VAR_DIR=str(var),
               DJANGO_MEDIA_ROOT=str(var / "media"), TASTEMAKER_WORKER_HEARTBEAT_S="1")
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A var folder with a migrated SQLite database, copied by each test (migrating once is enough)."""
    var = tmp_path_factory.mktemp("template") / "var"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=_env(var), check=True,
                   timeout=300)
    return var


class Stack:
    """serve_local (optionally under a parent process of its own) and what it started."""

    def __init__(self, tmp_path: Path, template: Path, *, with_parent: bool = False):
        self.var = tmp_path / "var"
        shutil.copytree(template, self.var)
        self.port, self.log_path = _free_port(), tmp_path / "serve.log"
        command = [sys.executable, "manage.py", "serve_local", "--port", str(self.port), "--no-demo"]
        if with_parent:  # a stand-in for a terminal or `make`: it starts serve_local and waits
            command = [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen(sys.argv[1:]); "
                       "time.sleep(3600)", *command]
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=_env(self.var), stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._workers_alive, timeout=240, what=f"web and a worker to be up ({self.log_path})")
        self.serve_local = _find(self.process.pid, "serve_local") if with_parent else self.process.pid

    def _workers_alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"serve_local exited early:\n{self.log()[-3000:]}")
        try:
            ready = requests.get(f"http://127.0.0.1:{self.port}/health/ready", timeout=5).json()
        except (requests.RequestException, ValueError):
            return False
        return ready["checks"]["workers"]["alive"] >= 1

    def log(self) -> str:
        return self.log_path.read_text()

    def tree(self) -> set[int]:
        return _descendants(self.process.pid) | {self.process.pid}

    def worker_pid(self) -> int:
        return _find(self.serve_local, "celery")

    def heartbeat_pids(self) -> list[int]:
        with sqlite3.connect(self.var / "tastemaker.sqlite3") as db:
            return [row[0] for row in db.execute("SELECT pid FROM jobs_workerheartbeat")]

    def port_open(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def wait_stopped(self, processes: set[int], since: float) -> float:
        wait_until(lambda: not any(_alive(pid) for pid in processes) and not self.port_open(),
                   timeout=STOP_WITHIN_S + 20, interval=0.05,
                   what=f"every process to end and the port to close ({self.log_path})")
        return time.monotonic() - since

    def close(self) -> None:
        for pid in self.tree():
            _signal(pid, signal.SIGKILL)
        self._log.close()


@pytest.fixture
def stack(tmp_path, migrated):
    made = []

    def start(**kwargs) -> Stack:
        made.append(Stack(tmp_path, migrated, **kwargs))
        return made[-1]

    yield start
    for each in made:
        each.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_ends_every_process_and_frees_the_port(stack, signum):
    running = stack()
    processes = running.tree()
    assert len(processes) >= 4  # serve_local, runserver, the worker and its pool
    sent = time.monotonic()
    os.kill(running.serve_local, signum)
    seconds = running.wait_stopped(processes, sent)
    print(f"\n{signum.name}: {len(processes)} processes gone and port free after {seconds:.1f} s")
    assert seconds <= STOP_WITHIN_S
    log = running.log()
    assert f"Stopped. ({signum.name})" in log and "worker: Warm shutdown" in log
    assert "serve_local: worker: exited with 0" in log, "the worker was killed before its warm shutdown ended"
    assert running.heartbeat_pids() == [], "the worker's warm shutdown did not run to its end"


def test_a_second_signal_while_stopping_changes_nothing(stack):
    running = stack()
    processes = running.tree()
    sent = time.monotonic()
    os.kill(running.serve_local, signal.SIGTERM)
    time.sleep(0.3)
    os.kill(running.serve_local, signal.SIGINT)
    seconds = running.wait_stopped(processes, sent)
    print(f"\nSIGTERM then SIGINT: gone after {seconds:.1f} s")
    assert seconds <= STOP_WITHIN_S and "Stopped. (SIGTERM)" in running.log()


def test_the_death_of_serve_locals_parent_stops_everything(stack):
    running = stack(with_parent=True)
    processes = running.tree()
    sent = time.monotonic()
    os.kill(running.process.pid, signal.SIGKILL)  # the terminal or `make` is gone, without a word
    seconds = running.wait_stopped(processes, sent)
    print(f"\nparent killed: {len(processes)} processes gone and port free after {seconds:.1f} s")
    assert seconds <= STOP_WITHIN_S
    assert "Stopped. (" in running.log() and running.heartbeat_pids() == []


def test_children_end_when_serve_local_itself_is_killed(stack):
    running = stack()
    processes = running.tree()
    sent = time.monotonic()
    os.kill(running.serve_local, signal.SIGKILL)  # no handler runs: the kernel tells the children
    seconds = running.wait_stopped(processes, sent)
    print(f"\nserve_local killed: children gone and port free after {seconds:.1f} s")
    assert seconds <= STOP_WITHIN_S


def test_a_worker_killed_with_sigkill_is_restarted_and_serves(stack):
    running = stack()
    first = running.worker_pid()
    killed = time.monotonic()
    os.killpg(first, signal.SIGKILL)
    second = wait_until(lambda: _new_worker(running, first), timeout=120, what="a new worker")
    wait_until(lambda: second in running.heartbeat_pids(), timeout=120, what="the new worker to consume")
    print(f"\nworker pid {first} killed; pid {second} consuming after {time.monotonic() - killed:.1f} s")
    assert f"worker: pid {first} exited with -9" in running.log() and "worker: restarted (restart 1)" in running.log()


def _new_worker(running: Stack, old: int) -> int | None:
    try:
        pid = running.worker_pid()
    except AssertionError:
        return None
    return pid if pid != old else None


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _find(parent: int, word: str) -> int:
    for pid in _descendants(parent):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            if word in command and (_parent_of(pid) == parent or word == "serve_local"):
                return pid
        except OSError:
            continue
    raise AssertionError(f"no {word} process under {parent}")


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return
