"""Held-out metrics per criterion, the predict-the-mean baseline and the promotion rule.

Metrics are keyed by criterion id (`FeatureSpec.criterion_ids`); callers that store them as JSON
turn the ids into strings, and the rules here accept either key type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypedDict

import numpy as np
from scipy import stats

# Promotion tolerates this much lower mean Spearman, since MAE is the primary objective and
# Spearman on a few dozen held-out creatives moves by a few hundredths from noise alone.
SPEARMAN_TOLERANCE = 0.02


class CriterionMetrics(TypedDict):
    """Metrics of one criterion on a held-out set; spearman is None when undefined."""

    mae: float | None
    spearman: float | None
    n: int


def evaluate(
    pred: np.ndarray,
    target: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    criteria: list[int] | None = None,
) -> dict[int, CriterionMetrics]:
    """MAE and Spearman per criterion id (column index when no ids are given) over the cells where
    mask is True and target is known."""
    pred, target = np.asarray(pred, dtype=np.float64), np.asarray(target, dtype=np.float64)
    present = ~np.isnan(target)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        # A row mask (n,) selects creatives; a cell mask (n, k) selects single labels.
        present &= mask[:, None] if mask.ndim == 1 else mask
    ids = list(range(target.shape[1])) if criteria is None else criteria
    if len(ids) != target.shape[1]:
        raise ValueError(f"{len(ids)} criterion ids for {target.shape[1]} target columns")
    return {cid: _criterion_metrics(pred[present[:, k], k], target[present[:, k], k]) for k, cid in enumerate(ids)}


def mean_baseline(train_targets: np.ndarray, n_rows: int | None = None) -> np.ndarray:
    """Predict each criterion's training mean for every row (n_rows, default as many as given)."""
    targets = np.asarray(train_targets, dtype=np.float64)
    means = np.array([_nanmean(targets[:, k]) for k in range(targets.shape[1])])
    rows = len(targets) if n_rows is None else n_rows
    return np.tile(means, (rows, 1)).astype(np.float32)


def summarise(metrics: Mapping[int | str, CriterionMetrics]) -> dict[str, float | None]:
    """Mean MAE and mean Spearman over the criteria where each is defined."""
    maes = [m["mae"] for m in metrics.values() if m["mae"] is not None]
    rhos = [m["spearman"] for m in metrics.values() if m["spearman"] is not None]
    return {
        "mae": float(np.mean(maes)) if maes else None,
        "spearman": float(np.mean(rhos)) if rhos else None,
    }


def is_better(
    new_metrics: Mapping[int | str, CriterionMetrics],
    active_metrics: Mapping[int | str, CriterionMetrics] | None,
    margin: float = 0.0,
    spearman_tolerance: float = SPEARMAN_TOLERANCE,
) -> bool:
    """Promotion rule: mean MAE lower by at least `margin`, mean Spearman not lower by more
    than `spearman_tolerance`; both on the same held-out set. No active model: promote."""
    if active_metrics is None:
        return True
    new, active = summarise(new_metrics), summarise(active_metrics)
    if new["mae"] is None:
        return False
    if active["mae"] is None:
        return True
    if new["mae"] > active["mae"] - margin:
        return False
    if new["spearman"] is None or active["spearman"] is None:
        return True
    return new["spearman"] >= active["spearman"] - spearman_tolerance


def _criterion_metrics(pred: np.ndarray, target: np.ndarray) -> CriterionMetrics:
    n = len(target)
    if n == 0:
        return {"mae": None, "spearman": None, "n": 0}
    mae = float(np.mean(np.abs(pred - target)))
    rho = None
    # Rank correlation is undefined with fewer than 3 points or a constant side.
    if n >= 3 and np.ptp(pred) > 0 and np.ptp(target) > 0:
        value = float(stats.spearmanr(pred, target).statistic)
        rho = None if math.isnan(value) else value
    return {"mae": mae, "spearman": rho, "n": n}


def _nanmean(values: np.ndarray) -> float:
    known = values[~np.isnan(values)]
    # A criterion with no training labels predicts the scale's midpoint (targets are 0..1).
    return float(known.mean()) if len(known) else 0.5
