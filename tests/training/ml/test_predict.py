"""Tests for scoring and MC-dropout uncertainty."""

from __future__ import annotations

import numpy as np

from tests.training.ml.ml_synthetic import synthetic_dataset
from training.ml import FeatureSpec, TrainConfig, predict, predict_with_uncertainty, train


def test_uncertainty_is_non_negative_and_larger_off_distribution(spec: FeatureSpec) -> None:
    config = TrainConfig(hidden=64, max_epochs=30, patience=5, dropout=0.3)
    model = train(synthetic_dataset(400), config).model
    in_dist = synthetic_dataset(100, seed=3).features
    far = in_dist * 8.0  # far outside the training distribution
    near_pred = predict_with_uncertainty(model, in_dist, spec=spec)
    far_pred = predict_with_uncertainty(model, far, spec=spec)
    assert (near_pred.std >= 0).all() and (far_pred.std >= 0).all()
    assert far_pred.std.mean() > near_pred.std.mean()


def test_predictions_are_on_the_rating_scale(spec: FeatureSpec) -> None:
    model = train(synthetic_dataset(100), TrainConfig(hidden=16, max_epochs=5)).model
    x = synthetic_dataset(50, seed=2).features * 20.0
    scores = predict(model, x, spec)
    assert scores.shape == (50, 3)
    assert scores.min() >= 1.0 and scores.max() <= 5.0
    mean, _ = predict_with_uncertainty(model, x, n_samples=5, spec=spec)
    assert mean.min() >= 1.0 and mean.max() <= 5.0


def test_mc_dropout_is_reproducible_and_leaves_model_in_eval_mode(spec: FeatureSpec) -> None:
    model = train(synthetic_dataset(60), TrainConfig(hidden=16, max_epochs=3)).model
    x = synthetic_dataset(10, seed=4).features
    first = predict_with_uncertainty(model, x, n_samples=5, spec=spec)
    second = predict_with_uncertainty(model, x, n_samples=5, spec=spec)
    np.testing.assert_array_equal(first.std, second.std)
    assert not model.training
