"""Per-rater statistics: agreement with the leave-one-out consensus, bias, scale use, speed, repeats, gold."""

from __future__ import annotations

import numpy as np


def grouped_correlation(*, groups: np.ndarray, x: np.ndarray, y: np.ndarray,
                        n_groups: int) -> np.ndarray:
    """Pearson correlation of x and y within each group; 0 where either side is constant."""
    count = np.bincount(groups, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = np.bincount(groups, weights=x, minlength=n_groups) / count
        mean_y = np.bincount(groups, weights=y, minlength=n_groups) / count
        dx, dy = x - mean_x[groups], y - mean_y[groups]
        sxy = np.bincount(groups, weights=dx * dy, minlength=n_groups)
        sxx = np.bincount(groups, weights=dx * dx, minlength=n_groups)
        syy = np.bincount(groups, weights=dy * dy, minlength=n_groups)
        corr = sxy / np.sqrt(sxx * syy)
    # A constant rater (straight-liner) carries no information about the items: reliability 0.
    corr = np.where((sxx > 1e-12) & (syy > 1e-12), corr, 0.0)
    return np.where(count >= 2, corr, np.nan)


def rater_agreement(*, raters: np.ndarray, values: np.ndarray, loo_consensus: np.ndarray,
                    n_raters: int, loo_label: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Reliability, bias and mean absolute error of each rater against the LOO consensus.

    On graded scales reliability is the Pearson correlation between a rater's labels and the
    consensus of the other raters on the same items: it ignores a constant offset, so a harsh
    but attentive rater stays reliable, and the offset is reported as bias. For categorical
    labels (`loo_label` given: the LOO most probable class) it is Cohen's kappa against that
    class, so 0 is chance and a worse-than-chance rater scores below 0.
    """
    usable = np.isfinite(loo_consensus)
    r, x, c = raters[usable], values[usable], loo_consensus[usable]
    count = np.bincount(r, minlength=n_raters).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = np.bincount(r, weights=x - c, minlength=n_raters) / count
        mae = np.bincount(r, weights=np.abs(x - c), minlength=n_raters) / count
        if loo_label is not None:
            reliability = grouped_kappa(groups=r, x=x, y=loo_label[usable], n_groups=n_raters)
        else:
            reliability = grouped_correlation(groups=r, x=x, y=c, n_groups=n_raters)
    return {"reliability": reliability, "bias": bias, "mae": mae, "n_compared": count}


def grouped_kappa(*, groups: np.ndarray, x: np.ndarray, y: np.ndarray,
                  n_groups: int) -> np.ndarray:
    """Cohen's kappa between label arrays x and y within each group (NaN when undefined)."""
    categories, code = np.unique(np.concatenate([x, y]), return_inverse=True)
    n_cat = categories.size
    code_x, code_y = code[: x.size], code[x.size:]
    count = np.bincount(groups, minlength=n_groups).astype(float)
    share_x = np.bincount(groups * n_cat + code_x, minlength=n_groups * n_cat)
    share_y = np.bincount(groups * n_cat + code_y, minlength=n_groups * n_cat)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree = np.bincount(groups, weights=code_x == code_y, minlength=n_groups) / count
        chance = (share_x * share_y).reshape(n_groups, n_cat).sum(axis=1) / count**2
        kappa = (agree - chance) / (1.0 - chance)
    return np.where(chance < 1.0, kappa, 0.0)


def scale_use(*, raters: np.ndarray, values: np.ndarray, n_raters: int) -> dict[str, np.ndarray]:
    """Modal value, its share, and normalised entropy of the values each rater used."""
    categories, code = np.unique(values, return_inverse=True)
    n_cat = max(categories.size, 1)
    counts = np.bincount(raters.astype(np.int64) * n_cat + code, minlength=n_raters * n_cat)
    counts = counts.reshape(n_raters, n_cat).astype(float)
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / total[:, None]
        entropy = -np.where(share > 0, share * np.log(share), 0.0).sum(axis=1)
        entropy = entropy / np.log(n_cat) if n_cat > 1 else np.zeros(n_raters)
        modal_share = share.max(axis=1)
    modal_value = categories[counts.argmax(axis=1)] if categories.size else np.full(n_raters, np.nan)
    empty = total == 0
    return {"modal_value": np.where(empty, np.nan, modal_value),
            "modal_share": np.where(empty, np.nan, modal_share),
            "entropy": np.where(empty, np.nan, entropy)}


def grouped_median(*, groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of values per group (NaN for empty groups), by one sort."""
    low_value = values.min(initial=0.0)
    width = values.max(initial=0.0) - low_value + 1.0
    # One float key sorts by group then value, several times faster than lexsort; exact while
    # n_groups * width stays far below 2**53 (durations in ms times raters: ~1e10).
    order = np.argsort(groups * width + (values - low_value), kind="stable")
    sorted_values = values[order]
    count = np.bincount(groups, minlength=n_groups)
    start = np.cumsum(count) - count
    low = start + (count - 1) // 2
    high = start + count // 2
    valid = count > 0
    median = np.full(n_groups, np.nan)
    median[valid] = (sorted_values[low[valid]] + sorted_values[high[valid]]) / 2.0
    return median


def speed_ratio(*, raters: np.ndarray, durations: np.ndarray, n_raters: int) -> tuple[np.ndarray, float]:
    """Each rater's median duration over the team median (median of rater medians)."""
    finite = np.isfinite(durations)
    medians = grouped_median(groups=raters[finite], values=durations[finite], n_groups=n_raters)
    team = float(np.nanmedian(medians)) if np.isfinite(medians).any() else float("nan")
    return medians / team, team


def repeat_differences(*, items: np.ndarray, raters: np.ndarray, values: np.ndarray,
                       is_repeat: np.ndarray, n_raters: int) -> np.ndarray:
    """|repeat - first rating| of the same item by the same rater, on repeat rows (NaN elsewhere)."""
    key = items.astype(np.int64) * n_raters + raters
    original = np.flatnonzero(~is_repeat)
    order = original[np.argsort(key[original], kind="stable")]
    repeats = np.flatnonzero(is_repeat)
    position = np.clip(np.searchsorted(key[order], key[repeats]), 0, max(order.size - 1, 0))
    difference = np.full(values.size, np.nan)
    if order.size:
        found = key[order][position] == key[repeats]
        difference[repeats[found]] = np.abs(values[repeats[found]] - values[order[position[found]]])
    return difference


def mean_by_rater(*, raters: np.ndarray, values: np.ndarray, n_raters: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the finite values per rater, and how many there were."""
    finite = np.isfinite(values)
    count = np.bincount(raters[finite], minlength=n_raters).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(raters[finite], weights=values[finite], minlength=n_raters) / count
    return mean, count
