"""Tests for the masked loss and the training loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tests.training.ml.ml_synthetic import synthetic_dataset
from training.ml import TrainConfig, evaluate, masked_loss, predict_normalised, resolve_device, train
from training.ml.train import validation_split


def test_masked_loss_ignores_nan_targets_and_their_gradients() -> None:
    pred = torch.tensor([[0.5, 0.2], [0.1, 0.9]], requires_grad=True)
    target = torch.tensor([[0.5, float("nan")], [0.3, float("nan")]])
    loss = masked_loss(pred, target, torch.ones_like(target))
    loss.backward()
    assert math.isclose(loss.item(), (0.0 + 0.04) / 2, rel_tol=1e-5)
    assert torch.isfinite(pred.grad).all()
    assert pred.grad[:, 1].abs().sum() == 0


def test_masked_loss_weights_cells_by_confidence() -> None:
    pred = torch.tensor([[0.0, 0.0]])
    target = torch.tensor([[1.0, 0.5]])
    loss = masked_loss(pred, target, torch.tensor([[3.0, 1.0]]))
    assert math.isclose(loss.item(), (3 * 1.0 + 1 * 0.25) / 4, rel_tol=1e-6)


def test_masked_loss_of_all_missing_batch_is_zero_not_nan() -> None:
    target = torch.full((2, 2), float("nan"))
    assert masked_loss(torch.zeros(2, 2), target, torch.ones(2, 2)).item() == 0.0


def test_training_reduces_loss_and_learns_synthetic_function(small_config: TrainConfig) -> None:
    data, held_out = synthetic_dataset(800), synthetic_dataset(300, seed=1)
    data.targets[::3, 1] = np.nan  # a third of one criterion unlabelled
    result = train(data, small_config)
    assert result.history[-1].train_loss < result.history[0].train_loss / 2
    metrics = evaluate(predict_normalised(result.model, held_out.features), held_out.targets)
    assert all(m["spearman"] > 0.8 for m in metrics.values()), metrics


def test_two_runs_with_the_same_seed_give_identical_weights(small_config: TrainConfig) -> None:
    data = synthetic_dataset(200)
    first = train(data, small_config).model.state_dict()
    second = train(data, small_config).model.state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_early_stopping_stops_before_max_epochs_when_validation_stalls() -> None:
    rng = np.random.default_rng(0)
    noise = synthetic_dataset(150)
    noise.targets[:] = rng.uniform(size=noise.targets.shape)  # nothing to learn
    config = TrainConfig(hidden=32, max_epochs=200, patience=3)
    result = train(noise, config)
    assert result.stopped_early
    assert result.epochs_run < 200
    assert result.epochs_run == result.best_epoch + config.patience


def test_should_stop_cancels_the_run(small_config: TrainConfig) -> None:
    seen: list[int] = []
    result = train(
        synthetic_dataset(100),
        small_config,
        on_epoch=lambda stats: seen.append(stats.epoch),
        should_stop=lambda: len(seen) >= 2,
    )
    assert result.cancelled
    assert result.epochs_run == 2
    assert seen == [1, 2]


def test_the_model_is_trained_on_the_device_it_reports(small_config: TrainConfig) -> None:
    result = train(synthetic_dataset(100), small_config)
    assert result.device == resolve_device(None)
    assert {p.device.type for p in result.model.parameters()} == {result.device}


def test_throughput_counts_training_rows_times_epochs_over_the_duration(small_config: TrainConfig) -> None:
    dataset = synthetic_dataset(100)
    result = train(dataset, small_config, device="cpu")
    n_train = len(validation_split(len(dataset), small_config.val_fraction, small_config.seed)[0])
    assert result.examples_per_s * result.duration_s == pytest.approx(n_train * result.epochs_run, rel=0.02)
    assert [epoch.epoch for epoch in result.history] == list(range(1, result.epochs_run + 1))
