"""Consensus: Dawid-Skene on the real bluebirds data, the shrunk graded model, baselines."""


import numpy as np
import pytest
import yaml

from review.quality import assess_quality, rating_table_from_columns
from review.quality.consensus import (
    consensus_estimate,
    dawid_skene,
    graded_consensus,
    majority_vote,
    mean_consensus,
)
from tests.shared_data import BLUEBIRDS, require


@pytest.fixture(scope="module")
def bluebirds():
    require(BLUEBIRDS)
    labels = yaml.safe_load((BLUEBIRDS / "labels.yaml").read_text())
    gold = yaml.safe_load((BLUEBIRDS / "gt.yaml").read_text())
    rows = [(rater, item, float(value)) for rater, answers in labels.items()
            for item, value in answers.items()]
    table = rating_table_from_columns(item=[r[1] for r in rows], rater=[r[0] for r in rows],
                                      value=[r[2] for r in rows])
    truth = np.array([float(gold[item]) for item in table.item_labels])
    return table, truth


def test_bluebirds_consensus_beats_majority_vote_by_a_wide_margin(bluebirds):
    table, truth = bluebirds
    report = assess_quality(table, n_boot=50)
    items = report.items
    majority_error = np.mean(items.majority != truth[items.item])
    consensus_error = np.mean(items.label != truth[items.item])
    assert majority_error == pytest.approx(26 / 108)
    assert consensus_error <= 0.13
    assert report.criteria["default"].consensus_method == "dawid_skene"


def test_bluebirds_worse_than_chance_raters_are_the_least_reliable(bluebirds):
    table, truth = bluebirds
    report = assess_quality(table, n_boot=50)
    reliability = report.raters.columns["reliability"]
    accuracy = (np.bincount(table.rater, weights=table.value == truth[table.item])
                / np.bincount(table.rater))
    least_reliable = np.argsort(reliability)
    # The four lowest are all worse than chance, and every clearly worse-than-chance rater
    # (accuracy < 0.45, six of them) is among the nine least reliable of 39.
    assert (accuracy[least_reliable[:4]] < 0.5).all()
    assert set(np.flatnonzero(accuracy < 0.45)) <= set(least_reliable[:9])
    assert (reliability[accuracy < 0.45] < reliability[accuracy > 0.7].min()).all()


def _graded_data(seed=0, n_items=600):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(1, 5, n_items)
    noise = np.array([0.4, 0.5, 0.5, 0.6, 3.0, 3.0])  # two guessing raters
    items = np.repeat(np.arange(n_items), noise.size)
    raters = np.tile(np.arange(noise.size), n_items)
    values = np.clip(np.rint(truth[items] + noise[raters] * rng.standard_normal(items.size)), 1, 5)
    return items, raters, values, truth


def test_graded_consensus_beats_plain_mean_when_some_raters_guess():
    items, raters, values, truth = _graded_data()
    fit = graded_consensus(items=items, raters=raters, values=values, n_items=truth.size,
                           n_raters=6)
    plain = mean_consensus(items=items, values=values, n_items=truth.size)
    assert np.abs(fit.value - truth).mean() < 0.8 * np.abs(plain - truth).mean()
    assert fit.rater_weight[4:].max() < fit.rater_weight[:4].min()


def test_graded_consensus_corrects_a_harsh_raters_offset():
    items, raters, values, truth = _graded_data(seed=1)
    values = np.where(raters == 0, values - 1.0, values)
    fit = graded_consensus(items=items, raters=raters, values=values, n_items=truth.size,
                           n_raters=6)
    bias = np.bincount(raters, weights=values - fit.value[items]) / np.bincount(raters)
    assert bias[0] < -0.7


def test_graded_consensus_is_the_plain_mean_when_raters_are_alike():
    rng = np.random.default_rng(5)
    truth = rng.uniform(1, 5, 200)
    items, raters = np.repeat(np.arange(200), 4), np.tile(np.arange(4), 200)
    values = truth[items] + 0.5 * rng.standard_normal(items.size)
    fit = graded_consensus(items=items, raters=raters, values=values, n_items=200, n_raters=4)
    plain = mean_consensus(items=items, values=values, n_items=200)
    assert np.abs(fit.value - plain).max() < 0.02


def test_graded_consensus_gives_little_weight_to_a_rater_who_always_answers_the_middle():
    items, raters, values, truth = _graded_data(seed=2)
    values = np.where(raters == 5, 3.0, values)  # one guesser becomes a straight-liner
    fit = graded_consensus(items=items, raters=raters, values=values, n_items=truth.size,
                           n_raters=6)
    assert fit.rater_weight[5] < 0.2 * fit.rater_weight[:4].min()


def test_graded_consensus_reports_that_it_converged():
    items, raters, values, truth = _graded_data()
    fit = graded_consensus(items=items, raters=raters, values=values, n_items=truth.size,
                           n_raters=6)
    assert fit.converged and 1 < fit.n_iter < 200 and fit.last_change < 1e-6


def test_dawid_skene_reports_a_fit_stopped_at_its_iteration_cap():
    items, raters, values, truth = _graded_data()
    fit = dawid_skene(items=items, raters=raters, values=values, n_items=truth.size, n_raters=6,
                      max_iter=2)
    assert not fit.converged and fit.n_iter == 2 and fit.last_change > 1e-7


def test_leave_one_out_consensus_is_nan_for_a_lone_rating():
    items, raters, values = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 0.0, 1.0])
    fit = dawid_skene(items=items, raters=raters, values=values, n_items=2, n_raters=2)
    assert np.isnan(fit.loo_value[2]) and np.isfinite(fit.loo_value[:2]).all()


def test_dawid_skene_learns_an_inverted_rater_on_a_three_class_scale():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 400)
    items = np.repeat(np.arange(400), 4)
    raters = np.tile(np.arange(4), 400)
    correct = rng.random(items.size) < 0.8
    values = np.where(correct, truth[items], rng.integers(0, 3, items.size)).astype(float)
    values = np.where(raters == 3, 2 - truth[items], values)  # rater 3 answers mirrored
    fit = dawid_skene(items=items, raters=raters, values=values, n_items=400, n_raters=4,
                      nominal=True)
    assert np.mean(fit.label != truth) < np.mean(
        majority_vote(items=items, values=values, n_items=400) != truth)


def test_auto_method_picks_dawid_skene_for_binary_and_the_graded_model_for_scales():
    items, raters, values, truth = _graded_data()
    graded = consensus_estimate(items=items, raters=raters, values=values, n_items=truth.size,
                                n_raters=6)
    binary = consensus_estimate(items=items, raters=raters, values=(values > 3).astype(float),
                                n_items=truth.size, n_raters=6)
    assert (graded.method, binary.method) == ("graded", "dawid_skene")


def test_majority_vote_breaks_ties_to_the_lower_value_and_leaves_unrated_nan():
    result = majority_vote(items=np.array([0, 0, 1, 1, 1]),
                           values=np.array([4.0, 2.0, 3.0, 3.0, 1.0]), n_items=3)
    assert result[:2].tolist() == [2.0, 3.0] and np.isnan(result[2])
