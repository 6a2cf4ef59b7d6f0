"""assess_quality on simulated data with a known truth, and the report's JSON shape."""

import dataclasses
import json

import numpy as np
import pytest

from demo.simulator import simulate_rating_matrix
from review.quality import (
    QualityThresholds,
    RatingTable,
    assess_quality,
    rating_table_from_columns,
    report_to_dict,
)
from review.quality.flags import REASON_BIT


@pytest.fixture(scope="module")
def simulated():
    table = simulate_rating_matrix(1500, 20, 3, overlap=4, seed=1)
    return table, assess_quality(table, n_boot=100)


def _kind_rows(table, kind):
    return np.isin(table.rater, [i for i, k in enumerate(table.rater_kinds) if k == kind])


@pytest.mark.parametrize(("kind", "reason"), [("random", "unreliable_rater"),
                                              ("fast", "too_fast"),
                                              ("straight_liner", "straight_lining")])
def test_each_problem_rater_is_flagged_for_its_reason(simulated, kind, reason):
    table, report = simulated
    rows = _kind_rows(table, kind)
    assert rows.any()
    has_reason = (report.ratings.reasons[rows] & REASON_BIT[reason]) > 0
    assert has_reason.mean() > 0.9


def test_noisy_labels_are_found_with_precision_and_recall_of_at_least_0_9(simulated):
    table, report = simulated
    flagged, noisy = report.ratings.flagged, table.noisy
    precision = (flagged & noisy).sum() / flagged.sum()
    recall = (flagged & noisy).sum() / noisy.sum()
    assert precision >= 0.9 and recall >= 0.9


def test_harsh_rater_is_biased_but_not_flagged_unreliable(simulated):
    table, report = simulated
    harsh = [i for i, k in enumerate(table.rater_kinds) if k == "harsh"]
    assert report.raters.columns["bias"][harsh].max() < -0.8
    rows = _kind_rows(table, "harsh")
    assert not (report.ratings.reasons[rows] & REASON_BIT["unreliable_rater"]).any()


def test_weighted_consensus_is_closer_to_the_truth_than_the_plain_mean(simulated):
    table, report = simulated
    items = report.items
    truth = table.true_scores[items.item, items.criterion]
    assert np.abs(items.consensus - truth).mean() < 0.9 * np.abs(items.mean - truth).mean()


def test_alpha_has_a_ci_around_it_per_criterion(simulated):
    _, report = simulated
    assert len(report.criteria) == 3
    for summary in report.criteria.values():
        assert summary.alpha_ci[0] < summary.alpha < summary.alpha_ci[1]
        assert summary.n_items == 1500 and summary.n_ratings == 6000


def test_report_to_dict_has_the_agreed_json_shape(simulated):
    _, report = simulated
    data = json.loads(json.dumps(report_to_dict(report)))
    criterion = data["criteria"]["0"]
    assert {"alpha", "alpha_ci", "n_items", "n_ratings"} <= criterion.keys()
    assert len(criterion["alpha_ci"]) == 2
    assert {"item", "criterion", "consensus", "uncertainty", "n_ratings"} <= data["items"][0].keys()
    assert {"rater", "reliability", "bias", "n_ratings"} <= data["raters"][0].keys()
    flag = data["flags"][0]
    assert {"item", "rater", "criterion", "reasons", "severity"} <= flag.keys()
    assert flag["reasons"] and flag["severity"] in ("low", "medium", "high")
    assert len(data["flags"]) == int(report.ratings.flagged.sum())


def _small_table(**extra):
    rng = np.random.default_rng(0)
    n_items, n_raters = 60, 5
    items = np.repeat(np.arange(n_items), n_raters)
    raters = np.tile(np.arange(n_raters), n_items)
    truth = rng.integers(1, 6, n_items).astype(float)
    values = np.clip(truth[items] + rng.integers(-1, 2, items.size) * (rng.random(items.size) < .2),
                     1, 5)
    columns = {"item": items, "rater": raters, "criterion": np.zeros(items.size, int),
               "value": values}
    columns.update(extra)
    return columns, truth


def test_repeat_gold_and_model_rules_flag_the_planted_rows():
    columns, truth = _small_table()
    n = columns["value"].size
    # Append a consistent and an inconsistent repeat by rater 0 on items 0 and 1.
    for key, add in (("item", [0, 1]), ("rater", [0, 0]), ("criterion", [0, 0])):
        columns[key] = np.r_[columns[key], add]
    first = columns["value"][[0, 5]]
    columns["value"] = np.r_[columns["value"], first[0], 6.0 - first[1] if first[1] != 3 else 5.0]
    kind = np.r_[np.zeros(n, np.int8), [1, 1]]
    gold = np.full(n + 2, np.nan)
    gold[10] = columns["value"][10] + 3.0  # a gold miss
    prediction = np.full(n + 2, np.nan)
    prediction[20] = columns["value"][20] + 3.0  # confident model disagreement
    table = RatingTable(**columns, kind=kind, gold_value=gold, model_prediction=prediction,
                        model_std=np.full(n + 2, 0.1))
    report = assess_quality(table, n_boot=20)
    reasons = report.ratings.reasons
    assert reasons[n + 1] & REASON_BIT["repeat_inconsistent"]
    assert not reasons[n] & REASON_BIT["repeat_inconsistent"]
    assert reasons[10] & REASON_BIT["gold_miss"]
    assert reasons[20] & REASON_BIT["model_disagreement"]
    assert report.raters.columns["n_repeats"][0] == 2
    assert report.raters.columns["gold_accuracy"][0] == 0.0  # row 10 is rater 0 on item 2


def test_unconfident_model_prediction_is_not_a_flag():
    columns, _ = _small_table()
    n = columns["value"].size
    prediction = columns["value"] + 3.0
    table = RatingTable(**columns, model_prediction=prediction, model_std=np.full(n, 2.0))
    report = assess_quality(table, n_boot=10)
    assert not (report.ratings.reasons & REASON_BIT["model_disagreement"]).any()


def test_alpha_and_rater_drift_are_reported_per_week():
    columns, _ = _small_table()
    week = (columns["item"] >= 30).astype(int) + 202601
    report = assess_quality(RatingTable(**columns, week=week), n_boot=10)
    assert set(report.criteria["0"].alpha_by_week) == {202601, 202602}
    drift_rater, drift_week, drift_reliability = report.raters_by_criterion[0].drift
    assert set(drift_week.tolist()) == {202601, 202602} and drift_rater.size == 10


def test_thresholds_are_frozen_and_strictness_changes_flag_counts():
    columns, _ = _small_table()
    table = rating_table_from_columns(item=columns["item"], rater=columns["rater"],
                                      value=columns["value"], duration_ms=np.full(300, 5000.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        QualityThresholds().outlier_z = 1.0
    loose = assess_quality(table, n_boot=10)
    strict = assess_quality(table, thresholds=QualityThresholds(outlier_z=0.5,
                                                                outlier_min_distance=0.0),
                            n_boot=10)
    assert strict.ratings.flagged.sum() > loose.ratings.flagged.sum()
