"""Login failures are counted in Redis, shared by every web process: failures made in one process
lock the username for another (production's cache; the embedded default is per process)."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[3]
FAIL = """
import json, sys, django
django.setup()
from django.contrib.auth import authenticate
from django.test import RequestFactory
username, attempts, address = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(attempts):
    request = RequestFactory().post("/login/", REMOTE_ADDR=address)
    authenticate(request, username=username, password=f"guess-{i}")
print(json.dumps({"locked": bool(getattr(request, "axes_locked_out", False))}))
"""


def _cache_url() -> str:
    """Redis database 0 of the test Redis: test processes flush only their own database (1..15, by
    pid), so a neighbour whose pid shares this run's broker database cannot empty the counts between
    the two processes; the username is unique, so runs never see each other's failures."""
    return settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/0"


def _process(username: str, attempts: int, address: str) -> dict:
    db = connection.settings_dict
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DJANGO_CACHE_URL": _cache_url(),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    result = subprocess.run([sys.executable, "-c", FAIL, username, str(attempts), address], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_failures_in_two_processes_add_up_to_one_lockout():
    # Username and addresses unique to this run: database 0 outlives runs, and axes counts failures
    # per address too, so a fixed address would carry an earlier run's failures into this one.
    run = uuid.uuid4()
    username, net = f"shared-{run.hex[:12]}", f"10.{run.bytes[0]}.{run.bytes[1]}"
    first = settings.AXES_FAILURE_LIMIT - 1
    assert _process(username, first, f"{net}.1") == {"locked": False}
    assert _process(username, 1, f"{net}.2") == {"locked": True}
