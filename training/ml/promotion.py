"""The per-criterion promotion rule: better overall, and worse on no criterion beyond a margin.

Everything here works on absolute errors of the same held-out creatives (paired), in rating points,
keyed by criterion id. It imports no Django, so the rule is tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

RELATIVE_MAE_MARGIN = 0.05
"""A criterion counts as worse (or better) only when its held-out MAE differs by more than 5%.

Why 5%: a client's held-out set is a few dozen creatives, and resampling them moves one criterion's
MAE by several percent on its own (the paired bootstrap interval stored with each comparison is
usually wider than that). A smaller margin would hold back most retrains for noise; a larger one
would let a model that a rater would notice is worse (on a 1-5 scale with MAE near 0.9, 5% is about
0.05 points per creative) through. The card shows the interval, so a reader sees how sure each call is.
"""

BOOTSTRAP_RESAMPLES = 1000
"""Paired bootstrap resamples of the held-out creatives for the 95% interval of an MAE difference."""

BETTER, WORSE, UNCHANGED, UNTESTED = "better", "worse", "unchanged", "untested"


def compare_errors(
    new_abs: np.ndarray,
    other_abs: np.ndarray,
    *,
    margin: float = RELATIVE_MAE_MARGIN,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> dict:
    """Compare two models' absolute errors on the same creatives (NaN where a creative has no label).

    The verdict is better / worse / unchanged by the relative MAE difference against `margin`;
    `ci` is the paired bootstrap 95% interval of (new MAE - other MAE), and `significant` says
    whether it excludes zero.
    """
    new_abs, other_abs = np.asarray(new_abs, dtype=np.float64), np.asarray(other_abs, dtype=np.float64)
    if new_abs.shape != other_abs.shape:
        raise ValueError(f"paired errors need the same shape, got {new_abs.shape} and {other_abs.shape}")
    known = ~np.isnan(new_abs) & ~np.isnan(other_abs)
    new_abs, other_abs = new_abs[known], other_abs[known]
    n = len(new_abs)
    if n == 0:
        return {"verdict": UNTESTED, "new_mae": None, "other_mae": None, "relative": None, "ci": None,
                "significant": False, "n": 0}
    new_mae, other_mae = float(new_abs.mean()), float(other_abs.mean())
    relative = (new_mae - other_mae) / other_mae if other_mae > 0 else None
    if relative is None:
        # The other model is exact on these creatives: any error at all is worse, none is unchanged.
        verdict = WORSE if new_mae > 0 else UNCHANGED
    elif relative > margin:
        verdict = WORSE
    elif relative < -margin:
        verdict = BETTER
    else:
        verdict = UNCHANGED
    diff = new_abs - other_abs
    rows = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    means = diff[rows].mean(axis=1)
    low, high = (float(v) for v in np.percentile(means, [2.5, 97.5]))
    return {"verdict": verdict, "new_mae": new_mae, "other_mae": other_mae, "relative": relative,
            "ci": [low, high], "significant": bool(low > 0 or high < 0), "n": n}


def compare_criteria(
    new_abs: Mapping[str, np.ndarray],
    baseline_abs: Mapping[str, np.ndarray],
    active_abs: Mapping[str, np.ndarray] | None,
    *,
    margin: float = RELATIVE_MAE_MARGIN,
) -> dict[str, dict]:
    """Per criterion: the new model against the baseline and (where it knows the criterion) the active one."""
    result = {}
    for key, errors in new_abs.items():
        vs_active = None
        if active_abs is not None and key in active_abs:
            vs_active = compare_errors(errors, active_abs[key], margin=margin)
        result[key] = {"vs_baseline": compare_errors(errors, baseline_abs[key], margin=margin),
                       "vs_active": vs_active}
    return result


def held_back_for(comparisons: Mapping[str, dict]) -> list[tuple[str, str]]:
    """(criterion key, "baseline" | "active") for every comparison where the new model is worse."""
    found = []
    for key, row in comparisons.items():
        for against in ("baseline", "active"):
            verdict = row.get(f"vs_{against}")
            if verdict is not None and verdict["verdict"] == WORSE:
                found.append((key, against))
    return found


def promotion_allowed(*, better_overall: bool, comparisons: Mapping[str, dict]) -> bool:
    """Promote only a model better overall that is worse than neither reference on any criterion."""
    return better_overall and not held_back_for(comparisons)

