"""Long-format rating input for the checker: one row per label, as flat numpy columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS: tuple[str, ...] = ("normal", "repeat", "gold", "calibration")
KIND_NORMAL, KIND_REPEAT, KIND_GOLD, KIND_CALIBRATION = range(4)


@dataclass(frozen=True)
class RatingTable:
    """Ratings as int-coded columns; optional columns are None when the service has no data.

    `gold_value` is NaN on rows without a gold answer; `model_prediction` / `model_std` are
    out-of-fold model outputs on the criterion's scale (NaN where the model has none).
    """

    item: np.ndarray
    rater: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    duration_ms: np.ndarray | None = None
    kind: np.ndarray | None = None
    gold_value: np.ndarray | None = None
    week: np.ndarray | None = None
    model_prediction: np.ndarray | None = None
    model_std: np.ndarray | None = None
    item_labels: Sequence[Any] | None = None
    rater_labels: Sequence[Any] | None = None
    criterion_labels: Sequence[Any] | None = field(default=None)

    def __post_init__(self) -> None:
        n = len(self.value)
        for name in ("item", "rater", "criterion", "duration_ms", "kind", "gold_value", "week",
                     "model_prediction", "model_std"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"column {name} has {len(column)} rows, value has {n}")

    def __len__(self) -> int:
        return len(self.value)


def rating_table_from_columns(
    *,
    item: Sequence[Any],
    rater: Sequence[Any],
    criterion: Sequence[Any] | None = None,
    value: Sequence[float],
    duration_ms: Sequence[float] | None = None,
    kind: Sequence[str] | None = None,
    gold_value: Sequence[float] | None = None,
    week: Sequence[int] | None = None,
) -> RatingTable:
    """Build a RatingTable from raw labels (strings or ids), coding items, raters and criteria."""
    item_labels, item_codes = np.unique(np.asarray(item), return_inverse=True)
    rater_labels, rater_codes = np.unique(np.asarray(rater), return_inverse=True)
    criterion = ["default"] * len(value) if criterion is None else criterion
    criterion_labels, criterion_codes = np.unique(np.asarray(criterion), return_inverse=True)
    return RatingTable(
        item=item_codes, rater=rater_codes, criterion=criterion_codes,
        value=np.asarray(value, dtype=float),
        duration_ms=None if duration_ms is None else np.asarray(duration_ms, dtype=float),
        kind=None if kind is None else kind_codes(kind),
        gold_value=None if gold_value is None else np.asarray(gold_value, dtype=float),
        week=None if week is None else np.asarray(week, dtype=np.int64),
        item_labels=item_labels.tolist(), rater_labels=rater_labels.tolist(),
        criterion_labels=criterion_labels.tolist(),
    )


def kind_codes(kinds: Sequence[str]) -> np.ndarray:
    """Map kind names to codes; empty strings count as normal ratings."""
    names = np.asarray([k or "normal" for k in kinds])
    unknown = set(np.unique(names)) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown rating kinds {sorted(unknown)}; expected {KINDS}")
    lookup = {name: code for code, name in enumerate(KINDS)}
    return np.array([lookup[name] for name in names], dtype=np.int8)
