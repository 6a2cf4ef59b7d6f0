"""Flag precision and recall per reason on the simulator's regimes, who gets flagged, and what is possible.

A flag is right when the simulator says the label is noisy (demo.simulator.SimulatedRating: every
label of a random, fast or straight-lining rater, and a careful rater's gross slips of 2+ points).
Careful raters have noise sd 0.4-0.6 on 1..5 and a small bias. Each regime runs on SEEDS seeds;
per regime it prints each reason's precision and recall, and the share of labels flagged for
careful raters (goal: under 10% in every regime) and for random, fast and straight-lining raters
(goal: over 90%).

Then, over all regimes and seeds, the share of each kind's labels flagged by how many ratings the
rater gave (the activity bucket), and, for a random rater, the best any test could do: the power
of the Neyman-Pearson likelihood-ratio test that knows the truth model exactly (careful raters
with noise sd 0.5 and bias sd 0.2 around a logistic truth, the simulator's), at 5% careful raters
wrongly flagged, against the labels a rater has on items that two careful raters also rated. No
rule can beat that power, so below it the goal is out of reach for any checker. (A rater with n
ratings has up to 3n such labels here; the heavy-tailed regimes leave many items with one rater.)
Run: .venv/bin/python bench/bench_flag_precision.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.simulator import RATER_KINDS, simulate_rating_matrix  # noqa: E402
from review.quality import REASONS, assess_quality  # noqa: E402
from review.quality.flags import REASON_BIT  # noqa: E402

SEEDS = (3, 4, 5, 6, 7)
CAREFUL = ["careful"]
PROBLEMS = ["random", "fast", "straight_liner"]
GROUPS = ("careful", "harsh", *PROBLEMS)
REGIMES = [
    # name, rater kinds, items, overlap, criteria, activity
    ("few raters, few labels", CAREFUL * 4 + ["random"], 40, 3, 3, "even"),
    ("many raters, few labels each", CAREFUL * 16 + PROBLEMS + ["random"], 60, 3, 3, "even"),
    ("heavy-tailed activity", CAREFUL * 24 + PROBLEMS * 2 + ["harsh"] * 2, 600, 3, 3, "pareto"),
    ("heavy-tailed, careful only", CAREFUL * 30, 600, 3, 3, "pareto"),
    ("homogeneous careful", CAREFUL * 8, 150, 3, 3, "even"),
    ("one spammer among careful", CAREFUL * 7 + ["random"], 150, 3, 3, "even"),
    ("demo team (8 raters, 150 creatives)", CAREFUL * 4 + PROBLEMS + ["harsh"], 150, 3, 3, "even"),
    # Seven raters far more precise (sd 0.2) than the last careful one (sd 0.6): noise relative
    # to the team alone would call that one noisy.
    ("precise team, one careful at sd 0.6", CAREFUL * 8, 150, 3, 3, "precise"),
]
PRECISE_SD, LAST_SD = 0.2, 0.6
BUCKETS = ((1, 1), (2, 3), (4, 6), (7, 12), (13, 30), (31, 10**9))
POWER_LABELS = (3, 6, 9, 15, 30)


def main() -> None:
    activity: list[tuple[str, int, float]] = []
    for regime in REGIMES:
        activity += _report_regime(*regime)
    _report_activity(activity)
    _report_best_possible()


def _report_regime(name, kinds, n_items, overlap, n_criteria, spread) -> list:
    hits = {reason: [] for reason in REASONS}
    flagged_all, noisy_all, per_group, worst, activity, seconds = [], [], {}, {}, [], 0.0
    for seed in SEEDS:
        table = simulate_rating_matrix(n_items, len(kinds), n_criteria, overlap=overlap, seed=seed,
                                       rater_kinds=kinds)
        if spread == "pareto":
            table = _heavy_tailed(table, len(kinds), seed=seed + 1)
        if spread == "precise":
            table = _with_noise(table, [PRECISE_SD] * (len(kinds) - 1) + [LAST_SD], seed=seed)
        start = time.perf_counter()
        report = assess_quality(table, n_boot=50)
        seconds += time.perf_counter() - start
        flags, noisy = report.ratings, np.asarray(table.noisy)
        for reason in REASONS:
            hits[reason].append((flags.reasons & REASON_BIT[reason]) > 0)
        flagged_all.append(flags.flagged)
        noisy_all.append(noisy)
        kind = np.array(table.rater_kinds)[table.rater]
        for rater in np.unique(table.rater):
            mine = table.rater == rater
            group, share = kind[mine][0], float(np.mean(flags.flagged[mine]))
            per_group.setdefault(group, []).append(flags.flagged[mine])
            worst[group] = max(worst.get(group, 0.0), share)
            activity.append((group, int(mine.sum() // n_criteria), share))
    flagged, noisy = np.concatenate(flagged_all), np.concatenate(noisy_all)
    print(f"\n{name}: {len(kinds)} raters, {noisy.size // len(SEEDS)} labels per seed, "
          f"{len(SEEDS)} seeds ({seconds / len(SEEDS):.2f}s per run)")
    for reason in REASONS:
        hit = np.concatenate(hits[reason])
        if hit.any():
            _line(reason, hit, noisy)
    _line("all reasons", flagged, noisy)
    for group in GROUPS:
        if group in per_group:
            print(f"  {group:20s} labels flagged {np.mean(np.concatenate(per_group[group])):6.1%} "
                  f"(worst rater {worst[group]:.1%})")
    return activity


def _line(label: str, hit: np.ndarray, noisy: np.ndarray) -> None:
    precision = np.mean(noisy[hit]) if hit.any() else float("nan")
    recall = np.sum(hit & noisy) / max(noisy.sum(), 1)
    print(f"  {label:20s} flags {hit.sum():6d}  precision {precision:.2f}  recall {recall:.2f}")


def _report_activity(activity) -> None:
    print("\nShare of labels flagged by the rater's activity (ratings given), all regimes and seeds")
    header = "".join(f"{f'{lo}' if lo == hi else (f'{lo}-{hi}' if hi < 10**9 else f'{lo}+'):>14s}"
                     for lo, hi in BUCKETS)
    print(f"  {'ratings':16s}{header}")
    for group in GROUPS:
        cells = []
        for low, high in BUCKETS:
            shares = [(n, share) for g, n, share in activity if g == group and low <= n <= high]
            if not shares:
                cells.append(f"{'-':>14s}")
                continue
            labels = np.array([n for n, _ in shares], dtype=float)
            weighted = np.sum(labels * np.array([s for _, s in shares])) / labels.sum()
            cells.append(f"{f'{weighted:.0%} ({len(shares)})':>14s}")
        print(f"  {group:16s}{''.join(cells)}")
    print("  (cells: share of the bucket's labels flagged, and in brackets how many raters)")


def _report_best_possible(n_sim: int = 20_000, seed: int = 11) -> None:
    """Power of the exact likelihood-ratio test, careful vs random, at 5% careful flagged."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(1, 5, 161)
    # The simulator's truth: 1 + 4 / (1 + exp(-1.8 * N(0, 1))), as a density on the grid.
    latent = np.log((grid - 1 + 1e-9) / (5 - grid + 1e-9)) / 1.8
    prior = np.exp(-latent**2 / 2) / ((grid - 1 + 1e-9) * (5 - grid + 1e-9))
    prior /= prior.sum()
    sd = np.hypot(0.5, 0.2)
    print("\nBest any test could do: a random rater vs a careful one, from n labels on items "
          "that two careful raters also rated")
    print(f"  {'labels':>8s} {'random flagged, 5% of careful':>30s} {'at 1% of careful':>18s}")
    for n in POWER_LABELS:
        careful = _llr(rng, grid, prior, sd, n, n_sim, random_rater=False)
        random = _llr(rng, grid, prior, sd, n, n_sim, random_rater=True)
        power = [np.mean(random > np.quantile(careful, 1 - alpha)) for alpha in (0.05, 0.01)]
        print(f"  {n:8d} {power[0]:30.1%} {power[1]:18.1%}")


def _llr(rng, grid, prior, sd, n, n_sim, *, random_rater) -> np.ndarray:
    """log P(labels | random) - log P(labels | careful) for n labels per simulated rater."""
    truth = rng.choice(grid, size=(n_sim, n), p=prior)
    others = _careful_labels(rng, truth[..., None].repeat(2, axis=-1), sd)
    own = (rng.integers(1, 6, size=truth.shape) if random_rater
           else _careful_labels(rng, truth, sd))
    # P(value | truth) for every scale point and grid truth, then the posterior over the truth.
    points = np.arange(1, 6)
    p_value = _label_probability(points[:, None], grid[None, :], sd)  # 5 x grid
    posterior = prior[None, None, :] * p_value[others[..., 0] - 1] * p_value[others[..., 1] - 1]
    posterior /= posterior.sum(axis=-1, keepdims=True)
    careful = np.einsum("sng,sng->sn", posterior, p_value[own - 1])
    return np.sum(np.log(0.2) - np.log(careful), axis=1)


def _careful_labels(rng, truth, sd):
    return np.clip(np.rint(truth + rng.normal(0, sd, truth.shape)), 1, 5).astype(int)


def _label_probability(value, truth, sd):
    """P(clip(round(truth + N(0, sd))) == value) on the 1..5 scale."""
    from math import erf, sqrt
    cdf = np.vectorize(lambda x: 0.5 * (1 + erf(x / sqrt(2))))
    upper = np.where(value >= 5, np.inf, (value + 0.5 - truth) / sd)
    lower = np.where(value <= 1, -np.inf, (value - 0.5 - truth) / sd)
    return cdf(upper) - cdf(lower)


def _with_noise(table, sds, seed):
    """The same raters, items and biases, relabelled with the given noise sd per rater."""
    rng = np.random.default_rng(seed + 100)
    truth = table.true_scores[table.item, table.criterion] + table.rater_bias[table.rater]
    value = np.clip(np.rint(truth + np.array(sds)[table.rater] * rng.standard_normal(truth.size)),
                    1, 5)
    noisy = np.abs(value - np.clip(np.rint(truth), 1, 5)) >= 2
    fields = {name: getattr(table, name) for name in ("item", "rater", "criterion", "duration_ms")}
    return type(table)(**fields, value=value.astype(np.int16), noisy=noisy,
                       true_scores=table.true_scores, rater_kinds=table.rater_kinds,
                       rater_bias=table.rater_bias)


def _heavy_tailed(table, n_raters, seed=4):
    rng = np.random.default_rng(seed)
    share = np.minimum(1.0, (rng.pareto(1.2, n_raters) + 0.05) / 2.0)
    keep = rng.random(table.value.size // 3) < share[table.rater[::3]]
    keep = np.repeat(keep, 3)
    fields = {name: getattr(table, name)[keep] for name in
              ("item", "rater", "criterion", "value", "duration_ms", "noisy")}
    return type(table)(**fields, true_scores=table.true_scores, rater_kinds=table.rater_kinds,
                       rater_bias=table.rater_bias)


if __name__ == "__main__":
    assert set(PROBLEMS) <= set(RATER_KINDS)
    main()
