"""Consensus per item: Dawid-Skene on categories, a shrunk rater model on graded scales.

- Categorical truth (nominal, binary): Dawid-Skene. Crowd labels fail in rater-specific ways
  (a habit of one answer, confusing two classes, even inverted answers); a confusion matrix per
  rater, fitted by EM with the item posteriors, learns each of those, so even a worse-than-chance
  rater adds information. The full posterior gives an uncertainty and an exact leave-one-out
  posterior (drop one label's log-likelihood term) for free.
- Graded truth (ordinal, interval, ratio with 3+ values): `review.quality.graded`, a rater offset
  and weight model shrunk toward the plain mean in proportion to the evidence (its docstring has
  the reasoning and the figures).
`method` forces either (Dawid-Skene handles up to ~11 categories well), or the plain mean.
Every fit reports whether its iteration converged, in how many iterations, and its last change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from review.quality.graded import (
    RaterModel,
    apply_rater_model,
    choose_strength,
    fit_rater_model,
    pooled_within_variance,
)


@dataclass(frozen=True)
class Consensus:
    """Per-item consensus, per-rating leave-one-out consensus and per-rater weights."""

    value: np.ndarray  # per item: posterior mean (nominal: most probable value); NaN if unrated
    label: np.ndarray  # per item: most probable scale value (robust mean: same as value)
    uncertainty: np.ndarray  # per item: posterior sd (nominal: 1 - max posterior probability)
    loo_value: np.ndarray  # per rating: consensus of the item without that rating
    loo_uncertainty: np.ndarray  # per rating: its uncertainty; inf when the rating was alone
    loo_label: np.ndarray  # per rating: most probable value without that rating (robust: loo_value)
    rater_weight: np.ndarray  # per rater: DS expected accuracy, or the graded model's weight
    method: str
    n_iter: int
    converged: bool = True
    last_change: float = 0.0
    strength: float = 1.0  # graded model: how much of the rater model the data support (0..1)


CONSENSUS_METHODS = ("auto", "dawid_skene", "graded", "mean")


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
    """Estimate consensus; `method` "auto" picks Dawid-Skene for nominal or binary labels.

    "dawid_skene" on an ordinal scale keeps the posterior mean as the value (and the most
    probable scale point as the label), so agreement can still be reported as ordinal alpha.
    """
    if method not in CONSENSUS_METHODS:
        raise ValueError(f"unknown consensus method {method!r}; expected one of {CONSENSUS_METHODS}")
    categorical = level == "nominal" or np.unique(values).size <= 2
    if method == "dawid_skene" or (method == "auto" and categorical):
        return dawid_skene(items=items, raters=raters, values=values, n_items=n_items,
                           n_raters=n_raters, nominal=level == "nominal")
    if method == "mean":
        return plain_mean_consensus(items=items, values=values, n_items=n_items,
                                    n_raters=n_raters)
    return graded_consensus(items=items, raters=raters, values=values, n_items=n_items,
                            n_raters=n_raters)


def dawid_skene(
    *,
    items: np.ndarray,
    raters: np.ndarray,
    values: np.ndarray,
    n_items: int,
    n_raters: int,
    nominal: bool = False,
    smoothing: float = 0.02,
    max_iter: int = 1000,
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
    n_iter, change, converged = 0, float("inf"), False
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        log_prior, log_confusion = _ds_maximise(posterior, items, raters, label, n_raters,
                                                smoothing)
        evidence = log_confusion[raters, :, label]  # per rating: log P(label | true class k)
        log_post = log_prior + _sum_by(items, evidence, n_items)
        updated = _softmax(log_post)
        change = float(np.abs(updated - posterior).max(initial=0.0))
        posterior = updated
        if change < tol:
            converged = True
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
                     "dawid_skene", n_iter, converged, change)


def graded_consensus(
    *,
    items: np.ndarray,
    raters: np.ndarray,
    values: np.ndarray,
    n_items: int,
    n_raters: int,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> Consensus:
    """Shrunk rater-offset and rater-weight consensus; reduces to the mean with equal raters."""
    values = np.asarray(values, dtype=float)
    model = fit_rater_model(items=items, raters=raters, values=values, n_items=n_items,
                            n_raters=n_raters, max_iter=max_iter, tol=tol)
    strength, _ = choose_strength(items=items, raters=raters, values=values, n_items=n_items,
                                  n_raters=n_raters, model=model)
    fit = apply_rater_model(items=items, raters=raters, values=values, n_items=n_items,
                            model=model, strength=strength)
    return Consensus(fit.value, fit.value.copy(), fit.spread, fit.loo_value, fit.loo_spread,
                     fit.loo_value.copy(), fit.weight, "graded", model.n_iter, model.converged,
                     model.last_change, strength)


def plain_mean_consensus(*, items: np.ndarray, values: np.ndarray, n_items: int,
                         n_raters: int) -> Consensus:
    """The plain mean as a Consensus: equal weights, spread from the pooled within-item variance."""
    values = np.asarray(values, dtype=float)
    size = max(n_raters, 1)
    model = RaterModel(np.zeros(size), np.zeros(size),
                       pooled_within_variance(items, values, n_items), 1, True, 0.0)
    fit = apply_rater_model(items=items, raters=np.zeros(values.size, dtype=np.int64),
                            values=values, n_items=n_items, model=model, strength=0.0)
    return Consensus(fit.value, fit.value.copy(), fit.spread, fit.loo_value, fit.loo_spread,
                     fit.loo_value.copy(), np.full(n_raters, fit.weight[0]), "mean", 1, True,
                     0.0, 0.0)


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
