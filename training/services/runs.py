"""When a client's model is retrained: the threshold trigger, manual requests, cancel, and the sweep.

The run lifecycle (one queued-or-running run per client as a database constraint, sends after
commit that never raise, claim by attempt, heartbeat, re-queue after a lost worker, fail after 3)
is `jobs.lifecycle`'s; this module decides when a run is due.
"""
import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from feedback.models import Client
from jobs.contract import TRAINING_RUN
from jobs.lifecycle import run_request, run_sweep
from jobs.models import Run
from review.selectors import clean_example_count_since, client_ids_with_clean_labels
from training.ml import HELD_OUT_FRACTION, MC_SAMPLES, TrainConfig
from training.models import ModelVersion, TrainingRun
from training.services.features import text_encoder_name

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
    """Queue a run (sent after commit); while one is queued or running, that one is returned.

    `was_created` on the result tells which, so the API can answer 201 or 200.
    """
    for _ in range(3):
        request = run_request(
            TRAINING_RUN, client_id=client.id, trigger=trigger, requested_by_id=getattr(requested_by, "pk", None),
            hyperparameters={**default_hyperparameters(), **(hyperparameters or {})},
        )
        runs = TrainingRun.objects.filter(client=client)
        active = runs.filter(id=request.run_id) if request.created else runs.filter(status__in=Run.ACTIVE_STATUSES)
        run = active.first()
        if run is not None:
            run.was_created = request.created
            return run
    raise RuntimeError(f"Could not request a training run for client {client.id}")  # it kept finishing in between


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


def training_sweep(*, heartbeat_timeout_s: int | None = None) -> dict:
    """Recover runs of dead workers and lost messages, then trigger clients past their threshold."""
    timeout = timedelta(seconds=heartbeat_timeout_s or settings.TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S)
    summary = run_sweep(TRAINING_RUN, resend_after=timeout, stale_after=timeout)
    summary["triggered"] = sum(
        retrain_check(client_id=client_id, trigger=TrainingRun.Trigger.SWEEP) is not None
        for client_id in client_ids_with_clean_labels()
    )
    return summary
