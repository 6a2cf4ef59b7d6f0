"""Tests for checkpoint save/load."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from ml_synthetic import synthetic_dataset

from training.ml import (
    CheckpointError,
    FeatureSpec,
    TrainConfig,
    TrainResult,
    checkpoint_bytes,
    load_checkpoint,
    predict,
    save_checkpoint,
    train,
)


@pytest.fixture(scope="module")
def trained() -> TrainResult:
    """One small trained model shared by the tests in this module."""
    config = TrainConfig(hidden=32, max_epochs=10, patience=5, dropout=0.1)
    return train(synthetic_dataset(120), config)


def test_round_trip_gives_identical_predictions(
    trained, spec: FeatureSpec, small_config: TrainConfig, tmp_path: Path
) -> None:
    path = tmp_path / "model.pt"
    metrics = {"appeal": {"mae": np.float32(0.3), "spearman": None, "n": np.int64(4)}}
    save_checkpoint(trained.model, spec, small_config, metrics, path)
    loaded = load_checkpoint(path)
    x = synthetic_dataset(30, seed=5).features
    np.testing.assert_array_equal(predict(loaded.model, x, loaded.spec), predict(trained.model, x, spec))
    assert loaded.spec == spec
    assert loaded.config == small_config
    assert loaded.versions["torch"] == torch.__version__
    assert loaded.metrics == {"appeal": {"mae": pytest.approx(0.3), "spearman": None, "n": 4}}


def test_checkpoint_bytes_load_back(trained, spec: FeatureSpec, small_config: TrainConfig) -> None:
    blob = checkpoint_bytes(trained.model, spec, small_config, {})
    assert load_checkpoint(blob).model.config == trained.model_config


def test_corrupt_checkpoint_raises_checkpoint_error(trained, spec: FeatureSpec, small_config: TrainConfig) -> None:
    blob = checkpoint_bytes(trained.model, spec, small_config, {})
    with pytest.raises(CheckpointError):
        load_checkpoint(blob[: len(blob) // 2])
    with pytest.raises(CheckpointError):
        load_checkpoint(b"not a checkpoint at all")


class _Payload:
    """Stands in for any object an attacker could pickle into a model file."""

    def __reduce__(self):
        return (print, ("this must never run",))


def test_load_refuses_arbitrary_pickled_objects() -> None:
    buffer = io.BytesIO()
    torch.save({"format_version": 1, "evil": _Payload()}, buffer)
    with pytest.raises(CheckpointError, match="unreadable"):
        load_checkpoint(buffer.getvalue())


def test_wrong_shape_state_is_a_checkpoint_error(trained, spec: FeatureSpec, small_config: TrainConfig) -> None:
    buffer = io.BytesIO(checkpoint_bytes(trained.model, spec, small_config, {}))
    payload = torch.load(buffer, weights_only=True)
    payload["model_config"]["hidden"] = 7
    tampered = io.BytesIO()
    torch.save(payload, tampered)
    with pytest.raises(CheckpointError, match="does not match"):
        load_checkpoint(tampered.getvalue())
