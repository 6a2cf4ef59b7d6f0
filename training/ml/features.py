"""Feature assembly: metadata encoding, the stable FeatureSpec and the training dataset."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from training.ml.image_features import IMAGE_FEATURE_DIM
from training.ml.text_features import TEXT_EMBEDDING_DIM

# Numeric metadata appended after the one-hot blocks; order is part of the feature layout.
NUMERIC_METADATA = ("log_headline_chars", "log_body_chars", "has_image")
UNKNOWN = "__unknown__"


@dataclass(frozen=True)
class CreativeMetadata:
    """The non-content facts about a creative that the model sees."""

    channel: str
    format: str
    headline_chars: int = 0
    body_chars: int = 0
    has_image: bool = True


@dataclass(frozen=True)
class CriterionScale:
    """A rating criterion, by its stable id, and its scale, so 0..1 outputs map back to rating units.

    Criteria are keyed by id, never by name: names are editable, ids are not.
    """

    id: int
    low: float
    high: float


@dataclass(frozen=True)
class FeatureSpec:
    """Vocabularies and layout fixed at training time and reused unchanged at scoring time."""

    criteria: tuple[CriterionScale, ...]
    channels: tuple[str, ...]
    formats: tuple[str, ...]
    text_dim: int = TEXT_EMBEDDING_DIM
    image_dim: int = IMAGE_FEATURE_DIM

    @classmethod
    def fit(
        cls,
        *,
        criteria: list[CriterionScale],
        metadata: list[CreativeMetadata],
    ) -> FeatureSpec:
        """Build a spec whose vocabularies are the sorted values seen in training metadata."""
        return cls(
            criteria=tuple(criteria),
            channels=tuple(sorted({m.channel for m in metadata})),
            formats=tuple(sorted({m.format for m in metadata})),
        )

    @property
    def metadata_dim(self) -> int:
        """Width of the metadata block: one-hots with an unknown slot each, then numerics."""
        return len(self.channels) + 1 + len(self.formats) + 1 + len(NUMERIC_METADATA)

    @property
    def input_dim(self) -> int:
        """Width of the full feature matrix."""
        return self.text_dim + self.image_dim + self.metadata_dim

    @property
    def criterion_ids(self) -> list[int]:
        """Criterion ids in output-column order."""
        return [c.id for c in self.criteria]

    def normalise_targets(self, scores: np.ndarray) -> np.ndarray:
        """Map ratings (n, k) on each criterion's scale to 0..1; NaN stays NaN."""
        low, span = self._scale_arrays()
        return ((np.asarray(scores, dtype=np.float32) - low) / span).astype(np.float32)

    def denormalise(self, values: np.ndarray, *, is_spread: bool = False) -> np.ndarray:
        """Map 0..1 model outputs (or their spreads, which only scale) back to rating units."""
        low, span = self._scale_arrays()
        values = np.asarray(values, dtype=np.float32)
        return (values * span if is_spread else values * span + low).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (str/float/int/list only) for weights_only checkpoints."""
        return {
            "criteria": [[int(c.id), float(c.low), float(c.high)] for c in self.criteria],
            "channels": list(self.channels),
            "formats": list(self.formats),
            "text_dim": self.text_dim,
            "image_dim": self.image_dim,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Rebuild from `to_dict` output."""
        return cls(
            criteria=tuple(CriterionScale(_criterion_id(i), float(lo), float(hi)) for i, lo, hi in data["criteria"]),
            channels=tuple(data["channels"]),
            formats=tuple(data["formats"]),
            text_dim=int(data["text_dim"]),
            image_dim=int(data["image_dim"]),
        )

    def _scale_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([c.low for c in self.criteria], dtype=np.float32)
        span = np.array([c.high - c.low for c in self.criteria], dtype=np.float32)
        return low, np.where(span > 0, span, 1.0).astype(np.float32)


@dataclass
class TasteDataset:
    """Feature rows with 0..1 targets (NaN where a criterion has no label) and confidences."""

    features: np.ndarray
    targets: np.ndarray
    weights: np.ndarray | None = None
    # Clean labels behind each row's consensus, so learning curves count labels, not creatives.
    label_counts: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        self.features = np.asarray(self.features, dtype=np.float32)
        self.targets = np.asarray(self.targets, dtype=np.float32)
        if self.weights is None:
            self.weights = np.ones_like(self.targets)
        self.weights = np.asarray(self.weights, dtype=np.float32)
        if not (len(self.features) == len(self.targets) == len(self.weights)):
            raise ValueError("features, targets and weights must have the same number of rows")
        if self.targets.shape != self.weights.shape:
            raise ValueError("targets and weights must have the same shape")

    def __len__(self) -> int:
        return len(self.features)

    @property
    def n_labels(self) -> int:
        """Clean labels behind this dataset (labelled cells when counts are unknown)."""
        if self.label_counts is not None:
            return int(np.sum(self.label_counts))
        return int(np.sum(~np.isnan(self.targets)))

    def subset(self, index: np.ndarray) -> TasteDataset:
        """Rows selected by an integer or boolean index."""
        counts = None if self.label_counts is None else self.label_counts[index]
        return TasteDataset(self.features[index], self.targets[index], self.weights[index], counts)


def metadata_features(items: list[CreativeMetadata], spec: FeatureSpec) -> np.ndarray:
    """Encode metadata as (n, spec.metadata_dim) float32; unseen values go to an unknown slot."""
    out = np.zeros((len(items), spec.metadata_dim), dtype=np.float32)
    channel_index = {v: i for i, v in enumerate(spec.channels)}
    format_index = {v: i for i, v in enumerate(spec.formats)}
    format_offset = len(spec.channels) + 1
    numeric_offset = format_offset + len(spec.formats) + 1
    for row, item in enumerate(items):
        out[row, channel_index.get(item.channel, len(spec.channels))] = 1.0
        out[row, format_offset + format_index.get(item.format, len(spec.formats))] = 1.0
        out[row, numeric_offset:] = (
            math.log1p(max(item.headline_chars, 0)),
            math.log1p(max(item.body_chars, 0)),
            float(item.has_image),
        )
    return out


def build_feature_matrix(text_emb: np.ndarray, image_feat: np.ndarray, metadata_feat: np.ndarray) -> np.ndarray:
    """Concatenate the three blocks into one float32 matrix (standardised later, in the model)."""
    blocks = [np.asarray(b, dtype=np.float32) for b in (text_emb, image_feat, metadata_feat)]
    rows = {len(b) for b in blocks}
    if len(rows) != 1:
        raise ValueError(f"feature blocks disagree on row count: {sorted(rows)}")
    return np.concatenate(blocks, axis=1)


def standardisation_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and std of training features; constant columns get std 1."""
    mean = features.mean(axis=0, dtype=np.float64)
    std = features.std(axis=0, dtype=np.float64)
    std = np.where(std > 1e-6, std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


def _criterion_id(value: Any) -> int:
    # bool is an int subclass and a float id would be a rounding accident: accept real ints only.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"criterion id must be an integer, not {value!r}")
    return value
