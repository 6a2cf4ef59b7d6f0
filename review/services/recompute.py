"""Label quality runs: request (debounced), execute the checker and store its report, sweep.

The run lifecycle (one active run per client, claim by attempt, heartbeat, re-send, fail after N
lost attempts) is `jobs.lifecycle`'s; this module adds what is particular to quality: a queued run
waits while ratings are still streaming in, a recompute stores the whole report in one transaction,
and a finished report tells the training side that clean labels may have changed.
"""
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback.models import Client, Rating
from jobs.contract import QUALITY_RUN, TRAINING_CHECK
from jobs.dispatch import task_send
from jobs.lifecycle import OwnedRun, RunLost, run_claim, run_enqueue, run_request, run_sweep
from review.models import QualityRun
from review.quality import QualityReport, assess_quality
from review.services.rating_table import LoadedRatings, quality_table_load
from review.services.report_store import quality_report_store

logger = logging.getLogger(__name__)


def quality_request(*, client_id: int) -> bool:
    """Make sure a recompute of the client will run; True when this call queued a new run.

    Runs after every rating (`feedback` asks through `jobs.lifecycle.run_request` with the same
    QUALITY_RUN kind): two statements and never an exception.
    """
    return run_request(QUALITY_RUN, client_id=client_id).created


def quality_run_execute(*, run_id: int) -> QualityRun | None:
    """The quality task's work: wait out a stream of ratings, else recompute and notify training.

    A message for a run that is no longer queued (done, or another worker's) does nothing.
    """
    run = QualityRun.objects.filter(id=run_id, status=QualityRun.Status.QUEUED).select_related("client").first()
    if run is None or quality_debounce_defer(run=run):
        return None
    finished = quality_recompute(client=run.client, run_id=run.id)
    if finished is not None and finished.status == QualityRun.Status.SUCCEEDED:
        task_send(TRAINING_CHECK, kwargs={"client_id": run.client_id})
    return finished


def quality_debounce_defer(*, run: QualityRun) -> bool:
    """While ratings are still streaming in, push the queued run back instead of running it now.

    A trailing debounce: the run waits until the client has been quiet for
    QUALITY_DEBOUNCE_SECONDS, but never longer than QUALITY_DEBOUNCE_MAX_SECONDS after it was
    requested, so a steady stream of ratings still gets a fresh report regularly.
    """
    quiet = settings.QUALITY_DEBOUNCE_SECONDS
    now = timezone.now()
    if not quiet or run.requested_at < now - timedelta(seconds=settings.QUALITY_DEBOUNCE_MAX_SECONDS):
        return False
    latest = (
        Rating.objects.filter(client_id=run.client_id).order_by("-id").values_list("submitted_at", flat=True).first()
    )
    if latest is None or latest < now - timedelta(seconds=quiet):
        return False
    return run_enqueue(QUALITY_RUN, run_id=run.id, countdown=quiet)


def quality_recompute(
    *, client: Client, run_id: int | None = None, progress: Callable[[str], None] | None = None
) -> QualityRun | None:
    """Run the checker on all of the client's ratings and store the report (idempotent).

    Claims the given queued run, else the client's queued run, else starts one here. When another
    worker is already running one, it is asked to run again (it may have read its ratings before
    the latest) and returned without doing the work twice. None when the run was taken meanwhile.
    """
    say = progress or (lambda message: None)
    owned = run_claim(QUALITY_RUN, run_id=run_id) if run_id else _claim_for_client(client)
    if owned is None:
        if run_id:
            return None
        running = QualityRun.objects.filter(client=client, status__in=QualityRun.ACTIVE_STATUSES).first()
        say(f"Quality run {running.id} is already {running.status}; it will include the latest ratings.")
        return running
    started = time.monotonic()
    try:
        n_ratings = _check_and_store(client=client, owned=owned, say=say, started=started)
    except RunLost:
        logger.info("Quality run %s was taken from this worker; its report was not stored", owned.run_id)
        return None
    except BaseException as exc:
        _fail(owned, error=repr(exc)[:2000], started=started)
        raise
    run = QualityRun.objects.get(id=owned.run_id)
    say(f"Done in {run.duration_ms / 1000:.1f}s ({n_ratings:,} ratings).")
    return run


def quality_assess(*, loaded: LoadedRatings) -> QualityReport | None:
    """The numeric core on the loaded table; None when there is nothing to assess."""
    if len(loaded.table) == 0:
        return None
    return assess_quality(loaded.table, criteria=loaded.specs, n_boot=settings.QUALITY_BOOTSTRAP_SAMPLES)


def quality_sweep() -> dict[str, int]:
    """Re-send queued runs the broker may have lost; re-queue (or, after 3 attempts, fail) silent ones."""
    return run_sweep(
        QUALITY_RUN,
        resend_after=timedelta(seconds=settings.QUALITY_REQUEUE_AFTER_SECONDS),
        stale_after=timedelta(seconds=settings.QUALITY_STALE_RUN_SECONDS),
    )


def _claim_for_client(client: Client) -> OwnedRun | None:
    """The client's queued run, or a new one started here (a command or a button, not a message)."""
    owned = run_claim(QUALITY_RUN, client_id=client.id)
    if owned is None and run_request(QUALITY_RUN, client_id=client.id, send=False).created:
        owned = run_claim(QUALITY_RUN, client_id=client.id)
    return owned


def _check_and_store(*, client: Client, owned: OwnedRun, say: Callable[[str], None], started: float) -> int:
    say(f"Loading ratings of {client.slug}...")
    loaded = quality_table_load(client=client)
    owned.heartbeat()
    say(f"Checking {loaded.n_ratings:,} ratings ({len(loaded.table):,} scores)...")
    report = quality_assess(loaded=loaded)
    owned.heartbeat()
    say("Storing the report...")
    # The report and the run's end commit together: a worker that lost its run (RunLost inside)
    # rolls its report back, so pages see the whole previous report or the whole new one.
    with transaction.atomic():
        quality_report_store(client=client, loaded=loaded, report=report)
        owned.finish(QualityRun.Status.SUCCEEDED, n_ratings=loaded.n_ratings, duration_ms=_elapsed_ms(started))
    return loaded.n_ratings


def _fail(owned: OwnedRun, *, error: str, started: float) -> None:
    with contextlib.suppress(RunLost):  # the sweep already re-queued or failed it
        owned.finish(QualityRun.Status.FAILED, error=error, duration_ms=_elapsed_ms(started))


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
