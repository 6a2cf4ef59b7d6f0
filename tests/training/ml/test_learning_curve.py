"""Tests for learning curves and label-need extrapolation."""

from __future__ import annotations

from tests.training.ml.ml_synthetic import synthetic_dataset
from training.ml import (
    TrainConfig,
    explain_labels_needed,
    extrapolate_labels_needed,
    learning_curve,
)


def _power_law(n: float) -> float:
    return 2.0 * n**-0.5 + 0.05


def test_extrapolation_recovers_labels_of_a_known_power_law() -> None:
    points = [(n, _power_law(n)) for n in (100, 200, 400, 800)]
    needed = extrapolate_labels_needed(points, target_mae=0.1)
    assert needed is not None
    assert abs(needed - 1600) / 1600 < 0.10


def test_flat_or_rising_curve_gives_none_with_a_reason() -> None:
    result = explain_labels_needed([(100, 0.2), (200, 0.21), (400, 0.22)], target_mae=0.1)
    assert result.n_labels is None
    assert "does not fall" in result.reason


def test_target_below_the_error_floor_gives_none() -> None:
    points = [(n, _power_law(n)) for n in (100, 200, 400, 800)]
    result = explain_labels_needed(points, target_mae=0.01)
    assert result.n_labels is None
    assert "floor" in result.reason


def test_target_already_reached_returns_the_first_point_reaching_it() -> None:
    points = [(n, _power_law(n)) for n in (100, 200, 400, 800)]
    assert extrapolate_labels_needed(points, target_mae=0.2) == 200


def test_learning_curve_counts_labels_and_falls_with_more_data() -> None:
    config = TrainConfig(hidden=32, max_epochs=40, patience=5)
    points = learning_curve(synthetic_dataset(600), (0.1, 1.0), config, synthetic_dataset(200, seed=9))
    assert [p.n_labels for p in points] == [60 * 3, 600 * 3]
    assert points[1].mae < points[0].mae
