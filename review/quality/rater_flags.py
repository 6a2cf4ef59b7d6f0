"""Rater-level flags (unreliable, straight-lining) from intervals on everything a rater did.

A rater is judged once, over all criteria, and only once the evidence is strong: a one-sided
interval at `QualityThresholds.rater_confidence`, never a point estimate. The evidence is the
rater's labels on items others rated too (a lone rating has nothing to be compared with),
discounted by the design effect of the labels of one rating moving together, so three criteria
of one rating count as three labels only when their errors are independent. Per criterion,
`rater_evidence` sums what the rules need; `flag_raters` weighs the sums over all criteria.
"""

from __future__ import annotations

import numpy as np

from review.quality.consensus import Consensus
from review.quality.flags import (
    FlagBuilder,
    QualityThresholds,
    noise_ratio_lower_bound,
    pooled_reliability_upper_bound,
    rounded_normal_probability,
    share_lower_bound,
)
from review.quality.table import KIND_REPEAT

# Per-rater evidence, summed over criteria (RaterStats columns, not in the JSON): labels compared;
# Fisher z of the reliability weighted by labels - 3 and that weight; the squared residual z of
# the compared labels (graded criteria), how many, and the same residuals against the scale's
# noise limit; labels at the rater's modal value, how many of those a rater like the others
# would give, and of how many compared labels.
EVIDENCE_FIELDS = ("n_compared_labels", "fisher_z_sum", "fisher_weight", "z2_sum", "z2_count",
                   "limit_z2_sum", "modal_count", "modal_expected", "modal_labels")


def shrunk_bias(*, bias: np.ndarray, n_compared: np.ndarray, residual: np.ndarray,
                raters: np.ndarray) -> np.ndarray:
    """Each rater's bias shrunk toward 0 by empirical Bayes (normal prior, moment estimates).

    Residuals are bias-corrected so a harsh rater is not an outlier; but a bias from a handful
    of labels is mostly those labels' own noise, and removing it in full would hide a guesser's
    distance from the consensus behind their "bias". With per-label residual variance s2 and
    the spread t2 of true biases across raters (mean of bias^2 - s2 / n), a rater's bias keeps
    the share t2 / (t2 + s2 / n) of itself. `residual` is value - LOO consensus per label.
    """
    n, bias = np.nan_to_num(n_compared), np.nan_to_num(bias)
    finite = np.isfinite(residual)
    if not finite.any():
        return bias
    s2 = float(np.mean((residual[finite] - bias[raters[finite]]) ** 2))
    present = n > 0
    t2 = max(float(np.mean(bias[present] ** 2 - s2 / n[present])), 1e-3 * s2)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.where(present, t2 / (t2 + s2 / np.maximum(n, 1e-12)), 0.0)
    return bias * keep


def rater_evidence(*, raters: np.ndarray, values: np.ndarray, consensus: Consensus, stats: dict,
                   residual_z: np.ndarray, scale: np.ndarray, graded: bool, limit: float,
                   n_raters: int) -> dict[str, np.ndarray]:
    """Per rater, one criterion's share of the evidence (EVIDENCE_FIELDS) for `flag_raters`.

    Rows are the criterion's labels (repeats left out); `stats` holds the criterion's rater
    statistics (reliability, n_compared, modal_value, shrunk_bias); `residual_z` is each label's
    bias-corrected residual over `scale`, the sd it has for a rater like the others. Straight-
    lining compares the labels at the modal value with the chance that a rater like the others
    gives it: on graded scales that the LOO consensus, shifted by the rater's bias, rounds to it
    under the label's residual sd; on categories that the LOO class is it.
    """
    n_compared = np.nan_to_num(stats["n_compared"])
    bias = stats["shrunk_bias"][raters]
    compared = np.isfinite(consensus.loo_value)
    # A reliability is evidence only where the others' consensus varies over the rater's items:
    # when everyone gave every item the same value there is nothing to correlate with.
    varies = _varies(raters[compared], consensus.loo_value[compared], n_raters)
    fisher_weight = np.where((n_compared >= 4) & np.isfinite(stats["reliability"]) & varies,
                             n_compared - 3.0, 0.0)
    fisher_z = np.arctanh(np.clip(np.nan_to_num(stats["reliability"]), -0.999999, 0.999999))
    modal = stats["modal_value"][raters]
    if graded:
        low, high = values.min(initial=0.0), values.max(initial=0.0)
        supported = rounded_normal_probability(modal, consensus.loo_value + bias, scale, low,
                                               high)
    else:
        supported = (consensus.loo_label == modal).astype(float)
    finite_z = np.isfinite(residual_z)
    # The same residuals over the sd they would have if the rater's noise were `limit` points.
    loo_variance = np.nan_to_num(consensus.loo_uncertainty, posinf=0.0) ** 2
    limit_z2 = (values - bias - consensus.loo_value) ** 2 / (limit**2 + loo_variance)

    def per_rater(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(raters[rows], weights=None if weights is None else weights[rows],
                           minlength=n_raters).astype(float)

    return {
        "n_compared_labels": n_compared,
        "fisher_z_sum": fisher_weight * fisher_z,
        "fisher_weight": fisher_weight,
        "z2_sum": per_rater(finite_z, residual_z**2),
        "z2_count": per_rater(finite_z),
        "limit_z2_sum": per_rater(finite_z, limit_z2),
        "modal_count": per_rater(compared, (values == modal).astype(float)),
        "modal_expected": per_rater(compared, supported),
        "modal_labels": per_rater(compared),
    }


def _varies(raters: np.ndarray, values: np.ndarray, n_raters: int) -> np.ndarray:
    """Per rater: do the values on their rows differ (range above 1e-9 of the values' scale)?"""
    low = np.full(n_raters, np.inf)
    high = np.full(n_raters, -np.inf)
    np.minimum.at(low, raters, values)
    np.maximum.at(high, raters, values)
    tolerance = 1e-9 * max(float(np.ptp(values)) if values.size else 0.0, 1.0)
    return (high - low) > tolerance


def flag_raters(*, columns: dict[str, np.ndarray], item: np.ndarray, rater: np.ndarray,
                value: np.ndarray, kind: np.ndarray, n_criteria: int,
                thresholds: QualityThresholds, flags: FlagBuilder) -> None:
    """Flag every label (repeats aside) of unreliable and of straight-lining raters.

    Unreliable: the reliability is surely below `unreliable_reliability` (upper end of the
    Fisher-z interval of the criteria's reliabilities pooled by their evidence), or the labels
    are surely noisier than the team's by `unreliable_noise_ratio` (lower end of the chi-square
    interval of the mean squared residual z) and than `noise_limit` of the scale. Straight-
    lining: the share of labels at the modal value is surely (Wilson lower end) at least
    `straight_line_share`, and `straight_line_excess` above what a rater like the others would
    give there. `columns` are the rater statistics pooled over criteria; the other arrays are
    the table's rows.
    """
    correlation = _within_rating_correlation(item, rater, flags.residual_z, n_criteria)
    per_rating = columns["n_compared_labels"] / np.maximum(columns["n_compared"], 1.0)
    deff = 1.0 + (np.maximum(per_rating, 1.0) - 1.0) * correlation
    rows = np.flatnonzero((kind != KIND_REPEAT) & np.isfinite(value))
    owner = rater[rows]
    bad = _unreliable(columns, deff, thresholds)[owner]
    flags.add("unreliable_rater", rows[bad],
              np.where(np.nan_to_num(columns["reliability"][owner[bad]]) <= 0, 3, 2))
    flags.add("straight_lining", rows[_straight_lining(columns, deff, thresholds)[owner]], 2)


def _unreliable(columns, deff, thresholds: QualityThresholds) -> np.ndarray:
    confidence = thresholds.rater_confidence
    upper = pooled_reliability_upper_bound(columns["fisher_z_sum"], columns["fisher_weight"],
                                           deff, confidence)
    n_eff = columns["z2_count"] / deff
    with np.errstate(invalid="ignore", divide="ignore"):
        team = noise_ratio_lower_bound(columns["z2_sum"] / columns["z2_count"], n_eff, confidence)
        scale = noise_ratio_lower_bound(columns["limit_z2_sum"] / columns["z2_count"], n_eff,
                                        confidence)
    noisy = (team >= thresholds.unreliable_noise_ratio) & (scale >= 1.0)
    return (upper < thresholds.unreliable_reliability) | noisy


def _straight_lining(columns, deff, thresholds: QualityThresholds) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        share = columns["modal_count"] / columns["modal_labels"]
        supported = columns["modal_expected"] / columns["modal_labels"]
    low = share_lower_bound(share, columns["modal_labels"] / deff, thresholds.rater_confidence)
    return ((low >= thresholds.straight_line_share)
            & (low - np.nan_to_num(supported, nan=1.0) >= thresholds.straight_line_excess))


def _within_rating_correlation(item: np.ndarray, rater: np.ndarray, residual_z: np.ndarray,
                               n_criteria: int) -> float:
    """Intraclass correlation of the residual z-scores of one rating's criteria (0 if unknown).

    One-way ANOVA over ratings (an item and a rater; repeats have no residual), clipped to 0..1:
    independent errors give about 0, a rater who marks a whole rating up or down 1.
    """
    rows = np.flatnonzero(np.isfinite(residual_z))
    if n_criteria < 2 or rows.size < 3:
        return 0.0
    n_raters = int(rater.max()) + 1
    _, group = np.unique(item[rows].astype(np.int64) * n_raters + rater[rows],
                         return_inverse=True)
    z = residual_z[rows]
    size = np.bincount(group).astype(float)
    n, n_groups = float(rows.size), size.size
    if n_groups < 2 or n <= n_groups:
        return 0.0
    means = np.bincount(group, weights=z) / size
    within = np.sum((z - means[group]) ** 2) / (n - n_groups)
    between = np.sum(size * (means - z.mean()) ** 2) / (n_groups - 1)
    n0 = (n - np.sum(size**2) / n) / (n_groups - 1)
    denominator = between + (n0 - 1.0) * within
    if denominator <= 0:
        return 0.0
    return float(np.clip((between - within) / denominator, 0.0, 1.0))
