"""Worker heartbeats: the thread beats and survives a database error; a real worker beats and clears."""
import pytest

from jobs.heartbeat import HeartbeatThread, worker_heartbeat_beat, worker_heartbeat_clear
from jobs.models import WorkerHeartbeat
from tests.workers import wait_until


@pytest.mark.django_db
def test_a_beat_rewrites_one_row_per_worker_and_keeps_its_start():
    worker_heartbeat_beat(hostname="celery@a", pid=10, queues=["quality", "default"])
    first = WorkerHeartbeat.objects.get()
    worker_heartbeat_beat(hostname="celery@a", pid=10, queues=["quality", "default"])
    again = WorkerHeartbeat.objects.get()
    assert again.beat_at > first.beat_at and again.started_at == first.started_at
    assert again.queues == "default,quality"
    worker_heartbeat_clear(hostname="celery@a")
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_thread_beats_every_interval_until_stopped():
    thread = HeartbeatThread(hostname="celery@t", queues=["default"], interval=0.05)
    thread.start()
    try:
        wait_until(lambda: WorkerHeartbeat.objects.filter(hostname="celery@t").exists(), timeout=10)
        first = WorkerHeartbeat.objects.get(hostname="celery@t").beat_at
        wait_until(lambda: WorkerHeartbeat.objects.get(hostname="celery@t").beat_at > first, timeout=10)
    finally:
        thread.stop()
    assert not thread.is_alive()


def test_a_database_error_is_logged_and_the_thread_carries_on(monkeypatch, caplog):
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("database is down")

    monkeypatch.setattr("jobs.heartbeat.worker_heartbeat_beat", failing)
    monkeypatch.setattr("jobs.heartbeat.close_old_connections", lambda: None)
    monkeypatch.setattr("jobs.heartbeat.connection", type("C", (), {"close": staticmethod(lambda: None)}))
    thread = HeartbeatThread(hostname="celery@x", queues=[], interval=0.02)
    thread.start()
    wait_until(lambda: len(calls) >= 3, timeout=10, what="three beats despite the errors")
    assert thread.is_alive()
    thread.stop()
    assert "Worker heartbeat not written" in caplog.text


@pytest.mark.integration
def test_a_real_worker_beats_with_its_pid_and_clears_its_row_on_warm_shutdown(celery_worker_process):
    row = wait_until(lambda: WorkerHeartbeat.objects.filter(pid=celery_worker_process.process.pid).first(),
                     timeout=30, what="the worker's heartbeat row")
    assert set(row.queues.split(",")) == {"default", "quality", "training"}
    celery_worker_process.stop()
    assert celery_worker_process.process.returncode == 0
    assert not WorkerHeartbeat.objects.filter(pid=celery_worker_process.process.pid).exists()
