"""Label quality: debounced recompute requests, and the recompute that runs the checker and stores it.

Concurrency: `QualityRun` allows one queued-or-running run per client (a partial unique index).
`quality_request` inserts a queued run and lets the database refuse duplicates, so a burst of
1,000 ratings queues one run; a request that meets a *running* run sets its `rerun_requested`,
and that run requests its successor once it is done, so ratings that arrive during a run are
never left out. The queued row is the durable fact; the broker message is only a nudge, and
`quality_sweep` re-sends it when the broker lost it or was down.
"""
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from config.celery_app import app as celery_app
from feedback.models import Client, Rating
from review.models import QualityRun
from review.quality import QualityReport, assess_quality
from review.services.rating_table import LoadedRatings, quality_table_load
from review.services.report_store import quality_report_store

logger = logging.getLogger(__name__)

QUALITY_TASK = "review.quality_recompute"
QUALITY_QUEUE = "quality"
TRAINING_CHECK_TASK = "training.check_retrain"


def quality_request(*, client_id: int) -> bool:
    """Make sure a recompute of the client will run; True when this call queued a new run.

    This runs after every rating, so it is two statements and never an exception: a running run
    is asked to go again (it may have loaded its data before this rating); otherwise a queued run
    is inserted unless one already exists (ON CONFLICT DO NOTHING against the database's
    one-active-run-per-client constraint), and only a new one is handed to the broker.
    """
    running = QualityRun.objects.filter(client_id=client_id, status=QualityRun.Status.RUNNING)
    if running.update(rerun_requested=True):
        return False
    run_id = _insert_queued_run(client_id=client_id)
    if run_id is None:
        return False  # a queued (or just started) run exists and will read this rating
    transaction.on_commit(lambda: quality_run_enqueue(run_id=run_id))
    return True


def _insert_queued_run(*, client_id: int) -> int | None:
    """INSERT a queued run unless the client has an active one; its id, or None."""
    table = QualityRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (client_id, status, requested_at, rerun_requested, error, n_ratings) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, '', 0) ON CONFLICT DO NOTHING RETURNING id",
            [client_id, QualityRun.Status.QUEUED, timezone.now(), False],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def quality_run_enqueue(*, run_id: int, countdown: float = 0) -> bool:
    """Hand a queued run to the broker; never raises when the broker is down (the sweep retries)."""
    run = QualityRun.objects.filter(id=run_id).values("client_id").first()
    if run is None:
        return False
    try:
        celery_app.send_task(
            QUALITY_TASK, kwargs={"client_id": run["client_id"]}, queue=QUALITY_QUEUE, retry=False,
            countdown=countdown or None,
        )
    except (BrokerError, OSError) as exc:
        logger.warning("Broker unavailable, quality run %s stays queued for the sweep: %s", run_id, exc)
        return False
    QualityRun.objects.filter(id=run_id).update(enqueued_at=timezone.now())
    return True


def quality_debounce_defer(*, client: Client) -> bool:
    """While ratings are still streaming in, push the queued run back instead of running it now.

    A trailing debounce: the run waits until the client has been quiet for
    QUALITY_DEBOUNCE_SECONDS, but never longer than QUALITY_DEBOUNCE_MAX_SECONDS after it was
    requested, so a steady stream of ratings still gets a fresh report regularly.
    """
    quiet = settings.QUALITY_DEBOUNCE_SECONDS
    run = QualityRun.objects.filter(client=client, status=QualityRun.Status.QUEUED).first()
    if not quiet or run is None:
        return False
    now = timezone.now()
    if run.requested_at < now - timedelta(seconds=settings.QUALITY_DEBOUNCE_MAX_SECONDS):
        return False
    latest = Rating.objects.filter(client=client).order_by("-id").values_list("submitted_at", flat=True).first()
    if latest is None or latest < now - timedelta(seconds=quiet):
        return False
    return quality_run_enqueue(run_id=run.id, countdown=quiet)


def quality_recompute(*, client: Client, progress: Callable[[str], None] | None = None) -> QualityRun:
    """Run the checker on all of the client's ratings and store the report (idempotent).

    Claims the client's queued run (or starts one); when another worker is already running one,
    asks it to run again and returns it without doing the work twice.
    """
    say = progress or (lambda message: None)
    run, claimed = _claim_run(client=client)
    if not claimed:
        say(f"Quality run {run.id} is already {run.status}; it will include the latest ratings.")
        return run
    started = time.monotonic()
    try:
        say(f"Loading ratings of {client.slug}...")
        loaded = quality_table_load(client=client)
        _heartbeat(run)
        say(f"Checking {loaded.n_ratings:,} ratings ({len(loaded.table):,} scores)...")
        report = quality_assess(loaded=loaded)
        _heartbeat(run)
        say("Storing the report...")
        with transaction.atomic():
            quality_report_store(client=client, loaded=loaded, report=report, heartbeat=lambda: _heartbeat(run))
            run = _finish(run, status=QualityRun.Status.DONE, n_ratings=loaded.n_ratings, started=started)
    except BaseException as exc:
        _finish(run, status=QualityRun.Status.FAILED, error=repr(exc)[:2000], started=started)
        raise
    say(f"Done in {run.duration_ms / 1000:.1f}s.")
    if run.rerun_requested:
        quality_request(client_id=client.id)
    return run


def quality_assess(*, loaded: LoadedRatings) -> QualityReport | None:
    """The numeric core on the loaded table; None when there is nothing to assess."""
    if len(loaded.table) == 0:
        return None
    return assess_quality(loaded.table, criteria=loaded.specs, n_boot=settings.QUALITY_BOOTSTRAP_SAMPLES)


def quality_sweep() -> dict[str, int]:
    """Re-send queued runs the broker may have lost; fail runs whose worker died, and re-request them."""
    now = timezone.now()
    requeue_before = now - timedelta(seconds=settings.QUALITY_REQUEUE_AFTER_SECONDS)
    stale_before = now - timedelta(seconds=settings.QUALITY_STALE_RUN_SECONDS)
    lost = QualityRun.objects.filter(status=QualityRun.Status.QUEUED, requested_at__lt=requeue_before).exclude(
        enqueued_at__gte=requeue_before
    )
    requeued = sum(quality_run_enqueue(run_id=run_id) for run_id in lost.values_list("id", flat=True))
    dead = list(
        QualityRun.objects.filter(status=QualityRun.Status.RUNNING, heartbeat_at__lt=stale_before).values_list(
            "id", "client_id"
        )
    )
    for run_id, client_id in dead:
        failed = QualityRun.objects.filter(id=run_id, status=QualityRun.Status.RUNNING).update(
            status=QualityRun.Status.FAILED, finished_at=now, error="No heartbeat: the worker died."
        )
        if failed:
            quality_request(client_id=client_id)
    return {"requeued": requeued, "failed": len(dead)}


def quality_training_notify(*, client_id: int) -> None:
    """Tell the training side that clean labels may have changed; it has its own sweep if this is lost."""
    try:
        celery_app.send_task(TRAINING_CHECK_TASK, kwargs={"client_id": client_id}, queue="training", retry=False)
    except (BrokerError, OSError) as exc:
        logger.warning("Broker unavailable, training check for client %s left to its sweep: %s", client_id, exc)


def _claim_run(*, client: Client) -> tuple[QualityRun, bool]:
    for _ in range(3):
        now = timezone.now()
        with transaction.atomic():
            run = (
                QualityRun.objects.select_for_update(skip_locked=True)
                .filter(client=client, status=QualityRun.Status.QUEUED)
                .first()
            )
            if run is not None:
                run.status, run.started_at, run.heartbeat_at = QualityRun.Status.RUNNING, now, now
                run.save(update_fields=["status", "started_at", "heartbeat_at"])
                return run, True
        try:
            with transaction.atomic():
                run = QualityRun.objects.create(
                    client=client, status=QualityRun.Status.RUNNING, started_at=now, heartbeat_at=now
                )
                return run, True
        except IntegrityError:
            running = QualityRun.objects.filter(client=client, status=QualityRun.Status.RUNNING)
            if running.update(rerun_requested=True):
                return running.get(), False
    raise RuntimeError(f"Could not claim a quality run for client {client.id}")


def _heartbeat(run: QualityRun) -> None:
    QualityRun.objects.filter(id=run.id).update(heartbeat_at=timezone.now())


def _finish(run: QualityRun, *, status: str, started: float, n_ratings: int = 0, error: str = "") -> QualityRun:
    """Close the run under its row lock, so a concurrent request either sees it running or done."""
    with transaction.atomic():
        locked = QualityRun.objects.select_for_update().get(id=run.id)
        locked.status, locked.finished_at, locked.error = status, timezone.now(), error
        locked.n_ratings = n_ratings
        locked.duration_ms = int((time.monotonic() - started) * 1000)
        locked.save(update_fields=["status", "finished_at", "error", "n_ratings", "duration_ms"])
    return locked
