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
    """Targets are the checker's clean consensus (else the mean of clean labels); empty criteria masked."""
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


def feature_matrix_for(*, creatives: list[Creative], spec: FeatureSpec, device: str | None = None) -> np.ndarray:
    """The feature matrix of `creatives` laid out as `spec` (a trained model's) expects."""
    features = creative_features(creatives=creatives, device=device)
    return build_feature_matrix(features.text, features.image, metadata_features(features.metadata, spec))


def _targets(*, client: Client, criteria: list[Criterion], labels: list[dict]):
    column = {c.id: k for k, c in enumerate(criteria)}
    by_cell: dict[tuple[int, int], list[int]] = {}
    for row in labels:
        if row["criterion_id"] in column:
            by_cell.setdefault((row["creative_id"], row["criterion_id"]), []).append(row["value"])
    consensus = {(r["creative_id"], r["criterion_id"]): r for r in clean_consensus_rows(client=client)}
    targets: dict[int, list[float]] = {}
    weights: dict[int, list[float]] = {}
    counts: dict[int, int] = {}
    for (creative_id, criterion_id), values in by_cell.items():
        row = targets.setdefault(creative_id, [np.nan] * len(criteria))
        weight = weights.setdefault(creative_id, [0.0] * len(criteria))
        checked = consensus.get((creative_id, criterion_id))
        k = column[criterion_id]
        if checked is not None:
            row[k], weight[k] = checked["clean_consensus"], float(checked["clean_weight"])
        else:
            # The checker has not stored a consensus for this cell yet: plain mean, confidence by count.
            row[k], weight[k] = float(np.mean(values)), min(1.0, len(values) / max(client.overlap, 1))
    for row in labels:
        counts[row["creative_id"]] = counts.get(row["creative_id"], 0) + 1
    per_rating = max(len(column), 1)
    counts = {cid: max(1, n // per_rating) for cid, n in counts.items()}
    return targets, weights, counts


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
