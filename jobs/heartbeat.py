"""Worker heartbeats: every Celery worker rewrites its `WorkerHeartbeat` row every few seconds.

A thread of the worker's main process does it, started on `worker_ready` and stopped (row deleted)
on `worker_shutdown`. A thread, not the worker's event loop: the loop stops while the broker is
away, and a worker that waits out a broker outage is still alive. A database error is logged and
the next beat tries again; nothing here may end the worker.
"""
import contextlib
import logging
import os
import sys
import threading

from celery import signals
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from jobs.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def worker_heartbeat_beat(*, hostname: str, pid: int, queues: list[str], started_at=None) -> None:
    """Write (or create) this worker's row with the current time."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname,
        defaults={"pid": pid, "queues": ",".join(sorted(queues))[:255], "beat_at": now},
        create_defaults={
            "pid": pid, "queues": ",".join(sorted(queues))[:255], "beat_at": now, "started_at": started_at or now,
        },
    )


def worker_heartbeat_clear(*, hostname: str) -> None:
    """Remove a worker's row: it stopped cleanly and is no longer serving."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


class HeartbeatThread(threading.Thread):
    """Beats every `interval` seconds until stopped."""

    def __init__(self, *, hostname: str, queues: list[str], interval: float):
        super().__init__(name="tastemaker-heartbeat", daemon=True)
        self.hostname, self.queues, self.interval = hostname, queues, interval
        self.started_at = timezone.now()
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            self.beat()
            self._stopping.wait(self.interval)
        close_old_connections()

    def beat(self) -> None:
        try:
            close_old_connections()
            worker_heartbeat_beat(
                hostname=self.hostname, pid=os.getpid(), queues=self.queues, started_at=self.started_at
            )
        except Exception as exc:  # a database outage must not end the thread, let alone the worker
            logger.warning("Worker heartbeat not written (will retry in %.0f s): %s", self.interval, exc)
            connection.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.join(timeout)


_thread: HeartbeatThread | None = None


@signals.worker_ready.connect
def _start_heartbeat(sender=None, **kwargs) -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    queues = sorted(sender.app.amqp.queues.consume_from or {}) if sender is not None else []
    _thread = HeartbeatThread(
        hostname=sender.hostname, queues=queues, interval=settings.TASTEMAKER_WORKER_HEARTBEAT_S
    )
    _thread.start()


@signals.worker_shutdown.connect
def _stop_heartbeat(sender=None, **kwargs) -> None:
    global _thread
    if _thread is None:
        return
    _thread.stop()
    try:
        worker_heartbeat_clear(hostname=_thread.hostname)
    except Exception as exc:
        logger.warning("Worker heartbeat not cleared on shutdown: %s", exc)
    _thread = None


def worker_exit_now(sender=None, **kwargs) -> None:
    """After the warm shutdown finished, end the worker's main process without interpreter teardown.

    Connected last (jobs is the last app; `JobsConfig.ready`), so every other `worker_shutdown`
    receiver has run: the pool, consumer and embedded beat are stopped, messages acked or restored.
    What is left is Python freeing torch and the rest module by module, which takes seconds on a
    busy machine and made a stop look hung (and supervisors kill it).
    """
    if "celery" not in sys.argv[0] or "worker" not in sys.argv:
        return  # a worker embedded in another program (a test harness) must leave it running
    code = getattr(sender, "exitcode", 0)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0)
