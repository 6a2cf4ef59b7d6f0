"""Rater-level flags (unreliable, straight-lining) from intervals, on few labels and many."""

import numpy as np
import pytest

from demo.simulator import simulate_rating_matrix
from review.quality import assess_quality
from review.quality.flags import (
    REASON_BIT,
    chi2_quantile,
    noise_ratio_lower_bound,
    share_lower_bound,
)
from review.quality.table import RatingTable

SEEDS = range(5)


def _with_few_ratings(table, rater: int, n_ratings: int) -> RatingTable:
    """The table with only the first `n_ratings` ratings (3 labels each) of `rater` kept."""
    rating = np.arange(table.value.size) // 3
    mine = table.rater == rater
    first = np.unique(rating[mine])[:n_ratings]
    keep = ~mine | np.isin(rating, first)
    return RatingTable(item=table.item[keep], rater=table.rater[keep],
                       criterion=table.criterion[keep], value=table.value[keep])


def _share(report, table, rater: int, reason: str) -> float:
    rows = table.rater == rater
    return float(np.mean((report.ratings.reasons[rows] & REASON_BIT[reason]) > 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_guessing_rater_with_eight_ratings_is_flagged_unreliable(seed):
    table = simulate_rating_matrix(200, 8, 3, overlap=4, seed=seed,
                                   rater_kinds=["careful"] * 7 + ["random"])
    few = _with_few_ratings(table, 7, 8)
    assert _share(assess_quality(few, n_boot=0), few, 7, "unreliable_rater") == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_straight_liner_with_five_ratings_is_flagged(seed):
    table = simulate_rating_matrix(200, 8, 3, overlap=4, seed=seed,
                                   rater_kinds=["careful"] * 7 + ["straight_liner"])
    few = _with_few_ratings(table, 7, 5)
    assert _share(assess_quality(few, n_boot=0), few, 7, "straight_lining") == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_careful_raters_with_few_ratings_are_not_flagged_as_raters(seed):
    table = simulate_rating_matrix(200, 8, 3, overlap=4, seed=seed, rater_kinds=["careful"] * 8)
    for rater in range(8):
        few = _with_few_ratings(table, rater, 3)
        report = assess_quality(few, n_boot=0)
        assert _share(report, few, rater, "unreliable_rater") == 0.0
        assert _share(report, few, rater, "straight_lining") == 0.0


def test_a_careful_rater_among_far_more_precise_raters_is_not_unreliable():
    table = simulate_rating_matrix(300, 8, 3, overlap=4, seed=1, rater_kinds=["careful"] * 8)
    rng = np.random.default_rng(1)
    sd = np.where(table.rater == 7, 0.6, 0.15)
    value = np.clip(np.rint(table.true_scores[table.item, table.criterion]
                            + sd * rng.standard_normal(table.value.size)), 1, 5)
    precise = RatingTable(item=table.item, rater=table.rater, criterion=table.criterion,
                          value=value)
    assert _share(assess_quality(precise, n_boot=0), precise, 7, "unreliable_rater") == 0.0


def test_a_harsh_rater_whose_labels_pile_up_at_the_floor_is_not_a_straight_liner():
    table = simulate_rating_matrix(300, 8, 3, overlap=4, seed=2,
                                   rater_kinds=["careful"] * 7 + ["harsh"])
    floor = np.mean(table.value[table.rater == 7] == 1)
    report = assess_quality(table, n_boot=0)
    assert floor > 0.4 and _share(report, table, 7, "straight_lining") == 0.0


def test_a_lone_rating_of_one_value_is_no_evidence_of_straight_lining():
    # Rater 3 rates item 9 alone, 3 on every criterion: nothing to compare it with.
    items = np.r_[np.repeat(np.arange(9), 9), [9, 9, 9]]
    raters = np.r_[np.tile(np.repeat(np.arange(3), 3), 9), [3, 3, 3]]
    criteria = np.r_[np.tile(np.arange(3), 27), [0, 1, 2]]
    values = np.r_[(1 + np.repeat(np.arange(9), 9) % 5).astype(float), [3.0, 3.0, 3.0]]
    table = RatingTable(item=items, rater=raters, criterion=criteria, value=values)
    assert _share(assess_quality(table, n_boot=0), table, 3, "straight_lining") == 0.0


def test_chi_square_quantiles_are_within_one_percent_of_the_tables():
    # Upper 5% points of the chi-square distribution (Pearson & Hartley).
    table = {2: 5.991, 3: 7.815, 6: 12.592, 10: 18.307, 30: 43.773, 100: 124.342}
    got = chi2_quantile(0.95, np.array(list(table)))
    np.testing.assert_allclose(got, list(table.values()), rtol=0.01)


def test_noise_ratio_bound_is_the_ratio_at_the_chi_square_quantile():
    bound = noise_ratio_lower_bound(np.array([2.0, 2.0, 5.0]), np.array([6.0, 1.0, 0.0]), 0.95)
    assert bound[0] == pytest.approx(2.0 * 6 / chi2_quantile(0.95, np.array([6.0]))[0])
    assert bound[1:].tolist() == [0.0, 0.0]


def test_wilson_lower_bound_of_all_successes_is_n_over_n_plus_z_squared():
    z2 = 1.6448536269514722**2
    bounds = share_lower_bound(np.array([1.0, 1.0]), np.array([9.0, 24.0]), 0.95)
    np.testing.assert_allclose(bounds, [9 / (9 + z2), 24 / (24 + z2)])


def test_raters_who_all_give_every_item_the_same_value_are_not_flagged():
    items, raters = np.repeat(np.arange(12), 3 * 2), np.tile(np.repeat(np.arange(3), 2), 12)
    criteria = np.tile(np.arange(2), 36)
    table = RatingTable(item=items, rater=raters, criterion=criteria, value=np.full(72, 3.0))
    assert not assess_quality(table, n_boot=0).ratings.flagged.any()
