"""Consensus per item: Dawid-Skene on categories, a reliability-weighted robust mean on scales.

Two estimators, each where its model of the truth holds:
- Categorical truth (nominal, binary): Dawid-Skene. Crowd labels fail in rater-specific ways
  (a habit of one answer, confusing two classes, even inverted answers); a confusion matrix per
  rater, fitted by EM with the item posteriors, learns each of those, so even a worse-than-chance
  rater adds information. On the bluebirds data it halves majority vote's error (24.1% -> 10.2%).
  The full posterior gives an uncertainty and an exact leave-one-out posterior (drop one label's
  log-likelihood term) for free.
- Graded truth (ordinal, interval, ratio with 3+ values, e.g. 1..5 or 0..100): the truth is a
  point on a continuum that raters round. Dawid-Skene treats the scale points as unrelated
  classes and its posterior snaps to one of them; on the demo simulator its posterior mean had a
  higher error to the true score than the plain mean (0.34 vs 0.29). There we fit
  x = truth + rater bias + noise(rater variance) with Huber weights, iterated to a fixed point
  (a reliability-weighted robust mean; 0.25 on the same data). Bias correction keeps harsh raters
  useful; per-rater variance silences guessing, straight-lining and hurried raters.
`method` forces either estimator (Dawid-Skene handles up to ~11 categories well).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Consensus:
    """Per-item consensus, per-rating leave-one-out consensus and per-rater weights."""

    value: np.ndarray  # per item: posterior mean (nominal: most probable value); NaN if unrated
    label: np.ndarray  # per item: most probable scale value (robust mean: same as value)
    uncertainty: np.ndarray  # per item: posterior sd (nominal: 1 - max posterior probability)
    loo_value: np.ndarray  # per rating: consensus of the item without that rating
    loo_uncertainty: np.ndarray  # per rating: its uncertainty; inf when the rating was alone
    loo_label: np.ndarray  # per rating: most probable value without that rating (robust: loo_value)
    rater_weight: np.ndarray  # per rater: DS expected accuracy, or 1 / noise variance
    method: str
    n_iter: int


def consensus_estimate(
    *,
    items: np.ndarray,
    raters: np.ndarray,
    values: np.ndarray,
    n_items: int,
    n_raters: int,
    level: str = "ordinal",
    method: str = "auto",
) -> Consensus:
    """Estimate consensus; `method` "auto" picks Dawid-Skene for nominal or binary labels."""
    if method not in ("auto", "dawid_skene", "robust_mean"):
        raise ValueError(f"unknown consensus method {method!r}")
    categorical = level == "nominal" or np.unique(values).size <= 2
    if method == "dawid_skene" or (method == "auto" and categorical):
        return dawid_skene(items=items, raters=raters, values=values, n_items=n_items,
                           n_raters=n_raters, nominal=level == "nominal")
    return robust_weighted_mean(items=items, raters=raters, values=values, n_items=n_items,
                                n_raters=n_raters)


def dawid_skene(
    *,
    items: np.ndarray,
    raters: np.ndarray,
    values: np.ndarray,
    n_items: int,
    n_raters: int,
    nominal: bool = False,
    smoothing: float = 0.5,
    max_iter: int = 200,
    tol: float = 1e-7,
) -> Consensus:
    """Dawid-Skene EM: per-rater confusion matrices, class prior, item posteriors.

    Initialised from vote shares (majority vote), so EM starts at the baseline and moves away
    from it only where the data say some raters are better than others. `smoothing` is a
    Dirichlet pseudo-count per confusion cell (plus as much again on the diagonal) so raters with
    few labels keep a sane, mildly-better-than-chance matrix instead of zeros.
    """
    categories, label = np.unique(values, return_inverse=True)
    n_cat = categories.size
    posterior = _vote_shares(items, label, n_items, n_cat)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        log_prior, log_confusion = _ds_maximise(posterior, items, raters, label, n_raters,
                                                smoothing)
        evidence = log_confusion[raters, :, label]  # per rating: log P(label | true class k)
        log_post = log_prior + _sum_by(items, evidence, n_items)
        updated = _softmax(log_post)
        change = float(np.abs(updated - posterior).max(initial=0.0))
        posterior = updated
        if change < tol:
            break
    loo = _softmax(log_post[items] - evidence)
    value, label_value, spread = _summarise(posterior, categories, nominal)
    loo_value, loo_label, loo_spread = _summarise(loo, categories, nominal)
    # An item rated once has no consensus without that rating.
    alone = np.bincount(items, minlength=n_items)[items] < 2
    loo_value[alone], loo_label[alone], loo_spread[alone] = np.nan, np.nan, np.inf
    accuracy = (np.exp(log_confusion).diagonal(axis1=1, axis2=2) * np.exp(log_prior)).sum(axis=1)
    unrated = np.bincount(items, minlength=n_items) == 0
    value[unrated], label_value[unrated], spread[unrated] = np.nan, np.nan, np.nan
    return Consensus(value, label_value, spread, loo_value, loo_spread, loo_label, accuracy,
                     "dawid_skene", n_iter)


def robust_weighted_mean(
    *,
    items: np.ndarray,
    raters: np.ndarray,
    values: np.ndarray,
    n_items: int,
    n_raters: int,
    huber: float = 2.0,
    prior_strength: float = 5.0,
    max_iter: int = 100,
    tol: float = 1e-4,
) -> Consensus:
    """Fixed point of x = truth + bias_r + noise_r with Huber weights 1/var_r (wide scales).

    Rater variance and bias come from leave-one-out residuals (so a rater cannot vouch for
    themselves) and are shrunk towards the pool with `prior_strength` pseudo-ratings, so a rater
    with few labels gets the average weight rather than an extreme one.
    """
    values = np.asarray(values, dtype=float)
    n_per_rater = np.bincount(raters, minlength=n_raters).astype(float)
    state = _RobustState(np.zeros(n_raters), np.ones(n_raters), np.ones(values.size))
    mean = mean_consensus(items=items, values=values, n_items=n_items)
    tolerance = tol * max(float(np.ptp(values)) if values.size else 1.0, 1e-12)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        fit = _robust_pass(items, raters, values, n_items, state, mean)
        change = float(np.nanmax(np.abs(fit.mean - mean), initial=0.0))
        mean = fit.mean
        if n_iter > 1 and change < tolerance:
            break
        state = _robust_update(raters, values, fit, n_per_rater, prior_strength, huber)
    return Consensus(fit.mean, fit.mean.copy(), fit.spread, fit.loo_mean, fit.loo_spread,
                     fit.loo_mean.copy(),
                     1.0 / state.variance, "robust_weighted_mean", n_iter)


def mean_consensus(*, items: np.ndarray, values: np.ndarray, n_items: int) -> np.ndarray:
    """Plain mean per item (NaN for unrated items): the baseline."""
    count = np.bincount(items, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(items, weights=values, minlength=n_items) / count


def majority_vote(*, items: np.ndarray, values: np.ndarray, n_items: int) -> np.ndarray:
    """Most frequent value per item, ties to the lower value (NaN if unrated): the baseline."""
    categories, label = np.unique(values, return_inverse=True)
    counts = _vote_shares(items, label, n_items, categories.size, normalise=False)
    result = categories[counts.argmax(axis=1)] if categories.size else np.zeros(n_items)
    return np.where(counts.sum(axis=1) > 0, result, np.nan)


def _vote_shares(items, label, n_items, n_cat, *, normalise=True) -> np.ndarray:
    counts = np.bincount(items.astype(np.int64) * n_cat + label, minlength=n_items * n_cat)
    counts = counts.reshape(n_items, n_cat).astype(float)
    if not normalise:
        return counts
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.full_like(counts, 1.0 / max(n_cat, 1)), where=total > 0)


def _sum_by(groups: np.ndarray, columns: np.ndarray, n_groups: int) -> np.ndarray:
    """Column-wise grouped sums (n x K -> n_groups x K); loops over K columns, never over groups."""
    return np.stack([np.bincount(groups, weights=columns[:, k], minlength=n_groups)
                     for k in range(columns.shape[1])], axis=1)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _ds_maximise(posterior, items, raters, label, n_raters, smoothing):
    """M-step: class prior and per-rater confusion rows from the current item posteriors."""
    n_cat = posterior.shape[1]
    # counts[r, k, l] = expected number of times rater r said l when the truth was k
    key = raters.astype(np.int64) * n_cat + label
    counts = np.stack([np.bincount(key, weights=posterior[items, k], minlength=n_raters * n_cat)
                       for k in range(n_cat)])
    counts = counts.reshape(n_cat, n_raters, n_cat).transpose(1, 0, 2)
    counts = counts + smoothing * (1.0 + np.eye(n_cat))
    log_confusion = np.log(counts / counts.sum(axis=2, keepdims=True))
    class_mass = posterior.sum(axis=0) + 1.0
    return np.log(class_mass / class_mass.sum()), log_confusion


def _summarise(posterior, categories, nominal):
    """Point value, most probable value and spread of each posterior row."""
    best = categories[posterior.argmax(axis=1)].astype(float)
    if nominal:
        return best.copy(), best, 1.0 - posterior.max(axis=1)
    mean = posterior @ categories
    variance = np.maximum(posterior @ (categories * categories) - mean * mean, 0.0)
    return mean, best, np.sqrt(variance)


@dataclass(frozen=True)
class _RobustState:
    bias: np.ndarray  # per rater
    variance: np.ndarray  # per rater
    huber_weight: np.ndarray  # per rating


@dataclass(frozen=True)
class _RobustFit:
    mean: np.ndarray
    spread: np.ndarray
    loo_mean: np.ndarray
    loo_spread: np.ndarray


def _robust_pass(items, raters, values, n_items, state, previous_mean) -> _RobustFit:
    weight = state.huber_weight / state.variance[raters]
    debiased = values - state.bias[raters]
    total_w = np.bincount(items, weights=weight, minlength=n_items)
    total_x = np.bincount(items, weights=weight * debiased, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total_w > 0, total_x / total_w, previous_mean)
        spread = np.sqrt(1.0 / total_w)
        rest_w = total_w[items] - weight
        lonely = np.bincount(items, minlength=n_items)[items] < 2
        loo_mean = np.where(lonely, np.nan, (total_x[items] - weight * debiased) / rest_w)
        loo_spread = np.where(lonely, np.inf, np.sqrt(1.0 / rest_w))
    return _RobustFit(mean, spread, loo_mean, loo_spread)


def _robust_update(raters, values, fit, n_per_rater, prior_strength, huber) -> _RobustState:
    usable = np.isfinite(fit.loo_mean)
    residual = np.where(usable, values - fit.loo_mean, 0.0)
    n_used = np.bincount(raters, weights=usable, minlength=n_per_rater.size)
    bias = np.bincount(raters, weights=residual, minlength=n_per_rater.size)
    bias = bias / (n_used + prior_strength)
    bias -= np.average(bias, weights=n_used + 1e-12)  # truth is only defined up to a shift
    # Subtract the LOO consensus's own variance so the rater's noise is not overstated.
    noise = np.where(usable, (residual - bias[raters]) ** 2 - fit.loo_spread**2, 0.0)
    pooled = max(float(noise[usable].mean()) if usable.any() else 1.0, 1e-12)
    variance = (np.bincount(raters, weights=noise, minlength=n_per_rater.size)
                + prior_strength * pooled) / (n_used + prior_strength)
    variance = np.maximum(variance, 0.05 * pooled)
    loo_variance = np.where(usable, fit.loo_spread**2, 0.0)
    scaled = np.abs(residual - bias[raters]) / np.sqrt(variance[raters] + loo_variance)
    huber_weight = np.minimum(1.0, huber / np.maximum(scaled, 1e-12))
    return _RobustState(bias, variance, huber_weight)
