"""The newcomer's one command: embedded defaults, demo data, web + worker, clean Ctrl-C."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.workers import wait_until

ROOT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.integration
def test_serve_local_starts_web_and_worker_on_sqlite_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", TASTEMAKER_VAR_DIR=str(tmp_path / "var"),
               DJANGO_MEDIA_ROOT=str(tmp_path / "var" / "media"))
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve_local", "--port", str(port), "--demo-creatives", "12"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_until(lambda: "is ready" in log.read_text(), timeout=240, what="serve_local to be ready")
            assert (tmp_path / "var" / "tastemaker.sqlite3").exists()
            token = wait_until(lambda: _token(port), timeout=60, what="the web server to answer")
            api = f"http://127.0.0.1:{port}/api/v1/clients/"
            headers = {"Authorization": f"Token {token}"}
            assert [c["slug"] for c in requests.get(api, headers=headers, timeout=10).json()] == ["demo"]
            children = _children(process.pid)
            assert any("celery" in cmd and "worker" in cmd for cmd in children.values())
            # The worker really consumes from the filesystem broker: a recompute asked for now completes.
            before = requests.get(f"{api}demo/quality/", headers=headers, timeout=10).json()["last_computed"]
            requests.post(f"{api}demo/quality/recompute/", headers=headers, timeout=10)
            wait_until(lambda: requests.get(f"{api}demo/quality/", headers=headers, timeout=10).json()["last_computed"]
                       != before, timeout=120, what="the worker to run the quality task")
            assert "A child process exited" not in log.read_text()
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
    assert "Stopped." in log.read_text()
    assert not (ROOT / "control").exists(), "the broker wrote outside TASTEMAKER_VAR_DIR"
    assert not any(_alive(pid) for pid in children)


def _token(port: int) -> str | None:
    try:
        response = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/token/",
                                 data={"username": "demo-manager", "password": "tastemaker-demo"}, timeout=10)
    except requests.RequestException:
        return None
    return response.json().get("token") if response.status_code == 200 else None


def _children(pid: int) -> dict[int, str]:
    """Direct children of `pid` and their command lines, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().split()
                if int(stat[3]) == pid:
                    found[int(entry.name)] = (entry / "cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"
