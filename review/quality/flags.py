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
    # Rater-level flags judge a rater on everything they did, and only once the evidence is
    # strong: a one-sided interval at `rater_confidence`, never a point estimate. The evidence is
    # the rater's labels compared with a consensus, discounted by how much the labels of one
    # rating move together (the design effect of the residuals' within-rating correlation), so
    # three criteria of one rating count as three labels only when their errors are independent.
    rater_confidence: float = 0.95
    # Unreliable when the reliability (correlation with the LOO consensus) is surely below this:
    # careful raters on simulated and real data sit at 0.6-0.9, guessing at about 0 ...
    unreliable_reliability: float = 0.4
    # ... or when the rater's labels are surely this many times as far (in variance) from the
    # others' consensus as the team's labels are (bias removed, so a harsh rater is not noisy;
    # the bias itself shrunk by empirical Bayes, so a guesser's few labels cannot explain their
    # distance away as bias). Careful raters with noise sd 0.4-0.6 on 1..5 sit at 0.3-1.0,
    # guessing at 3-6.
    unreliable_noise_ratio: float = 1.2
    # ... and only when that noise is surely above this fraction of the scale's range (sd):
    # relative to the team alone, a careful rater among very precise ones would look noisy.
    # Careful raters (sd <= 0.6 on 1..5) sit at 0.15-0.18 with rounding and bias, guessing at 0.4.
    noise_limit: float = 0.2
    # Labels a rater needs before the check_labels summary names them (the flags need none).
    min_rater_ratings: int = 20
    # A rating faster than this fraction of the team's median duration is too fast to be read.
    too_fast_fraction: float = 0.25
    # Straight-lining: the share of a rater's labels at their modal value of each criterion is
    # surely (lower end of its one-sided interval) at least this (a harsh rater at -1.2 on 1..5
    # gives about half their labels at the floor: below it) ...
    straight_line_share: float = 0.6
    # ... and this much above the share a rater like the others would give that value on the
    # same items (so a team whose items mostly are 4s does not make its raters straight-liners).
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
        # Signed, bias-corrected residual over the item's spread (graded criteria; NaN elsewhere):
        # the evidence of the rater-level rules.
        self.residual_z = np.full(n_rows, np.nan)

    def add(self, reason: str, rows: np.ndarray, severity: np.ndarray | int) -> None:
        """Set `reason` on the rows (indices or a mask) with the given severity (1..3)."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        self.reasons[rows] |= REASON_BIT[reason]
        self.severity[rows] = np.maximum(self.severity[rows], severity)

    def build(self, thresholds: QualityThresholds) -> RatingFlags:
        """Freeze into RatingFlags with the flagged decision applied."""
        flagged = self.severity >= thresholds.flag_min_severity
        return RatingFlags(self.reasons, self.severity, self.outlier_z, flagged)


def noise_ratio_lower_bound(mean_square: np.ndarray, n_eff: np.ndarray,
                            confidence: float) -> np.ndarray:
    """One-sided lower bound of a variance ratio from a mean of n squared z-scores (0 if n < 2).

    n * mean_square / ratio follows a chi-square with n degrees of freedom when the labels are
    as noisy as the reference; the bound is the ratio at which the observed sum would sit at the
    `confidence` quantile.
    """
    n_eff = np.asarray(n_eff, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = np.nan_to_num(mean_square) * n_eff / chi2_quantile(confidence, n_eff)
    return np.where(n_eff >= 2, bound, 0.0)


def share_lower_bound(share: np.ndarray, n_eff: np.ndarray, confidence: float) -> np.ndarray:
    """One-sided Wilson lower bound of a proportion observed over n trials (0 if n < 1)."""
    z = _normal_quantile(confidence)
    n = np.maximum(np.asarray(n_eff, dtype=float), 1e-12)
    p = np.clip(np.nan_to_num(share), 0.0, 1.0)
    centre = p + z * z / (2 * n)
    margin = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.where(n_eff >= 1, (centre - margin) / (1 + z * z / n), 0.0)


def chi2_quantile(p: float, dof: np.ndarray) -> np.ndarray:
    """Chi-square quantile by the Wilson-Hilferty cube (within 1% from 2 degrees of freedom)."""
    dof = np.maximum(np.asarray(dof, dtype=float), 1e-12)
    h = 2.0 / (9.0 * dof)
    return dof * np.maximum(1.0 - h + _normal_quantile(p) * np.sqrt(h), 0.0) ** 3


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
    """Bias-corrected |value - LOO consensus| over the item's spread, per rating (NaN if alone)."""
    scale = residual_scale(items=items, values=values, loo_uncertainty=loo_uncertainty,
                           n_items=n_items)
    return np.abs(values - rater_bias - loo_consensus) / scale


def residual_scale(*, items: np.ndarray, values: np.ndarray, loo_uncertainty: np.ndarray,
                   n_items: int) -> np.ndarray:
    """The sd a label's distance from its LOO consensus has when the rater is like the others.

    The item's spread is the sd of the other labels on the item, shrunk towards the pooled
    within-item sd with 4 pseudo-degrees of freedom (3-5 labels give a very noisy sd on their
    own), combined with the LOO consensus's own uncertainty; NaN for a label alone on its item.
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
        return np.sqrt(spread2 + loo_var + 1e-12)


def rounded_normal_probability(value: np.ndarray, mean: np.ndarray, sd: np.ndarray,
                               low: float, high: float) -> np.ndarray:
    """P(a label is `value`) when labels are N(mean, sd) rounded to the scale low..high."""
    upper = np.where(value >= high, np.inf, (value + 0.5 - mean) / sd)
    lower = np.where(value <= low, -np.inf, (value - 0.5 - mean) / sd)
    return _normal_cdf(upper) - _normal_cdf(lower)


def pooled_reliability_upper_bound(z_sum: np.ndarray, weight: np.ndarray, deff: np.ndarray,
                                   confidence: float) -> np.ndarray:
    """Upper bound of a reliability pooled over criteria in Fisher z (inf without evidence).

    Each criterion with n >= 4 compared labels adds (n - 3) * atanh(r) to `z_sum` and n - 3 to
    `weight`: the inverse-variance pooled z has sd sqrt(deff / weight).
    """
    z_crit = _normal_quantile(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        upper = np.tanh(z_sum / weight + z_crit * np.sqrt(deff / weight))
    return np.where(weight > 0, upper, np.inf)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF by Abramowitz & Stegun 7.1.26 (error below 1.5e-7), vectorised."""
    x = np.asarray(x, dtype=float)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x) / np.sqrt(2.0))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    with np.errstate(over="ignore", invalid="ignore"):
        erf = 1.0 - poly * np.exp(-x * x / 2.0)
    return np.where(np.isnan(x), np.nan, 0.5 * (1.0 + np.sign(x) * np.nan_to_num(erf, nan=1.0)))
