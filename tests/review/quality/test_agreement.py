"""Krippendorff's alpha: published example, parity with the `krippendorff` package, wide scales."""


import krippendorff
import numpy as np
import pytest

from review.quality.agreement import (
    LEVELS,
    alpha_bootstrap_ci,
    krippendorff_alpha,
    krippendorff_alpha_long,
)

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): 4 coders x 12 units.
KRIPPENDORFF_EXAMPLE = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
])
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


@pytest.mark.parametrize("level", LEVELS)
def test_published_example_matches_paper_and_package(level):
    ours = krippendorff_alpha(KRIPPENDORFF_EXAMPLE, level)
    assert round(ours, 3) == PUBLISHED[level]
    package = krippendorff.alpha(KRIPPENDORFF_EXAMPLE, level_of_measurement=level)
    assert abs(ours - package) < 1e-9


def _random_matrices(count, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n_raters, n_units, n_values = rng.integers(2, 9), rng.integers(2, 40), rng.integers(2, 9)
        data = rng.integers(0, n_values, size=(n_raters, n_units)).astype(float)
        data = data * rng.choice([1.0, 0.5, 3.0]) + rng.choice([0.0, 1.0, -2.0])
        data[rng.random(data.shape) < rng.uniform(0.0, 0.5)] = np.nan
        yield data


@pytest.mark.parametrize("level", LEVELS)
def test_equals_package_on_200_random_matrices_with_missing_data(level):
    compared = 0
    for data in _random_matrices(200):
        try:
            expected = krippendorff.alpha(data, level_of_measurement=level)
        except ValueError:  # no pairable unit or a single value: the package refuses
            continue
        ours = krippendorff_alpha(data, level)
        if np.isnan(expected):
            assert np.isnan(ours)
        else:
            assert abs(ours - expected) < 1e-9
        compared += 1
    assert compared >= 180


def test_long_entry_equals_matrix_entry_with_shuffled_rows():
    data = next(_random_matrices(1, seed=3))
    raters, units = np.nonzero(~np.isnan(data))
    order = np.random.default_rng(0).permutation(units.size)
    long_alpha = krippendorff_alpha_long(units[order] * 7 + 100, data[raters, units][order])
    assert long_alpha == pytest.approx(krippendorff_alpha(data), abs=1e-12)


def test_no_pairable_unit_gives_nan():
    assert np.isnan(krippendorff_alpha_long(np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0])))


def _wide_scale_long(n_labels, seed=0):
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(n_labels // 5), 5)
    truth = rng.uniform(0, 100, units.max() + 1)
    values = np.clip(np.rint(truth[units] + rng.normal(0, 10, units.size)), 0, 100)
    return units, values


@pytest.mark.parametrize("level", ["ordinal", "interval", "nominal", "ratio"])
def test_wide_scale_200k_labels_give_an_alpha_in_range(level):
    # Its speed (and near-linear cost in labels) is measured by bench/bench_quality_core.py.
    assert -1.0 <= krippendorff_alpha_long(*_wide_scale_long(200_000), level=level) <= 1.0


def test_wide_scale_matches_package_on_a_small_sample():
    units, values = _wide_scale_long(2_000, seed=1)
    matrix = np.full((5, units.max() + 1), np.nan)
    matrix[np.tile(np.arange(5), units.max() + 1), units] = values
    for level in LEVELS:
        expected = krippendorff.alpha(matrix, level_of_measurement=level)
        assert krippendorff_alpha(matrix, level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_ci_brackets_alpha_and_is_reproducible(level):
    units, values = _wide_scale_long(5_000, seed=2)
    values = np.rint(values / 20)  # a 0..5 scale keeps nominal meaningful
    alpha = krippendorff_alpha_long(units, values, level=level)
    ci = alpha_bootstrap_ci(units, values, level=level, n_boot=300, seed=7)
    assert ci[0] < alpha < ci[1]
    assert ci[1] - ci[0] < 0.1
    assert ci == alpha_bootstrap_ci(units, values, level=level, n_boot=300, seed=7)


def test_bootstrap_ci_narrows_with_confidence():
    units, values = _wide_scale_long(5_000, seed=4)
    wide = alpha_bootstrap_ci(units, values, n_boot=400, confidence=0.99)
    narrow = alpha_bootstrap_ci(units, values, n_boot=400, confidence=0.5)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]
