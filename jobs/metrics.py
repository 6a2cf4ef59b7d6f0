"""Prometheus metrics every process records: ratings, Celery tasks and run outcomes.

Counters and histograms are prometheus-client's. With PROMETHEUS_MULTIPROC_DIR set (production:
gunicorn's workers and Celery's pool processes) each process writes its values to files in that
folder and `/metrics` (config.metrics) sums them; without it they live in this process's registry.
Gauges read from the database or the broker (queue depths, the age of each client's last good
quality run) are computed at scrape time by config.metrics, not stored here.
"""
import os
import time

from celery import signals
from prometheus_client import Counter, Histogram

RATINGS = Counter("tastemaker_ratings", "Ratings stored (rate() of it: ratings per second).", ["kind"])
TASK_DURATION = Histogram(
    "tastemaker_task_duration_seconds", "Celery task run time, by task and final state.", ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
TASK_FAILURES = Counter("tastemaker_task_failures", "Celery tasks that raised, by task and exception.",
                        ["task", "exception"])
RUNS_FINISHED = Counter("tastemaker_runs_finished", "Quality and training runs ended, by kind and outcome.",
                        ["kind", "outcome"])

_started: dict[str, float] = {}


def rating_stored(*, kind: str) -> None:
    RATINGS.labels(kind=kind).inc()


def run_finished(*, model: str, outcome: str) -> None:
    """`model` is the run kind's "app_label.Model" ("review.QualityRun", "training.TrainingRun")."""
    RUNS_FINISHED.labels(kind=model.split(".")[-1].removesuffix("Run").lower(), outcome=outcome).inc()


def _task_started(task_id=None, task=None, **_):
    if task_id:
        _started[task_id] = time.monotonic()


def _task_finished(task_id=None, task=None, state=None, **_):
    started = _started.pop(task_id, None) if task_id else None
    if started is not None and task is not None:
        TASK_DURATION.labels(task=task.name, state=state or "UNKNOWN").observe(time.monotonic() - started)


def _task_failed(sender=None, exception=None, **_):
    name = getattr(sender, "name", None) or "unknown"
    TASK_FAILURES.labels(task=name, exception=type(exception).__name__ if exception else "unknown").inc()


def _child_exited(pid=None, **_):
    """A pool process ended: its live gauges go (counters and histograms stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def celery_signals_connect() -> None:
    """Record every task's duration and failures (called once by the Celery app)."""
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="tastemaker-metrics-prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="tastemaker-metrics-postrun")
    signals.task_failure.connect(_task_failed, weak=False, dispatch_uid="tastemaker-metrics-failure")
    signals.worker_process_shutdown.connect(_child_exited, weak=False, dispatch_uid="tastemaker-metrics-child")
