"""A real Celery worker serves its own task metrics (bearer token) and logs JSON lines with task ids."""
import json
import socket

import pytest
import requests

from jobs.contract import QUALITY_RECOMPUTE, QUALITY_SWEEP
from jobs.dispatch import task_send
from tests.workers import WorkerProcess, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
TOKEN = "worker-scrape-" + "y" * 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def observed_worker(monkeypatch, tmp_path, broker):
    port = _free_port()
    (tmp_path / "prometheus").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prometheus"))
    monkeypatch.setenv("TASTEMAKER_METRICS_TOKEN", TOKEN)
    monkeypatch.setenv("TASTEMAKER_WORKER_METRICS_PORT", str(port))
    monkeypatch.setenv("TASTEMAKER_WORKER_METRICS_BIND", "127.0.0.1")
    monkeypatch.setenv("TASTEMAKER_LOG_FORMAT", "json")
    worker = WorkerProcess(queues="default,quality", log_path=tmp_path / "worker.log")
    worker.url = f"http://127.0.0.1:{port}/metrics"
    yield worker
    worker.stop()


def _scrape(worker) -> str:
    response = requests.get(worker.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 200
    return response.text


def test_the_worker_metrics_need_the_bearer_token(observed_worker):
    assert requests.get(observed_worker.url, timeout=5).status_code == 401
    assert requests.get(observed_worker.url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401


def test_task_durations_and_failures_are_counted_by_the_worker(observed_worker):
    assert task_send(QUALITY_SWEEP, kwargs={})
    assert task_send(QUALITY_RECOMPUTE, kwargs={"no_such_argument": 1})  # raises TypeError in the worker
    done = f'tastemaker_task_duration_seconds_count{{state="SUCCESS",task="{QUALITY_SWEEP.name}"}} 1.0'
    failed = f'tastemaker_task_failures_total{{exception="TypeError",task="{QUALITY_RECOMPUTE.name}"}} 1.0'
    try:
        text = wait_until(lambda: (t := _scrape(observed_worker)) and done in t and failed in t and t,
                          timeout=120, what="the two tasks in the worker's metrics")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nscrape:\n{_scrape(observed_worker)[-3000:]}\n"
                             f"worker log:\n{observed_worker.log()[-3000:]}") from None
    assert f'tastemaker_task_duration_seconds_count{{state="FAILURE",task="{QUALITY_RECOMPUTE.name}"}} 1.0' in text


def test_every_line_a_task_logs_is_json_with_its_task_id(observed_worker):
    message_id = task_send(QUALITY_RECOMPUTE, kwargs={"no_such_argument": 1})

    def task_lines():
        lines = [json.loads(line) for line in observed_worker.log().splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("task_id") == message_id]

    lines = wait_until(task_lines, timeout=120, what="log lines carrying the task's id")
    assert all(line["task_name"] == QUALITY_RECOMPUTE.name and line["level"] for line in lines)
    assert any("TypeError" in line["message"] or "no_such_argument" in json.dumps(line) for line in lines)
