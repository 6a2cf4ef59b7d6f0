"""Learning curve: held-out error against labels, and the labels a target error needs."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.optimize import curve_fit

from training.ml.config import TrainConfig
from training.ml.evaluate import evaluate, summarise
from training.ml.features import TasteDataset
from training.ml.predict import predict_normalised
from training.ml.train import train

# Beyond this many labels an extrapolation says more about the fit than about the client.
MAX_EXTRAPOLATED_LABELS = 10_000_000


class LearningCurvePoint(NamedTuple):
    """Mean held-out MAE (0..1 scale) of a model trained on n_labels clean labels."""

    n_labels: int
    mae: float


class LabelsNeeded(NamedTuple):
    """How many labels reach a target error, or None with the reason it cannot be said."""

    n_labels: int | None
    reason: str


def learning_curve(
    dataset: TasteDataset,
    fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0),
    config: TrainConfig | None = None,
    eval_set: TasteDataset | None = None,
    *,
    device: str | None = None,
) -> list[LearningCurvePoint]:
    """Train on nested seeded subsets of `dataset` and score each model on `eval_set`."""
    if eval_set is None:
        raise ValueError("learning_curve needs a held-out eval_set")
    config = config or TrainConfig()
    order = np.random.default_rng(config.seed).permutation(len(dataset))
    points = []
    for fraction in sorted(fractions):
        subset = dataset.subset(np.sort(order[: max(2, round(fraction * len(dataset)))]))
        model = train(subset, config, device=device).model
        mae = summarise(evaluate(predict_normalised(model, eval_set.features), eval_set.targets))["mae"]
        points.append(LearningCurvePoint(subset.n_labels, float("nan") if mae is None else mae))
    return points


def extrapolate_labels_needed(
    points: list[LearningCurvePoint] | list[tuple[int, float]], target_mae: float
) -> int | None:
    """Labels needed for `target_mae` from a power-law fit; None when it cannot be said."""
    return explain_labels_needed(points, target_mae).n_labels


def explain_labels_needed(
    points: list[LearningCurvePoint] | list[tuple[int, float]], target_mae: float
) -> LabelsNeeded:
    """Fit mae = a * n^-b + c to the curve and solve for n, saying why when that fails."""
    pts = sorted((int(n), float(m)) for n, m in points if n > 0 and math.isfinite(m))
    if len(pts) < 3:
        return LabelsNeeded(None, "need at least 3 learning-curve points")
    reached = [n for n, mae in pts if mae <= target_mae]
    if reached:
        return LabelsNeeded(reached[0], "target already reached on the curve")
    n, mae = np.array(pts, dtype=np.float64).T
    if mae[-1] >= mae[0]:
        return LabelsNeeded(None, "error does not fall with more labels")
    a, b, c = _fit_power_law(n, mae)
    if b <= 0 or a <= 0:
        return LabelsNeeded(None, "error does not fall with more labels")
    if target_mae <= c:
        return LabelsNeeded(None, f"target is below the fitted error floor {c:.4f}")
    needed = (a / (target_mae - c)) ** (1.0 / b)
    if needed > MAX_EXTRAPOLATED_LABELS:
        return LabelsNeeded(None, "target needs more labels than can be credibly extrapolated")
    return LabelsNeeded(math.ceil(needed), "power-law extrapolation")


def fit_learning_curve(
    points: list[LearningCurvePoint] | list[tuple[int, float]],
) -> tuple[float, float, float] | None:
    """(a, b, c) of mae = a * n^-b + c, the same fit `explain_labels_needed` solves; None under 3 points."""
    pts = sorted((int(n), float(m)) for n, m in points if n > 0 and math.isfinite(m))
    if len(pts) < 3:
        return None
    n, mae = np.array(pts, dtype=np.float64).T
    return _fit_power_law(n, mae)


def _fit_power_law(n: np.ndarray, mae: np.ndarray) -> tuple[float, float, float]:
    # Three parameters on a handful of noisy points: fall back to the floor-free log-log line
    # (c = 0) whenever the nonlinear fit does not converge.
    try:
        params, _ = curve_fit(
            lambda x, a, b, c: a * np.power(x, -b) + c,
            n,
            mae,
            p0=(mae[0] * n[0] ** 0.5, 0.5, 0.0),
            bounds=([0.0, 0.0, 0.0], [np.inf, 5.0, float(mae.min())]),
            maxfev=20_000,
        )
        return float(params[0]), float(params[1]), float(params[2])
    except (RuntimeError, ValueError):
        slope, intercept = np.polyfit(np.log(n), np.log(mae), 1)
        return float(math.exp(intercept)), float(-slope), 0.0
