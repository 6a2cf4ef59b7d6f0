"""Per-rating flags: reasons as a bit mask, a severity per reason and the worst one per rating."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REASONS: tuple[str, ...] = ("outlier", "unreliable_rater", "too_fast", "straight_lining",
                            "repeat_inconsistent", "gold_miss", "model_disagreement")
REASON_BIT = {name: np.uint16(1 << index) for index, name in enumerate(REASONS)}
SEVERITIES: tuple[str, ...] = ("none", "low", "medium", "high")


@dataclass(frozen=True)
class QualityThresholds:
    """Flag thresholds. Distances are fractions of the criterion's scale range (max - min)."""

    # Outlier: bias-corrected distance to the LOO consensus over the item's spread (a z-score);
    # 3 keeps a careful rater's ordinary +-1 disagreements unflagged on a 1..5 scale.
    outlier_z: float = 3.0
    # ... and at least this far in scale terms, so items where everyone agrees do not flag a
    # one-step difference just because their spread is tiny.
    outlier_min_distance: float = 0.3
    # z at or above which an outlier is high severity.
    outlier_high_z: float = 5.0
    # Rater reliability (correlation with the LOO consensus) below this flags all their labels,
    # but only once the evidence is strong: the upper end of its one-sided interval (Fisher z,
    # `unreliable_confidence`) must be below it, not just the point estimate. Careful raters on
    # simulated and real data sit at 0.6-0.9, guessing at about 0; with 0 the interval clears 0.4
    # from 19 compared ratings on (0.3 would need 32, more than a spammer often gives).
    unreliable_reliability: float = 0.4
    unreliable_confidence: float = 0.95
    # Rater-level flags (unreliable, straight-lining) need this many labels to be trusted.
    min_rater_ratings: int = 20
    # A rating faster than this fraction of the team's median duration is too fast to be read.
    too_fast_fraction: float = 0.25
    # Straight-lining: the rater's modal value takes at least this share of their labels ...
    straight_line_share: float = 0.8
    # ... and exceeds the consensus share of that value on the same items by this much.
    straight_line_excess: float = 0.3
    # Repeat inconsistent when |repeat - first| exceeds this (1 point on 1..5 is tolerated).
    repeat_tolerance: float = 0.25
    # Gold miss when |value - gold| exceeds this (1 point on 1..5 is tolerated).
    gold_tolerance: float = 0.25
    # Model disagreement: |value - prediction| above this while the model's sd is below the next.
    model_distance: float = 0.4
    model_confident_std: float = 0.1
    # Ratings whose worst reason reaches this severity are "flagged"; 1 means any reason.
    flag_min_severity: int = 1


@dataclass(frozen=True)
class RatingFlags:
    """Per-rating flags in the table's row order."""

    reasons: np.ndarray  # uint16 bit mask over REASONS
    severity: np.ndarray  # int8 index into SEVERITIES
    outlier_z: np.ndarray  # float, NaN where not computed
    flagged: np.ndarray  # bool: severity >= thresholds.flag_min_severity

    def reason_names(self, row: int) -> list[str]:
        """Names of the reasons set on one rating."""
        mask = int(self.reasons[row])
        return [name for index, name in enumerate(REASONS) if mask & (1 << index)]


class FlagBuilder:
    """Accumulates reasons and severities over a table's rows, one rule at a time."""

    def __init__(self, n_rows: int) -> None:
        self.reasons = np.zeros(n_rows, dtype=np.uint16)
        self.severity = np.zeros(n_rows, dtype=np.int8)
        self.outlier_z = np.full(n_rows, np.nan)

    def add(self, reason: str, rows: np.ndarray, severity: np.ndarray | int) -> None:
        """Set `reason` on the rows (indices or a mask) with the given severity (1..3)."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        self.reasons[rows] |= REASON_BIT[reason]
        self.severity[rows] = np.maximum(self.severity[rows], severity)

    def build(self, thresholds: QualityThresholds) -> RatingFlags:
        """Freeze into RatingFlags with the flagged decision applied."""
        flagged = self.severity >= thresholds.flag_min_severity
        return RatingFlags(self.reasons, self.severity, self.outlier_z, flagged)


def reliability_upper_bound(reliability: np.ndarray, n_compared: np.ndarray,
                            confidence: float) -> np.ndarray:
    """One-sided upper confidence bound of a correlation from n pairs (Fisher z; inf if n < 4)."""
    z_crit = _normal_quantile(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.arctanh(np.clip(reliability, -0.999999, 0.999999))
        upper = np.tanh(z + z_crit / np.sqrt(np.maximum(n_compared - 3.0, 1e-12)))
    return np.where(n_compared >= 4, upper, np.inf)


def _normal_quantile(p: float) -> float:
    """Standard normal quantile by bisection on erf (numpy has no ppf; p in (0.5, 1))."""
    from math import erf, sqrt
    low, high = 0.0, 10.0
    for _ in range(80):
        mid = (low + high) / 2
        if 0.5 * (1 + erf(mid / sqrt(2))) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def outlier_scores(*, items: np.ndarray, values: np.ndarray, loo_consensus: np.ndarray,
                   loo_uncertainty: np.ndarray, rater_bias: np.ndarray, n_items: int) -> np.ndarray:
    """Bias-corrected |value - LOO consensus| over the item's spread, per rating (NaN if alone).

    The item's spread is the sd of the other labels on the item, shrunk towards the pooled
    within-item sd with 4 pseudo-degrees of freedom (3-5 labels give a very noisy sd on their
    own), combined with the LOO consensus's own uncertainty.
    """
    count = np.bincount(items, minlength=n_items).astype(float)
    total = np.bincount(items, weights=values, minlength=n_items)
    squares = np.bincount(items, weights=values * values, minlength=n_items)
    others = count[items] - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_others = (total[items] - values) / others
        ss_others = np.maximum(squares[items] - values * values - others * mean_others**2, 0.0)
        item_ss = np.maximum(squares - total * total / count, 0.0)
        pooled = np.sum(item_ss[count >= 2]) / max(np.sum(count[count >= 2] - 1.0), 1.0)
        dof = np.maximum(others - 1.0, 0.0)
        spread2 = (ss_others + 4.0 * pooled) / (dof + 4.0)
        loo_var = np.where(np.isfinite(loo_uncertainty), loo_uncertainty**2, np.nan)
        distance = np.abs(values - rater_bias - loo_consensus)
        return distance / np.sqrt(spread2 + loo_var + 1e-12)
