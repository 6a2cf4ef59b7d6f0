"""Reads about the system's own health: live workers, each client's run health, readiness.

Everything here is cheap (a fixed, small number of queries, asserted by tests) and carries no
client data except where a caller asks about one client it already resolved through membership.
"""
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.utils import timezone

from jobs.contract import QUALITY_RUN, RUN_KINDS, TRAINING_RUN, RunKind
from jobs.lifecycle import run_model
from jobs.models import RunStatus, WorkerHeartbeat

SWEPT_AWAY = "The worker stopped answering"  # how run_sweep starts the error of a run it gave up on


def worker_stale_after() -> timedelta:
    """A worker whose last beat is older than this is taken for dead (three missed beats)."""
    return timedelta(seconds=3 * settings.TASTEMAKER_WORKER_HEARTBEAT_S)


@dataclass(frozen=True)
class Workers:
    """The workers beating now: how many, the freshest beat's age and the queues they consume."""

    alive: int
    newest_beat_age_s: float | None
    queues: frozenset[str]

    def serves(self, queue: str) -> bool:
        return queue in self.queues


def workers_alive(*, now: datetime | None = None) -> Workers:
    """Live workers from their heartbeat rows (one query)."""
    now = now or timezone.now()
    rows = list(WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", "queues")[:200])
    live = [(beat, queues) for beat, queues in rows if beat >= now - worker_stale_after()]
    newest = (now - rows[0][0]).total_seconds() if rows else None
    queues = frozenset(q for _, names in live for q in names.split(",") if q)
    return Workers(alive=len(live), newest_beat_age_s=newest, queues=queues)


@dataclass(frozen=True)
class RunHealth:
    """The latest run of one kind for one client, and whether a person should know about it.

    `state`: none (never ran), ok (succeeded or cancelled), queued / running (on time), retrying
    (queued again after its worker was lost), stuck (silent or unclaimed for too long), failed.
    `next_step` says what the system will do next, or what a person can do.
    """

    key: str  # "quality" or "training": the kind's queue
    kind: str
    state: str
    run_id: int | None = None
    status: str | None = None
    at: datetime | None = None
    error: str = ""
    attempt: int = 0
    max_attempts: int = 0
    next_step: str = ""

    @property
    def problem(self) -> bool:
        return self.state in {"retrying", "stuck", "failed"}


@dataclass(frozen=True)
class ClientHealth:
    """What the pages and the API show about a client's background work."""

    workers: Workers
    runs: list[RunHealth] = field(default_factory=list)

    @property
    def problems(self) -> list[RunHealth]:
        return [run for run in self.runs if run.problem]

    @property
    def no_worker(self) -> bool:
        return self.workers.alive == 0


def first_line(text: str, limit: int = 300) -> str:
    """An error's first non-empty line, cut to `limit` characters."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def _thresholds(kind: RunKind) -> tuple[int, int]:
    """(silent running after, unclaimed queued after) in seconds: when the kind's sweep steps in."""
    if kind == QUALITY_RUN:
        # A queued quality run legitimately waits out the debounce before it is claimed.
        queued = settings.QUALITY_REQUEUE_AFTER_SECONDS + int(settings.QUALITY_DEBOUNCE_MAX_SECONDS)
        return settings.QUALITY_STALE_RUN_SECONDS, queued
    timeout = settings.TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S
    return timeout, timeout


def run_health(kind: RunKind, *, client_id: int, workers: Workers, now: datetime | None = None) -> RunHealth:
    """The health of the client's latest run of `kind` (one query, by the primary key's index)."""
    now = now or timezone.now()
    run = (
        run_model(kind).objects.filter(client_id=client_id).order_by("-id")
        .values("id", "status", "requested_at", "started_at", "heartbeat_at", "finished_at", "attempts", "error")
        .first()
    )
    if run is None:
        return RunHealth(key=kind.task.queue, kind=kind.label, state="none")
    stale_s, queued_s = _thresholds(kind)
    base = {
        "key": kind.task.queue, "kind": kind.label, "run_id": run["id"], "status": run["status"],
        "error": first_line(run["error"]), "attempt": run["attempts"], "max_attempts": kind.max_attempts,
    }
    waiting = "" if workers.serves(kind.task.queue) else (
        f"; no live worker consumes the '{kind.task.queue}' queue, so it waits until one starts"
    )
    status = run["status"]
    if status == RunStatus.FAILED:
        if run["error"].startswith(SWEPT_AWAY):
            step = f"gave up after {run['attempts']} attempts: {kind.retry_hint}"
        else:
            step = (f"will not retry by itself (it failed on attempt {run['attempts']} of {kind.max_attempts}): "
                    f"{kind.retry_hint}")
        return RunHealth(**base, state="failed", at=run["finished_at"], next_step=step)
    if status in (RunStatus.SUCCEEDED, RunStatus.CANCELLED):
        return RunHealth(**{**base, "error": ""}, state="ok", at=run["finished_at"])
    if status == RunStatus.RUNNING:
        silent = (now - (run["heartbeat_at"] or run["started_at"] or now)).total_seconds()
        if silent > stale_s:
            step = (
                f"no heartbeat for {silent:.0f} s: the next sweep queues it again, "
                f"attempt {run['attempts'] + 1} of {kind.max_attempts}"
                if run["attempts"] < kind.max_attempts
                else f"no heartbeat for {silent:.0f} s: that was attempt {run['attempts']} of "
                f"{kind.max_attempts}, so the next sweep gives up"
            )
            return RunHealth(**base, state="stuck", at=run["heartbeat_at"], next_step=step)
        return RunHealth(**{**base, "error": ""}, state="running", at=run["started_at"])
    # Queued: waiting for its first worker, or queued again after a lost one.
    waited = (now - run["requested_at"]).total_seconds()
    if run["error"]:
        step = f"will retry as attempt {run['attempts'] + 1} of {kind.max_attempts} when a worker takes it" + waiting
        return RunHealth(**base, state="retrying", at=run["requested_at"], next_step=step)
    if waited > queued_s:
        step = f"queued {waited:.0f} s ago and not taken yet: the sweep sends it again" + waiting
        return RunHealth(**base, state="stuck", at=run["requested_at"], next_step=step)
    return RunHealth(**base, state="queued", at=run["requested_at"])


def client_health(*, client_id: int, now: datetime | None = None) -> ClientHealth:
    """Workers and the latest quality and training run of one client (three queries)."""
    now = now or timezone.now()
    workers = workers_alive(now=now)
    return ClientHealth(
        workers=workers, runs=[run_health(kind, client_id=client_id, workers=workers, now=now) for kind in RUN_KINDS]
    )


# --- Readiness: the process's dependencies, for load balancers and compose healthchecks ---


def broker_probe() -> str | None:
    """None when the broker takes connections; otherwise what is wrong, in one line."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        if not folder or not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            return f"the filesystem broker's folder {folder or '(unset)'} is missing or not writable"
        return None
    try:
        with current_app.connection_for_write(url=url) as conn:
            conn.connect()
    except Exception as exc:  # any transport's connection error
        return f"{type(exc).__name__}: {first_line(str(exc), 200)}"
    return None


def writable_dir_problem(path: Path) -> str | None:
    """None when `path` is (or can be created as) a writable folder; otherwise why not."""
    path = Path(path)
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this process"
    return None


def _age_s(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _timed(check):
    started = time.perf_counter()
    try:
        problem = check()
    except Exception as exc:
        problem = f"{type(exc).__name__}: {first_line(str(exc), 200)}"
    return problem, round((time.perf_counter() - started) * 1000, 1)


def _check(problem: str | None, ms: float) -> dict:
    return {"ok": problem is None, "ms": ms, **({"error": problem} if problem else {})}


def readiness(*, now: datetime | None = None) -> tuple[bool, dict]:
    """(ready, report): ready when the database and the broker answer. No client data.

    Workers and runs are reported (ages in seconds) but do not make the process unready: a web
    process that cannot reach a worker still takes ratings, and runs catch up when one returns.
    """
    now = now or timezone.now()
    result: dict = {}

    def database():
        result["workers"] = workers_alive(now=now)
        return None

    db_problem, db_ms = _timed(database)
    broker_problem, broker_ms = _timed(broker_probe)
    checks = {"database": _check(db_problem, db_ms), "broker": _check(broker_problem, broker_ms)}
    workers = result.get("workers")
    checks["workers"] = {
        "ok": bool(workers and workers.alive),
        "alive": workers.alive if workers else None,
        "newest_heartbeat_age_s": None if not workers or workers.newest_beat_age_s is None
        else round(workers.newest_beat_age_s, 1),
    }
    if db_problem is None:
        for kind, name in ((QUALITY_RUN, "last_quality_run"), (TRAINING_RUN, "last_training_run")):
            finished = (
                run_model(kind).objects.filter(status=RunStatus.SUCCEEDED).order_by("-id")
                .values_list("finished_at", flat=True).first()
            )
            checks[name] = {"succeeded_age_s": _age_s(finished, now)}
    ready = db_problem is None and broker_problem is None
    status = "unavailable" if not ready else ("ok" if checks["workers"]["ok"] else "degraded")
    return ready, {"status": status, "checks": checks}
