"""Krippendorff's alpha on long (unit, value) data, vectorised, with a unit bootstrap CI.

Alpha = 1 - D_o / D_e over the coincidence matrix. We never build that matrix for the metric
levels: every metric used here is either a squared difference of a per-value coordinate
(interval: the value itself; ordinal: the value's mid-rank in the coincidence marginals,
because sum_{g=c..k} n_g - (n_c + n_k)/2 == P_k - P_c with P_c = cumsum(n)_c - n_c/2) or an
equality test (nominal). Both sums then collapse to per-unit moments, so the cost is one sort
of the values (O(n log n)) plus O(n + V). Only the ratio metric, which does not factor, pays
O(sum over units of distinct-values^2) for D_o and a chunked V x V product for D_e.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
# Bounds the temporary arrays of the ratio metric and of the bootstrap (elements, not bytes).
_CHUNK_ELEMENTS = 4_000_000


def krippendorff_alpha(reliability_data: np.ndarray, level: str = "ordinal") -> float:
    """Alpha from a raters x units matrix with NaN for missing (the `krippendorff` layout)."""
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise ValueError("reliability_data must be a 2-D raters x units array")
    rater_idx, unit_idx = np.nonzero(~np.isnan(data))
    return krippendorff_alpha_long(unit_idx, data[rater_idx, unit_idx], level=level)


def krippendorff_alpha_long(units: np.ndarray, values: np.ndarray, level: str = "ordinal") -> float:
    """Alpha from long data: one (unit id, value) pair per rating; NaN values are ignored."""
    data = _pairable_values(units, values)
    if data is None:
        return float("nan")
    observed = _observed_by_unit(data, level).sum()
    if level in ("interval", "ordinal"):
        t = _centred_coordinates(data, level)
        n = data.marginals
        expected = _metric_expected(n.sum(), n @ t, n @ (t * t))
    else:
        expected = _expected(data.marginals[None, :], data.domain, level)[0]
    return _alpha(observed, expected, data.marginals.sum())


def alpha_bootstrap_ci(
    units: np.ndarray,
    values: np.ndarray,
    *,
    level: str = "ordinal",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    max_blocks: int = 2000,
) -> tuple[float, float]:
    """Percentile CI of alpha from resampling units with replacement.

    D_o is a sum of per-unit terms and D_e depends only on the coincidence marginals, themselves
    sums over units, so a replicate is a weighted sum of per-unit statistics, not a recomputation.
    Beyond `max_blocks` units, units are first dealt at random into that many blocks and blocks
    are resampled: block sums are i.i.d. with the same total variance, so the spread of alpha is
    kept while a replicate costs O(max_blocks) instead of O(units) random draws. The distance
    metric (the ordinal mid-ranks) is fixed from the full sample, as Hayes & Krippendorff (2007)
    fix it in their bootstrap.
    """
    data = _pairable_values(units, values)
    if data is None or n_boot <= 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    n_blocks = min(data.n_units, max_blocks)
    if level in ("nominal", "ratio"):  # their blocks carry a marginal row of V values each
        n_blocks = min(n_blocks, max(50, _CHUNK_ELEMENTS // data.domain.size))
    block = rng.permutation(data.n_units) % n_blocks
    stats = _block_statistics(data, level, block, n_blocks)
    alphas = np.concatenate([
        _replicate_alphas(data, level, weights @ stats)
        for weights in _bootstrap_weights(rng, n_blocks, n_boot, stats.shape[1])
    ])
    tail = (1.0 - confidence) / 2.0
    if not np.isfinite(alphas).any():
        return (float("nan"), float("nan"))
    lo, hi = np.nanquantile(alphas, [tail, 1.0 - tail])
    return (float(lo), float(hi))


@dataclass(frozen=True)
class WeeklyAgreement:
    """Alpha of the ratings of one week, its bootstrap interval and what it was computed from."""

    week: int
    alpha: float
    low: float
    high: float
    n_items: int
    n_ratings: int


def weekly_agreement(units: np.ndarray, values: np.ndarray, weeks: np.ndarray, *,
                     level: str = "ordinal", n_boot: int = 0) -> list[WeeklyAgreement]:
    """Alpha per week (drift), with a bootstrap interval when `n_boot` > 0 (seeded by the week).

    A week's alpha pairs only the labels given that week, so a unit rated across two weeks
    counts in each with the labels of that week.
    """
    units, values, weeks = np.asarray(units), np.asarray(values, dtype=float), np.asarray(weeks)
    result = []
    for week in np.unique(weeks).tolist():
        rows = weeks == week
        low, high = (alpha_bootstrap_ci(units[rows], values[rows], level=level, n_boot=n_boot,
                                        seed=int(week)) if n_boot > 0
                     else (float("nan"), float("nan")))
        result.append(WeeklyAgreement(
            int(week), krippendorff_alpha_long(units[rows], values[rows], level=level), low, high,
            int(np.unique(units[rows]).size), int(rows.sum())))
    return result


@dataclass(frozen=True)
class _Pairable:
    """Values of units with at least two values, coded densely."""

    unit: np.ndarray  # unit code 0..U-1 per value
    code: np.ndarray  # value code 0..V-1 per value, into `domain`
    domain: np.ndarray  # sorted distinct values
    marginals: np.ndarray  # n_c: count of each value among pairable values
    unit_size: np.ndarray  # m_u
    n_units: int


def _pairable_values(units: np.ndarray, values: np.ndarray) -> _Pairable | None:
    units = np.asarray(units).ravel()
    values = np.asarray(values, dtype=float).ravel()
    if units.shape != values.shape:
        raise ValueError("units and values must have the same length")
    present = ~np.isnan(values)
    units, values = units[present], values[present]
    unit_code = _dense_codes(units)
    size = np.bincount(unit_code)
    # Units with one value have no pairs and contribute nothing to either disagreement.
    keep = size[unit_code] >= 2
    if not keep.any():
        return None
    recode = np.cumsum(size >= 2) - 1
    unit = recode[unit_code[keep]]
    domain, code = _value_codes(values[keep])
    return _Pairable(
        unit=unit,
        code=code,
        domain=domain,
        marginals=np.bincount(code, minlength=domain.size).astype(float),
        unit_size=np.bincount(unit).astype(float),
        n_units=int(unit.max()) + 1,
    )


def _dense_codes(units: np.ndarray) -> np.ndarray:
    """Non-negative integer codes for unit ids; gaps are fine (empty units are dropped)."""
    if units.size and np.issubdtype(units.dtype, np.integer):
        low, high = int(units.min()), int(units.max())
        if low >= 0 and high < 4 * units.size + 1024:  # already codes: skip the sort
            return units
    return np.unique(units, return_inverse=True)[1]


def _value_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index; O(n) for integer-valued scales."""
    low, high = values.min(), values.max()
    if high - low < 4 * values.size + 1024 and np.array_equal(values, np.rint(values)):
        offset = (values - low).astype(np.int64)
        used = np.bincount(offset) > 0
        rank = np.cumsum(used) - 1
        return np.flatnonzero(used) + low, rank[offset]
    return np.unique(values, return_inverse=True)


def _alpha(observed: np.ndarray | float, expected: np.ndarray | float, n_values) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = 1.0 - (np.asarray(n_values) - 1.0) * observed / expected
    return np.where(np.asarray(expected) > 0, result, np.nan) if np.ndim(result) else (
        float(result) if expected > 0 else float("nan"))


def _coordinates(data: _Pairable, level: str) -> np.ndarray:
    """Per-value coordinate t such that the metric is (t_c - t_k)^2 (interval and ordinal)."""
    if level == "interval":
        return data.domain
    return np.cumsum(data.marginals) - data.marginals / 2.0


def _centred_coordinates(data: _Pairable, level: str) -> np.ndarray:
    # Centring on the pooled mean keeps N sum n t^2 - (sum n t)^2 free of cancellation.
    t = _coordinates(data, level)
    return t - np.average(t, weights=data.marginals)


def _observed_by_unit(data: _Pairable, level: str) -> np.ndarray:
    """Per-unit observed disagreement: sum over ordered pairs of the metric, / (m_u - 1)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    m = data.unit_size
    if level == "nominal":
        _, unit_of_cell, count = _unit_value_cells(data)
        same = np.bincount(unit_of_cell, weights=count * count, minlength=data.n_units)
        return (m * m - same) / (m - 1.0)
    if level == "ratio":
        return _ratio_observed_by_unit(data) / (m - 1.0)
    t = _coordinates(data, level)[data.code]
    mean = np.bincount(data.unit, weights=t, minlength=data.n_units) / m
    squares = np.bincount(data.unit, weights=(t - mean[data.unit]) ** 2, minlength=data.n_units)
    # sum_{i != j} (t_i - t_j)^2 == 2 m sum_i (t_i - mean)^2; the centred form avoids cancellation.
    return 2.0 * m * squares / (m - 1.0)


def _expected(marginals: np.ndarray, domain: np.ndarray, level: str) -> np.ndarray:
    """sum_{c,k} n_c n_k metric(c, k) per row of marginals, for nominal and ratio."""
    total = marginals.sum(axis=1)
    if level == "nominal":
        return total**2 - (marginals**2).sum(axis=1)
    return _ratio_expected(marginals, domain)


def _metric_expected(total: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    # sum_{c,k} n_c n_k (t_c - t_k)^2 == 2 (N sum n t^2 - (sum n t)^2)
    return 2.0 * (total * second - first * first)


def _unit_value_cells(data: _Pairable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (unit, value) cells: value code, unit, count — sorted by unit then value."""
    n_values = data.domain.size
    cells, count = np.unique(data.unit.astype(np.int64) * n_values + data.code, return_counts=True)
    return cells % n_values, cells // n_values, count.astype(float)


def _ratio_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total != 0, ((a - b) / total) ** 2, 0.0)


def _ratio_observed_by_unit(data: _Pairable) -> np.ndarray:
    """Sum over ordered value pairs within each unit, expanded over distinct cells only."""
    code, unit, count = _unit_value_cells(data)
    starts = np.searchsorted(unit, np.arange(data.n_units))
    cells_in_unit = np.bincount(unit, minlength=data.n_units)
    result = np.zeros(data.n_units)
    for first, last in _chunks(cells_in_unit[unit], _CHUNK_ELEMENTS):
        left = np.repeat(np.arange(first, last), cells_in_unit[unit[first:last]])
        offset = np.arange(left.size) - np.repeat(
            np.cumsum(cells_in_unit[unit[first:last]]) - cells_in_unit[unit[first:last]],
            cells_in_unit[unit[first:last]])
        right = starts[unit[left]] + offset
        pair = count[left] * count[right] * _ratio_distance(
            data.domain[code[left]], data.domain[code[right]])
        result += np.bincount(unit[left], weights=pair, minlength=data.n_units)
    return result


def _ratio_expected(marginals: np.ndarray, domain: np.ndarray) -> np.ndarray:
    result = np.zeros(marginals.shape[0])
    rows = max(1, _CHUNK_ELEMENTS // max(domain.size, 1))
    for start in range(0, domain.size, rows):
        block = _ratio_distance(domain[start:start + rows, None], domain[None, :])
        result += ((marginals[:, start:start + rows] @ block) * marginals).sum(axis=1)
    return result


def _chunks(sizes: np.ndarray, budget: int):
    """Consecutive [first, last) ranges whose summed sizes stay near the budget."""
    ends = np.cumsum(sizes)
    first = 0
    while first < sizes.size:
        base = ends[first - 1] if first else 0
        last = max(first + 1, int(np.searchsorted(ends, base + budget, side="right")))
        yield first, last
        first = last


def _block_statistics(data: _Pairable, level: str, block: np.ndarray,
                      n_blocks: int) -> np.ndarray:
    """Per-block sums: observed disagreement, then the statistics D_e needs."""
    observed = np.bincount(block, weights=_observed_by_unit(data, level), minlength=n_blocks)
    value_block = block[data.unit]
    if level in ("interval", "ordinal"):
        t = _centred_coordinates(data, level)[data.code]
        columns = [np.bincount(value_block, weights=w, minlength=n_blocks)
                   for w in (np.ones_like(t), t, t * t)]
        return np.stack([observed, *columns], axis=1)
    n_values = data.domain.size
    marginals = np.bincount(value_block.astype(np.int64) * n_values + data.code,
                            minlength=n_blocks * n_values).reshape(n_blocks, n_values)
    return np.concatenate([observed[:, None], marginals], axis=1)


def _bootstrap_weights(rng: np.random.Generator, n_blocks: int, n_boot: int, width: int):
    """Multinomial block counts, a slab of replicates at a time to bound memory."""
    rows_per_slab = max(1, _CHUNK_ELEMENTS // max(n_blocks, width, 1))
    for start in range(0, n_boot, rows_per_slab):
        rows = min(rows_per_slab, n_boot - start)
        draws = rng.integers(0, n_blocks, size=(rows, n_blocks))
        draws += np.arange(rows)[:, None] * n_blocks
        counts = np.bincount(draws.ravel(), minlength=rows * n_blocks)
        yield counts.reshape(rows, n_blocks).astype(float)


def _replicate_alphas(data: _Pairable, level: str, sums: np.ndarray) -> np.ndarray:
    observed = sums[:, 0]
    if level in ("interval", "ordinal"):
        total, first, second = sums[:, 1], sums[:, 2], sums[:, 3]
        return _alpha(observed, _metric_expected(total, first, second), total)
    marginals = sums[:, 1:]
    return _alpha(observed, _expected(marginals, data.domain, level), marginals.sum(axis=1))
