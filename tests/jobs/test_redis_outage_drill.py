"""Drill: Redis stops for 30 s while ratings arrive at 5/s over HTTP; the worker lives and everything catches up.

A private redis-server on a free port (the shared one is never touched), gunicorn and a real
worker with its embedded beat (the sweeps) on the test database. Printed: errors, p95, catch-up
seconds of the quality run and of the training run the new clean labels trigger.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection

from feedback.services.tokens import api_token_issue
from review.models import QualityRun
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory
from tests.training.conftest import TINY
from tests.training.services.labelled import true_score
from tests.workers import ROOT, WorkerProcess, wait_until
from training.models import TrainingRun

pytestmark = pytest.mark.integration
RATE_PER_S, BEFORE_S, OUTAGE_S, AFTER_S = 5, 10, 30, 10
CATCH_UP_WITHIN_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """redis-server of this test only, in a temporary folder, stopped and started at will."""

    def __init__(self, folder: Path):
        if not shutil.which("redis-server"):
            pytest.fail("needs redis-server (apt-get install redis-server)")
        self.folder, self.port, self.process = folder, _free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=20, what="the private redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = PrivateRedis(folder)
    yield redis
    if redis.process.poll() is None:
        redis.stop()


@pytest.fixture
def stack(transactional_db, settings, private_redis, tmp_path, monkeypatch):
    """gunicorn and a worker (with beat) on the test database and the private Redis."""
    settings.CELERY_BROKER_URL = private_redis.url
    for name, value in {
        "TASTEMAKER_TEXT_ENCODER": "hashing", "TASTEMAKER_TRAINING_HYPERPARAMETERS": json.dumps(TINY),
        "TASTEMAKER_TORCH_THREADS": "1", "QUALITY_BOOTSTRAP_SAMPLES": "50", "QUALITY_WEEKLY_BOOTSTRAP_SAMPLES": "20",
        "TASTEMAKER_WORKER_HEARTBEAT_S": "2",
    }.items():
        monkeypatch.setenv(name, value)
    worker = WorkerProcess(queues="default,quality,training", log_path=tmp_path / "worker.log", concurrency=2,
                           extra_args=("-B", "-s", str(tmp_path / "beat-schedule")))
    db = connection.settings_dict
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "CELERY_BROKER_URL": private_redis.url, "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    web_log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}",
                            "-w", "2", "--log-level", "warning"], cwd=ROOT, env=env, stdout=web_log,
                           stderr=subprocess.STDOUT)
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/health/live"), timeout=120, what="gunicorn to answer")
    yield {"worker": worker, "url": f"http://127.0.0.1:{port}", "redis": private_redis}
    web.terminate()
    web.wait(timeout=20)
    web_log.close()
    worker.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_redis_down_30s_under_rating_traffic(stack):
    total = RATE_PER_S * (BEFORE_S + OUTAGE_S + AFTER_S)
    client = ClientFactory(overlap=3, retrain_threshold=30)
    criteria = [CriterionFactory(client=client, order=i) for i in range(2)]
    creatives = [CreativeFactory(client=client, channel="ig" if i % 2 else "fb",
                                 headline=f"{'bold bright summer' if i % 3 == 0 else 'quiet plain notice'} {i}")
                 for i in range(-(-total // 3))]
    raters = [MembershipFactory(client=client, role="rater").user for _ in range(3)]
    tokens = [api_token_issue(user=rater)[1] for rater in raters]
    bodies = [
        (tokens[k % 3], {"creative": creatives[k // 3].id, "client_uuid": str(uuid.uuid4()), "duration_ms": 4000,
                         "scores": {str(c.id): true_score(creatives[k // 3], j) for j, c in enumerate(criteria)}})
        for k in range(total)
    ]
    worker, redis = stack["worker"], stack["redis"]
    pid = worker.process.pid
    results: list[tuple[float, int]] = []
    poster = threading.Thread(target=_post_all, args=(stack["url"], client.slug, bodies, results))
    poster.start()
    time.sleep(BEFORE_S)
    redis.stop()
    time.sleep(OUTAGE_S)
    redis.start()
    back = time.monotonic()
    poster.join(timeout=120)

    errors = [status for _, status in results if not 200 <= status < 300]
    latencies = sorted(seconds for seconds, _ in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    quality = wait_until(lambda: _caught_up_quality(client, total), timeout=CATCH_UP_WITHIN_S + 60,
                         interval=0.5, what=f"a quality run over all {total} ratings (log: {worker.log_path})")
    quality_s = time.monotonic() - back
    training = wait_until(lambda: TrainingRun.objects.filter(client=client, status="succeeded").first(),
                          timeout=CATCH_UP_WITHIN_S + 60, interval=0.5,
                          what=f"the training run the clean labels trigger (log: {worker.log_path})")
    training_s = time.monotonic() - back
    print(f"\nRedis down {OUTAGE_S}s under {RATE_PER_S}/s: {len(results)} ratings, {len(errors)} errors, "
          f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; quality caught up {quality_s:.0f} s and "
          f"training run {training.id} {training_s:.0f} s after Redis returned; worker pid {pid} "
          f"{'alive' if worker.process.poll() is None else 'DEAD'}")
    assert len(results) == total and errors == []
    assert p95 < 1.0
    assert worker.process.poll() is None and worker.process.pid == pid
    assert "Unrecoverable error" not in worker.log()
    assert quality.n_ratings == total and quality_s <= CATCH_UP_WITHIN_S
    assert training_s <= CATCH_UP_WITHIN_S


def _post_all(url: str, slug: str, bodies: list, results: list) -> None:
    session = requests.Session()
    started = time.monotonic()
    for k, (token, body) in enumerate(bodies):
        time.sleep(max(0.0, started + k / RATE_PER_S - time.monotonic()))
        sent = time.monotonic()
        try:
            response = session.post(f"{url}/api/v1/clients/{slug}/ratings/", json=body, timeout=30,
                                    headers={"Authorization": f"Token {token}"})
            status = response.status_code
        except requests.RequestException:
            status = 0
        results.append((time.monotonic() - sent, status))


def _caught_up_quality(client, total: int) -> QualityRun | None:
    return QualityRun.objects.filter(client=client, status="succeeded", n_ratings=total).first()
