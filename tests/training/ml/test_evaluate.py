"""Tests for held-out metrics, the mean baseline and the promotion rule."""

from __future__ import annotations

import numpy as np
import pytest

from training.ml import evaluate, is_better, mean_baseline


def test_evaluate_skips_missing_and_masked_cells() -> None:
    target = np.array([[0.1, np.nan], [0.5, 0.2], [0.9, 0.4], [0.3, 0.6]])
    pred = target + 0.1
    mask = np.array([True, True, True, False])
    metrics = evaluate(pred, target, mask, criteria=[7, 9])
    assert metrics[7]["n"] == 3 and metrics[9]["n"] == 2
    assert metrics[7]["mae"] == pytest.approx(0.1)
    assert metrics[7]["spearman"] == pytest.approx(1.0)
    assert metrics[9]["spearman"] is None  # undefined with two points


def test_evaluate_refuses_ids_that_do_not_match_the_columns() -> None:
    with pytest.raises(ValueError, match="1 criterion ids for 2 target columns"):
        evaluate(np.zeros((3, 2)), np.zeros((3, 2)), criteria=[7])


def test_mean_baseline_predicts_training_means_and_has_no_rank_signal() -> None:
    train_targets = np.array([[0.2, np.nan], [0.4, 0.8]])
    baseline = mean_baseline(train_targets, n_rows=3)
    np.testing.assert_allclose(baseline, [[0.3, 0.8]] * 3)
    metrics = evaluate(baseline, np.array([[0.1, 0.5], [0.2, 0.6], [0.9, 0.9]]))
    assert metrics[0]["spearman"] is None  # without ids, metrics are keyed by column


def _metrics(mae: float, rho: float) -> dict:
    return {7: {"mae": mae, "spearman": rho, "n": 50}}


def test_is_better_needs_lower_mae_by_the_margin() -> None:
    assert is_better(_metrics(0.20, 0.5), _metrics(0.25, 0.5), margin=0.01)
    assert not is_better(_metrics(0.245, 0.5), _metrics(0.25, 0.5), margin=0.01)


def test_is_better_refuses_a_large_spearman_drop() -> None:
    assert not is_better(_metrics(0.20, 0.30), _metrics(0.25, 0.50))
    assert is_better(_metrics(0.20, 0.49), _metrics(0.25, 0.50))


def test_is_better_promotes_when_there_is_no_active_model() -> None:
    assert is_better(_metrics(0.3, 0.1), None)
