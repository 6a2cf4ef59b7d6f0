"""Held-out evaluation, the promotion rule, the learning curve and predictions for the checker.

Metrics are keyed by criterion id, as a string since they are stored as JSON: a criterion renamed
after training keeps its metrics, its predictions and its comparison with the active model.
"""
import math

import numpy as np
from django.conf import settings

from feedback.models import Client
from feedback.selectors import creative_feature_rows, criterion_list
from feedback.services.predictions import PredictionInput, predictions_replace
from training.ml import (
    RELATIVE_MAE_MARGIN,
    TrainConfig,
    compare_criteria,
    evaluate,
    explain_labels_needed,
    held_back_for,
    is_better,
    learning_curve,
    mean_baseline,
    predict,
    predict_normalised,
    predict_with_uncertainty,
    promotion_allowed,
    summarise,
    train,
)
from training.models import ModelVersion
from training.services.artifacts import ArtifactError, artifact_load
from training.services.datasets import ClientDataset, feature_matrix_for
from training.services.features import text_encoder_name


def evaluate_model(*, model, data: ClientDataset, train_set, held_out) -> dict:
    """MAE and Spearman per criterion in rating points, for the model and the predict-the-mean baseline.

    `errors` holds the absolute errors per held-out creative (NaN where unlabelled) of both, keyed
    like the metrics, for the paired per-criterion comparison; it is not stored.
    """
    ids = data.spec.criterion_ids
    target = data.spec.denormalise(held_out.targets)
    pred = data.spec.denormalise(predict_normalised(model, held_out.features).clip(0.0, 1.0))
    baseline = data.spec.denormalise(mean_baseline(train_set.targets, len(held_out)))
    new = _json_keys(evaluate(pred, target, criteria=ids))
    base = _json_keys(evaluate(baseline, target, criteria=ids))
    errors = {"new": _abs_errors(pred, target, ids), "baseline": _abs_errors(baseline, target, ids)}
    return {"criteria": new, "baseline": base, "summary": summarise(new), "baseline_summary": summarise(base),
            "errors": errors}


def evaluate_active(*, version: ModelVersion | None, data: ClientDataset, device: str) -> tuple[dict | None, str]:
    """The active model on the same held-out creatives, on the criteria both models know."""
    if version is None:
        return None, "no active model yet"
    if version.hyperparameters.get("text_encoder", text_encoder_name()) != text_encoder_name():
        return None, f"active v{version.version} used another text encoder; not comparable"
    try:
        checkpoint = artifact_load(version=version, device=device)
    except ArtifactError as exc:
        return None, f"active v{version.version} cannot be loaded ({exc})"
    rows = np.flatnonzero(data.held_out)
    creatives = creative_feature_rows(client=version.client, creative_ids=[data.creative_ids[i] for i in rows])
    by_id = {c.id: c for c in creatives}
    features = feature_matrix_for(creatives=[by_id[data.creative_ids[i]] for i in rows], spec=checkpoint.spec)
    pred = predict(checkpoint.model, features, checkpoint.spec)
    target = data.spec.denormalise(data.dataset.targets[rows])
    own = {criterion_id: k for k, criterion_id in enumerate(checkpoint.spec.criterion_ids)}
    metrics, errors = {}, {}
    for k, criterion_id in enumerate(data.spec.criterion_ids):
        if criterion_id in own:
            column = evaluate(pred[:, [own[criterion_id]]], target[:, [k]], criteria=[criterion_id])
            metrics.update(_json_keys(column))
            errors.update(_abs_errors(pred[:, [own[criterion_id]]], target[:, [k]], [criterion_id]))
    note = f"active v{version.version}"
    return {"criteria": metrics, "summary": summarise(metrics), "version": version.version, "errors": errors}, note


def promotion_decision(*, new: dict, active: dict | None, active_note: str,
                       names: dict[str, str] | None = None) -> tuple[bool, str, dict]:
    """Promote only a model better overall than the baseline and the active one, and worse than
    neither on any criterion beyond RELATIVE_MAE_MARGIN; the comparison per criterion is returned
    to be stored with the version, whatever the decision.

    Overall against the active model uses TASTEMAKER_PROMOTION_MARGIN on the mean MAE of the
    criteria both know (as before); against the baseline any gain counts.
    """
    names = names or {}
    margin = settings.TASTEMAKER_PROMOTION_MARGIN
    new_mae = new["summary"]["mae"]
    comparisons = compare_criteria(new["errors"]["new"], new["errors"]["baseline"],
                                   active["errors"] if active is not None else None)
    beats_baseline = is_better(new["criteria"], new["baseline"], margin=0.0)
    overall = [f"MAE {_f(new_mae)} vs predict-the-mean {_f(new['baseline_summary']['mae'])}"]
    beats_active = True
    if active is not None:
        shared = {key: new["criteria"][key] for key in active["criteria"]}
        beats_active = is_better(shared, active["criteria"], margin=margin)
        overall.append(f"vs {active_note} {_f(active['summary']['mae'])} (overall margin {margin})")
    promote = promotion_allowed(better_overall=beats_baseline and beats_active, comparisons=comparisons)
    worse = held_back_for(comparisons)
    comparison = {"margin": RELATIVE_MAE_MARGIN, "criteria": comparisons,
                  "held_back_for": [{"criterion": key, "against": against} for key, against in worse],
                  "beats_baseline": beats_baseline, "beats_active": beats_active if active is not None else None}
    if promote:
        slightly = [f"{names.get(key, key)} {_pct(row[f'vs_{against}']['relative'])} vs "
                    f"{'predict-the-mean' if against == 'baseline' else active_note}"
                    for key, row in comparisons.items() for against in ("baseline", "active")
                    if row.get(f"vs_{against}") and (row[f"vs_{against}"]["relative"] or 0) > 0]
        within = f" (within it: {', '.join(slightly)})" if slightly else ""
        return True, (f"promoted: better overall ({', '.join(overall)}) and worse on no criterion beyond the "
                      f"{RELATIVE_MAE_MARGIN:.0%} margin{within}"), comparison
    why = []
    if not beats_baseline:
        why.append("does not beat the predict-the-mean baseline overall")
    if not beats_active:
        why.append(f"does not beat {active_note} by the margin {margin}")
    for key, against in worse:
        row = comparisons[key][f"vs_{against}"]
        other = "predict-the-mean" if against == "baseline" else active_note
        why.append(f"{names.get(key, key)} is worse than {other} (MAE {_f(row['new_mae'])} vs {_f(row['other_mae'])}, "
                   f"{_pct(row['relative'])}, margin {RELATIVE_MAE_MARGIN:.0%})")
    if active is None:
        why.append(active_note)
    return False, f"held back: {'; '.join(why)} ({', '.join(overall)})", comparison


def learning_curve_and_readiness(*, data: ClientDataset, config: TrainConfig, result, fractions, client: Client,
                                 device: str) -> tuple[list[dict], dict]:
    """Held-out error against clean labels, and what reaching TASTEMAKER_TARGET_MAE would take."""
    train_set, held_out = data.dataset.subset(~data.held_out), data.dataset.subset(data.held_out)
    span = float(np.mean([c.high - c.low for c in data.spec.criteria]))
    points = learning_curve(train_set, tuple(fractions), config, eval_set=held_out, device=device) if fractions else []
    full = summarise(evaluate(predict_normalised(result.model, held_out.features), held_out.targets))["mae"]
    curve = [(int(p.n_labels), float(p.mae) * span) for p in points] + [(train_set.n_labels, float(full) * span)]
    target = settings.TASTEMAKER_TARGET_MAE
    needed = explain_labels_needed(curve, target)
    have = train_set.n_labels
    readiness = {"target_mae": target, "labels_now": have, "labels_needed": needed.n_labels, "reason": needed.reason,
                 "median_seconds_per_rating": data.median_rating_s, "overlap": client.overlap}
    if needed.n_labels is not None:
        extra = max(0, needed.n_labels - have)
        readiness["extra_labels"] = extra
        readiness["extra_creatives"] = math.ceil(extra / max(client.overlap, 1))
        seconds = data.median_rating_s or 0.0
        readiness["rater_hours"] = round(extra * seconds / 3600.0, 2)
        scale = needed.n_labels / max(have, 1)
        readiness["retrain_minutes"] = round(result.duration_s * scale / 60.0, 2)
    return [{"n_labels": n, "mae": round(m, 4)} for n, m in curve], readiness


def out_of_fold_predictions(*, client: Client, data: ClientDataset, model, config: TrainConfig, folds: int,
                            version_label: str, device: str, samples: int) -> int:
    """Predictions from models that did not see the creative, for the checker's model-disagreement flag.

    Held-out creatives are scored by the new model; training creatives by `folds` models each trained
    on the other folds (skipped when folds < 2).
    """
    n, k = data.dataset.targets.shape
    mean, std = np.full((n, k), np.nan, np.float32), np.full((n, k), np.nan, np.float32)
    held = np.flatnonzero(data.held_out)
    _fill(mean, std, held, model, data, samples)
    train_rows = np.flatnonzero(~data.held_out)
    if folds >= 2 and len(train_rows) >= 2 * folds:
        fold_of = np.random.default_rng(config.seed).permutation(len(train_rows)) % folds
        for fold in range(folds):
            fitted = train(data.dataset.subset(train_rows[fold_of != fold]), config, device=device).model
            _fill(mean, std, train_rows[fold_of == fold], fitted, data, samples)
    rows = [
        PredictionInput(data.creative_ids[i], data.criteria[j].id, float(mean[i, j]), float(std[i, j]))
        for i in range(n) for j in range(k) if not np.isnan(mean[i, j])
    ]
    return predictions_replace(client=client, predictions=rows, model_version=version_label, out_of_fold=True)


def store_active_predictions(*, client: Client, device: str, samples: int) -> int:
    """Score every live creative with the active model; the stored std ranks the rating queue."""
    version = ModelVersion.objects.filter(client=client, is_active=True).first()
    if version is None:
        return 0
    checkpoint = artifact_load(version=version, device=device)
    creatives = creative_feature_rows(client=client)
    features = feature_matrix_for(creatives=creatives, spec=checkpoint.spec, device=device)
    scored = predict_with_uncertainty(checkpoint.model, features, samples, spec=checkpoint.spec)
    known = set(criterion_list(client=client).values_list("id", flat=True))
    rows = [
        PredictionInput(creative.id, criterion_id, float(scored.mean[i, j]), float(scored.std[i, j]))
        for i, creative in enumerate(creatives)
        for j, criterion_id in enumerate(checkpoint.spec.criterion_ids) if criterion_id in known
    ]
    return predictions_replace(client=client, predictions=rows, model_version=f"v{version.version}", out_of_fold=False)


def _abs_errors(pred: np.ndarray, target: np.ndarray, ids: list[int]) -> dict[str, np.ndarray]:
    """|prediction - target| per row and criterion, NaN where the target is unknown."""
    errors = np.abs(np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64))
    return {str(criterion_id): errors[:, k] for k, criterion_id in enumerate(ids)}


def _pct(relative: float | None) -> str:
    return "no error to compare with" if relative is None else f"{relative:+.1%}"


def _json_keys(metrics: dict[int, dict]) -> dict[str, dict]:
    # JSONField would turn int keys into strings on save; doing it here keeps the metrics the same
    # before and after a round trip through the database.
    return {str(criterion_id): value for criterion_id, value in metrics.items()}


def _fill(mean: np.ndarray, std: np.ndarray, rows: np.ndarray, model, data: ClientDataset, samples: int) -> None:
    if len(rows) == 0:
        return
    scored = predict_with_uncertainty(model, data.dataset.features[rows], samples, spec=data.spec)
    mean[rows], std[rows] = scored.mean, scored.std


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
