"""A client's training data: one example per creative with a clean label, its features and targets.

Criteria are keyed by id here and in everything stored from here (spec, snapshot): names are
editable, so they are looked up only where a page or an answer shows them.
"""
import hashlib
import statistics
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from feedback.models import Client, Creative, Criterion
from feedback.selectors import creative_feature_rows, criterion_list
from review.quality import RATING_STATUSES, CriterionSpec, clean_consensus, training_weights
from review.selectors import clean_consensus_rows, clean_label_rows, criterion_agreement_overall
from training.ml import (
    HELD_OUT_FRACTION,
    CriterionScale,
    FeatureSpec,
    TasteDataset,
    build_feature_matrix,
    held_out_split,
    metadata_features,
)
from training.services.features import creative_features


@dataclass
class ClientDataset:
    """Examples in creative-id order with the fixed held-out mask and the model-card snapshot."""

    creative_ids: list[int]
    dataset: TasteDataset
    spec: FeatureSpec
    held_out: np.ndarray
    criteria: list[Criterion]
    snapshot: dict
    median_rating_s: float | None
    feature_counts: dict = field(default_factory=dict)


def client_dataset_build(
    *, client: Client, held_out_fraction: float = HELD_OUT_FRACTION, device: str | None = None, on_progress=None
) -> ClientDataset:
    """Targets are the checker's clean consensus of each creative and criterion; empty criteria masked."""
    criteria = list(criterion_list(client=client, active_only=True))
    labels = clean_label_rows(client=client)
    targets, weights, counts = _targets(client=client, criteria=criteria, labels=labels)
    creative_ids = sorted(targets)
    creatives = _in_order(creative_feature_rows(client=client, creative_ids=creative_ids), creative_ids)
    features = creative_features(creatives=creatives, device=device, on_progress=on_progress)
    spec = FeatureSpec.fit(
        criteria=[CriterionScale(c.id, float(c.scale_min), float(c.scale_max)) for c in criteria],
        metadata=features.metadata,
    )
    matrix = build_feature_matrix(features.text, features.image, metadata_features(features.metadata, spec))
    raw = np.array([targets[cid] for cid in creative_ids], dtype=np.float32).reshape(len(creative_ids), len(criteria))
    dataset = TasteDataset(
        features=matrix, targets=spec.normalise_targets(raw),
        weights=np.array([weights[cid] for cid in creative_ids], dtype=np.float32).reshape(raw.shape),
        label_counts=np.array([counts[cid] for cid in creative_ids], dtype=np.int64),
    )
    held_out = held_out_split([str(cid) for cid in creative_ids], held_out_fraction, salt=f"client:{client.id}")
    return ClientDataset(
        creative_ids=creative_ids, dataset=dataset, spec=spec, held_out=held_out, criteria=criteria,
        snapshot=_snapshot(client=client, criteria=criteria, labels=labels, creative_ids=creative_ids),
        median_rating_s=_median_seconds(labels), feature_counts=features.computed,
    )


@dataclass
class CleanTargets:
    """The clean consensus of each creative with clean labels, in creative-id order (rating points)."""

    creative_ids: list[int]
    criteria: list[Criterion]
    targets: np.ndarray  # (creatives, criteria), NaN where a creative has no clean label on a criterion


def client_clean_targets(*, client: Client, limit: int | None = None) -> CleanTargets:
    """The targets a model of this client would train on, without features; the newest `limit` creatives."""
    criteria = list(criterion_list(client=client, active_only=True))
    targets, _, _ = _targets(client=client, criteria=criteria, labels=clean_label_rows(client=client))
    creative_ids = sorted(targets)
    if limit is not None:
        creative_ids = creative_ids[-limit:]
    raw = np.array([targets[cid] for cid in creative_ids], dtype=np.float64).reshape(len(creative_ids), len(criteria))
    return CleanTargets(creative_ids=creative_ids, criteria=criteria, targets=raw)


def feature_matrix_for(*, creatives: list[Creative], spec: FeatureSpec, device: str | None = None) -> np.ndarray:
    """The feature matrix of `creatives` laid out as `spec` (a trained model's) expects."""
    features = creative_features(creatives=creatives, device=device)
    return build_feature_matrix(features.text, features.image, metadata_features(features.metadata, spec))


def _targets(*, client: Client, criteria: list[Criterion], labels: list[dict]):
    """Per creative with clean labels: the checker's clean consensus and weight per criterion.

    The checker stores a clean consensus for every cell with a clean label. A cell whose labels
    became clean or accepted since its last run (a reviewer's accept, before the recompute it
    asks for has stored) has none yet: it gets the same consensus, from the same core function,
    on its clean labels now, rather than waiting out a run or being averaged another way.
    """
    column = {c.id: k for k, c in enumerate(criteria)}
    labels = [row for row in labels if row["criterion_id"] in column]
    cells = {(row["creative_id"], row["criterion_id"]) for row in labels}
    checked = {
        (r["creative_id"], r["criterion_id"]): (r["clean_consensus"], float(r["clean_weight"]))
        for r in clean_consensus_rows(client=client)
    }
    unchecked = [row for row in labels if (row["creative_id"], row["criterion_id"]) not in checked]
    checked.update(_clean_consensus_of(unchecked, criteria=criteria, overlap=client.overlap))
    targets: dict[int, list[float]] = {}
    weights: dict[int, list[float]] = {}
    for creative_id, criterion_id in cells:
        row = targets.setdefault(creative_id, [np.nan] * len(criteria))
        weight = weights.setdefault(creative_id, [0.0] * len(criteria))
        row[column[criterion_id]], weight[column[criterion_id]] = checked[(creative_id, criterion_id)]
    counts: dict[int, int] = {}
    for row in labels:
        counts[row["creative_id"]] = counts.get(row["creative_id"], 0) + 1
    per_rating = max(len(column), 1)
    counts = {cid: max(1, n // per_rating) for cid, n in counts.items()}
    return targets, weights, counts


def _clean_consensus_of(labels: list[dict], *, criteria: list[Criterion], overlap: int) -> dict:
    """(creative, criterion) -> (clean consensus, weight) of clean labels, by the checker's core."""
    if not labels:
        return {}
    column = {c.id: k for k, c in enumerate(criteria)}
    creative_ids, item = np.unique([row["creative_id"] for row in labels], return_inverse=True)
    _, rater = np.unique([row["rater_id"] for row in labels], return_inverse=True)
    criterion = np.array([column[row["criterion_id"]] for row in labels], dtype=np.int64)
    specs = [CriterionSpec(level=c.level, scale=(float(c.scale_min), float(c.scale_max))) for c in criteria]
    clean = clean_consensus(
        item=item, rater=rater, criterion=criterion, value=np.array([row["value"] for row in labels], dtype=float),
        kind=None, status=np.full(len(labels), RATING_STATUSES.index("clean")), specs=specs,
        n_items=creative_ids.size, n_raters=int(rater.max()) + 1,
    )
    cell_item, cell_criterion = np.divmod(np.flatnonzero(clean.count), len(criteria))
    key = clean.key(cell_item, cell_criterion)
    weight = training_weights(n_clean=clean.count[key], uncertainty=clean.uncertainty[key], criterion=cell_criterion,
                              specs=specs, overlap=overlap)
    return {
        (int(creative_ids[i]), criteria[k].id): (float(value), float(w))
        for i, k, value, w in zip(cell_item.tolist(), cell_criterion.tolist(), clean.value[key].tolist(),
                                  weight.tolist(), strict=True)
    }


def _in_order(creatives: list[Creative], ids: list[int]) -> list[Creative]:
    by_id = {c.id: c for c in creatives}
    return [by_id[i] for i in ids]


def _snapshot(*, client: Client, criteria: list[Criterion], labels: list[dict], creative_ids: list[int]) -> dict:
    times = [row["submitted_at"] for row in labels]
    alpha = criterion_agreement_overall(client=client)
    digest = hashlib.sha256()
    for row in labels:
        digest.update(f"{row['rating_id']}:{row['criterion_id']}:{row['value']};".encode())
    return {
        "label_count": len({row["rating_id"] for row in labels}),
        "creative_count": len(creative_ids),
        "date_from": min(times).isoformat() if times else None,
        "date_to": max(times).isoformat() if times else None,
        "raters": len({row["rater_id"] for row in labels}),
        "criteria": [c.id for c in criteria],
        "agreement": {str(c.id): alpha.get(c.id) for c in criteria},
        "hash": digest.hexdigest(),
        # Examples with a clean rating newer than this count toward the next retrain threshold.
        "max_rating_id": max((row["rating_id"] for row in labels), default=0),
        "clean_labels_at": timezone.now().isoformat(),
    }


def _median_seconds(labels: list[dict]) -> float | None:
    durations = {row["rating_id"]: row["duration_ms"] for row in labels if row["duration_ms"]}
    return statistics.median(durations.values()) / 1000.0 if durations else None
