"""The life of a training run: trigger, request, cancel, hand to the broker, and the sweep.

Guarantees, and what gives them:
- one queued-or-running run per client: the partial unique constraint on TrainingRun; a racing
  second insert gets IntegrityError and answers with the run that won;
- a rating or a trigger never waits on the broker: the run row is committed first, the message is
  sent in `transaction.on_commit`, and a failed send is only logged: the sweep re-sends queued runs
  whose message may be lost and re-checks clients past their threshold;
- a dead worker is noticed by its silent heartbeat, not by the broker's visibility timeout.
"""
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback.models import Client
from review.selectors import clean_example_count_since, client_ids_with_clean_labels
from training.ml import HELD_OUT_FRACTION, MC_SAMPLES, TrainConfig
from training.models import ModelVersion, TrainingRun
from training.services.features import text_encoder_name

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Run-level settings beside TrainConfig's; all are stored with the run.
RUN_DEFAULTS = {
    "held_out_fraction": HELD_OUT_FRACTION,
    "learning_curve_fractions": [0.25, 0.5, 0.75],
    "oof_folds": 3,
    "mc_samples": MC_SAMPLES,
}
# After a failure, automatic triggers wait this long so a broken client does not loop on failures.
FAILURE_BACKOFF = timedelta(minutes=10)


def default_hyperparameters() -> dict:
    """TrainConfig defaults and run settings, overridden by TASTEMAKER_TRAINING_HYPERPARAMETERS."""
    overrides = json.loads(settings.TASTEMAKER_TRAINING_HYPERPARAMETERS or "{}")
    return {**TrainConfig().to_dict(), **RUN_DEFAULTS, "text_encoder": text_encoder_name(), **overrides}


def new_clean_examples(*, client: Client) -> int:
    """Creatives with clean labels newer than the newest model version's data snapshot.

    The newest version counts, promoted or not: a candidate that lost to the active model has
    already seen those labels, and counting them again would re-trigger a run at once.
    """
    latest = ModelVersion.objects.filter(client=client).order_by("-version").first()
    after = int(latest.dataset_snapshot.get("max_rating_id", 0)) if latest else 0
    return clean_example_count_since(client=client, after_rating_id=after)


def retrain_check(*, client_id: int, trigger: str = TrainingRun.Trigger.AUTO) -> TrainingRun | None:
    """Queue a run when the client's new clean examples reach its threshold; None when not due."""
    client = Client.objects.filter(id=client_id).first()
    if client is None or TrainingRun.objects.filter(client=client, status__in=TrainingRun.ACTIVE_STATUSES).exists():
        return None
    if new_clean_examples(client=client) < client.retrain_threshold:
        return None
    since = timezone.now() - FAILURE_BACKOFF
    if TrainingRun.objects.filter(client=client, status=TrainingRun.Status.FAILED, finished_at__gte=since).exists():
        return None
    return training_run_request(client=client, requested_by=None, trigger=trigger)


def training_run_request(
    *, client: Client, requested_by: AbstractBaseUser | None, trigger: str, hyperparameters: dict | None = None
) -> TrainingRun:
    """Create a queued run and send it after commit; if one is already queued or running, return it.

    Call it outside a transaction (or at its end): the IntegrityError of a lost race aborts the
    savepoint only, and the run that won is read afterwards.
    """
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(
                client=client, trigger=trigger, requested_by=requested_by,
                hyperparameters={**default_hyperparameters(), **(hyperparameters or {})},
            )
            transaction.on_commit(lambda: training_run_enqueue(run_id=run.id))
    except IntegrityError:
        existing = TrainingRun.objects.filter(client=client, status__in=TrainingRun.ACTIVE_STATUSES).first()
        if existing is None:  # it finished between our insert and this read: the caller may try again
            raise
        existing.was_created = False
        return existing
    run.was_created = True  # lets the API answer 201 for a new run and 200 for the one already there
    return run


def training_run_cancel(*, run: TrainingRun) -> TrainingRun:
    """Cancel a queued run at once; ask a running one to stop after its current epoch."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(id=run.id)
        if run.status == TrainingRun.Status.QUEUED:
            run.status, run.finished_at, run.outcome_reason = TrainingRun.Status.CANCELLED, timezone.now(), "cancelled"
        elif run.status == TrainingRun.Status.RUNNING:
            run.cancel_requested = True
        else:
            raise ValidationError({"status": [f"A {run.status} run cannot be cancelled."]})
        run.save()
    return run


def training_run_enqueue(*, run_id: int) -> bool:
    """Hand a run to the broker; a broker that is down is logged, never raised (the sweep retries)."""
    from training.tasks import execute_run

    try:
        result = execute_run.apply_async(kwargs={"run_id": run_id}, retry=False)
    except Exception:  # any broker error: the run stays queued in the database
        logger.warning("Could not enqueue training run %s; the sweep will retry", run_id, exc_info=True)
        return False
    TrainingRun.objects.filter(id=run_id).update(enqueued_at=timezone.now(), celery_task_id=result.id or "")
    return True


def training_sweep(*, heartbeat_timeout_s: int | None = None) -> dict:
    """Recover what crashes and outages leave behind; safe to run any time, from anywhere."""
    timeout = timedelta(seconds=heartbeat_timeout_s or settings.TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S)
    stale_before = timezone.now() - timeout
    summary = {"requeued": 0, "failed": 0, "unchanged": 0, "resent": 0, "triggered": 0}
    silent = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, heartbeat_at__lt=stale_before)
    for run_id in silent.values_list("id", flat=True):
        summary[_requeue_dead(run_id=run_id, stale_before=stale_before)] += 1
    lost = TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED).exclude(enqueued_at__gte=stale_before)
    for run_id in lost.values_list("id", flat=True):
        summary["resent"] += training_run_enqueue(run_id=run_id)
    for client_id in client_ids_with_clean_labels():
        summary["triggered"] += retrain_check(client_id=client_id, trigger=TrainingRun.Trigger.SWEEP) is not None
    return summary


def _requeue_dead(*, run_id: int, stale_before) -> str:
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(id=run_id)
        if run.status != TrainingRun.Status.RUNNING or run.heartbeat_at >= stale_before:
            return "unchanged"  # it beat or finished meanwhile
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.finished_at = TrainingRun.Status.FAILED, timezone.now()
            run.error = f"The worker stopped answering {run.attempts} times; giving up."
            run.save()
            return "failed"
        run.status, run.stage = TrainingRun.Status.QUEUED, "requeued after a lost worker"
        run.save()
        transaction.on_commit(lambda: training_run_enqueue(run_id=run.id))
    return "requeued"
