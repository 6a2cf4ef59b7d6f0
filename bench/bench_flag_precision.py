"""Flag precision and recall per reason on the simulator's regimes, and who gets flagged.

A flag is right when the simulator says the label is noisy (demo.simulator.SimulatedRating: every
label of a random, fast or straight-lining rater, and a careful rater's gross slips of 2+ points).
Per regime it prints each reason's precision and recall, and the share of labels flagged for
careful raters (goal: under 10%) and for random, fast and straight-lining raters (goal: over 90%).
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

CAREFUL = ["careful"]
PROBLEMS = ["random", "fast", "straight_liner"]
REGIMES = [
    # name, rater kinds, items, overlap, criteria
    ("few raters, few labels", CAREFUL * 4 + ["random"], 40, 3, 3),
    ("heavy-tailed activity", CAREFUL * 24 + PROBLEMS * 2 + ["harsh"] * 2, 600, 3, 3),
    ("homogeneous careful", CAREFUL * 8, 150, 3, 3),
    ("one spammer among careful", CAREFUL * 7 + ["random"], 150, 3, 3),
    ("demo team (8 raters, 150 creatives)", CAREFUL * 4 + PROBLEMS + ["harsh"], 150, 3, 3),
]


def main() -> None:
    for name, kinds, n_items, overlap, n_criteria in REGIMES:
        table = simulate_rating_matrix(n_items, len(kinds), n_criteria, overlap=overlap, seed=3,
                                       rater_kinds=kinds)
        if name.startswith("heavy"):
            table = _heavy_tailed(table, len(kinds))
        start = time.perf_counter()
        report = assess_quality(table, n_boot=50)
        seconds = time.perf_counter() - start
        flags, noisy = report.ratings, np.asarray(table.noisy)
        kind = np.array(table.rater_kinds)[table.rater]
        print(f"\n{name}: {table.value.size} labels, {len(kinds)} raters ({seconds:.2f}s)")
        for reason in REASONS:
            hit = (flags.reasons & REASON_BIT[reason]) > 0
            if not hit.any():
                continue
            precision = np.mean(noisy[hit])
            recall = np.sum(hit & noisy) / max(noisy.sum(), 1)
            print(f"  {reason:20s} flags {hit.sum():5d}  precision {precision:.2f}  recall {recall:.2f}")
        any_flag = flags.flagged
        print(f"  {'all reasons':20s} flags {any_flag.sum():5d}  precision "
              f"{np.mean(noisy[any_flag]) if any_flag.any() else float('nan'):.2f}  recall "
              f"{np.sum(any_flag & noisy) / max(noisy.sum(), 1):.2f}")
        for group in ("careful", "harsh", *PROBLEMS):
            mine = kind == group
            if mine.any():
                worst = max(np.mean(any_flag[table.rater == r])
                            for r in np.unique(table.rater[mine]))
                print(f"  {group:20s} labels flagged {np.mean(any_flag[mine]):6.1%} "
                      f"(worst rater {worst:.1%})")


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
