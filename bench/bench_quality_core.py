"""Benchmark the checker's numeric core against the `krippendorff` package.

Usage: python bench/bench_quality_core.py [--items 50000] [--with-package-wide]

Case 1: 50,000 items x 3 criteria x 40 raters at overlap 20/3 (~1,000,000 labels, 1..5 scale):
alpha per criterion (ours vs the package on the same raters x units matrices) and the full
`assess_quality` recompute (1,000 bootstrap replicates per criterion), with peak memory.
Case 2: a 0..100 scale with 200,000 labels: ours always; the package only with
--with-package-wide (its cost grows with the square of the distinct values: tens of seconds
and many GB).
Case 3: how the cost grows: alpha per level on a 0..100 scale at 50,000 and 400,000 labels (8x
the labels should cost well under 64x), and the simulator making ~1,000,000 labels. These were
wall-clock unit tests once; timing belongs here.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from demo.simulator import simulate_rating_matrix
from review.quality import assess_quality, krippendorff_alpha_long


def main() -> None:
    """Run both cases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--raters", type=int, default=40)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--with-package-wide", action="store_true")
    args = parser.parse_args()
    bench_standard(args.items, args.raters, args.n_boot)
    bench_wide(args.raters, with_package=args.with_package_wide)
    bench_scaling()
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def bench_standard(n_items: int, n_raters: int, n_boot: int) -> None:
    """Case 1: ~1M labels on a 1..5 scale."""
    table = simulate_rating_matrix(n_items, n_raters, 3, overlap=20 / 3, seed=0)
    print(f"== {len(table):,} labels: {n_items:,} items x 3 criteria, {n_raters} raters ==")
    # Both sides get their input prepared outside the timing: long columns for us, raters x
    # units matrices for the package; best of 3 runs because the machine is shared.
    columns = [_criterion(table, c) for c in range(3)]
    ours = _best_of(3, lambda: [krippendorff_alpha_long(*column) for column in columns])
    package = _package_alphas(table, n_raters)
    print(f"alpha (ordinal, 3 criteria): ours {ours[0]:.3f} s, package {package[0]:.3f} s, "
          f"speed-up x{package[0] / ours[0]:.1f}")
    print(f"  max |ours - package| = {np.max(np.abs(np.subtract(ours[1], package[1]))):.2e}")
    seconds, peak, report = _traced(lambda: assess_quality(table, n_boot=n_boot))
    print(f"full recompute (assess_quality: alpha + {n_boot}-replicate CI, consensus, rater "
          f"stats, flags): {seconds:.2f} s, traced peak {peak / 2**20:.0f} MiB")
    print(f"  flagged {int(report.ratings.flagged.sum()):,} of {len(table):,} labels")


def bench_wide(n_raters: int, *, with_package: bool) -> None:
    """Case 2: a 0..100 scale at 200,000 labels."""
    table = simulate_rating_matrix(40_000, n_raters, 1, overlap=5, scale=(0, 100), seed=1)
    print(f"== 0..100 scale: {len(table):,} labels, "
          f"{np.unique(table.value).size} distinct values ==")
    for level in ("ordinal", "interval"):
        seconds, _ = _timed(lambda level=level: krippendorff_alpha_long(
            *_criterion(table, 0), level=level))
        print(f"alpha {level}: ours {seconds:.3f} s")
    seconds, peak, _ = _traced(lambda: assess_quality(table, n_boot=1000))
    print(f"full recompute: {seconds:.2f} s, traced peak {peak / 2**20:.0f} MiB")
    if with_package:
        seconds, _ = _package_alphas(table, n_raters, criteria=1)
        print(f"package alpha ordinal: {seconds:.1f} s")
    else:
        print("package skipped (pass --with-package-wide to include it)")


def bench_scaling() -> None:
    """Case 3: alpha's cost from 50k to 400k labels per level, and the simulator's speed."""
    print("== scaling: 0..100 scale, 5 raters per unit ==")
    small, large = _wide_scale_long(50_000), _wide_scale_long(400_000)
    for level in ("ordinal", "interval", "nominal", "ratio"):
        krippendorff_alpha_long(*small, level=level)  # warm-up
        t_small = _best_of(3, lambda level=level: krippendorff_alpha_long(*small, level=level))[0]
        t_large = _best_of(3, lambda level=level: krippendorff_alpha_long(*large, level=level))[0]
        print(f"alpha {level}: 50k {t_small:.3f} s, 400k {t_large:.3f} s, ratio {t_large / t_small:.1f}x for 8x labels")
    seconds, table = _timed(lambda: simulate_rating_matrix(50_000, 40, 3, overlap=20 / 3, seed=0))
    print(f"simulator: {len(table):,} labels in {seconds:.2f} s")


def _wide_scale_long(n_labels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(n_labels // 5), 5)
    truth = rng.uniform(0, 100, units.max() + 1)
    return units, np.clip(np.rint(truth[units] + rng.normal(0, 10, units.size)), 0, 100)


def _criterion(table, code: int) -> tuple[np.ndarray, np.ndarray]:
    rows = table.criterion == code
    return table.item[rows], table.value[rows].astype(float)


def _package_alphas(table, n_raters: int, criteria: int = 3) -> tuple[float, list[float]]:
    import krippendorff  # dev dependency: only the comparison needs it

    matrices = []
    for code in range(criteria):
        rows = table.criterion == code
        matrix = np.full((n_raters, int(table.item.max()) + 1), np.nan)
        matrix[table.rater[rows], table.item[rows]] = table.value[rows]
        matrices.append(matrix)
    return _best_of(3 if criteria > 1 else 1,
                    lambda: [krippendorff.alpha(m, level_of_measurement="ordinal")
                             for m in matrices])


def _timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _best_of(repeats: int, call):
    return min((_timed(call) for _ in range(repeats)), key=lambda timing: timing[0])


def _traced(call):
    tracemalloc.start()
    try:
        seconds, result = _timed(call)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seconds, peak, result


if __name__ == "__main__":
    main()
