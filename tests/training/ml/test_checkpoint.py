"""Tests for checkpoint save/load."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.training.ml.ml_synthetic import synthetic_dataset
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
    metrics = {11: {"mae": np.float32(0.3), "spearman": None, "n": np.int64(4)}}
    save_checkpoint(trained.model, spec, small_config, metrics, path)
    loaded = load_checkpoint(path)
    x = synthetic_dataset(30, seed=5).features
    np.testing.assert_array_equal(predict(loaded.model, x, loaded.spec), predict(trained.model, x, spec))
    assert loaded.spec == spec
    assert loaded.config == small_config
    assert loaded.versions["torch"] == torch.__version__
    assert loaded.metrics == {"11": {"mae": pytest.approx(0.3), "spearman": None, "n": 4}}
    assert loaded.format_version == 2


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


def _format_1_bytes(model, spec: FeatureSpec, config: TrainConfig, names: list[str]) -> bytes:
    """A checkpoint as the code before format 2 wrote it: the spec names its criteria."""
    spec_dict = spec.to_dict()
    named = zip(names, spec_dict["criteria"], strict=True)
    spec_dict["criteria"] = [[name, low, high] for name, (_, low, high) in named]
    payload = {
        "format_version": 1,
        "model_config": model.config.to_dict(),
        "train_config": config.to_dict(),
        "spec": spec_dict,
        "metrics": {"held_out": {"criteria": {name: {"mae": 0.3, "spearman": None, "n": 4} for name in names}}},
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "versions": {"python": "3.11.0", "torch": "2.13.0", "numpy": "2.0.0"},
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def test_format_1_checkpoint_loads_with_its_criterion_names_mapped_to_ids(
    trained, spec: FeatureSpec, small_config: TrainConfig
) -> None:
    blob = _format_1_bytes(trained.model, spec, small_config, ["appeal", "clarity", "brand_fit"])
    # Ids deliberately not in the names' order: the mapping, not the position, decides.
    loaded = load_checkpoint(blob, criterion_ids_by_name={"clarity": 12, "brand_fit": 13, "appeal": 11, "other": 5})
    assert loaded.format_version == 1
    assert loaded.spec == spec
    x = synthetic_dataset(10, seed=3).features
    np.testing.assert_array_equal(predict(loaded.model, x, loaded.spec), predict(trained.model, x, spec))


def test_format_1_checkpoint_without_a_name_mapping_is_a_checkpoint_error(
    trained, spec: FeatureSpec, small_config: TrainConfig
) -> None:
    blob = _format_1_bytes(trained.model, spec, small_config, ["appeal", "clarity", "brand_fit"])
    with pytest.raises(CheckpointError, match="criterion_ids_by_name"):
        load_checkpoint(blob)


def test_format_1_checkpoint_naming_an_unknown_criterion_is_a_checkpoint_error(
    trained, spec: FeatureSpec, small_config: TrainConfig
) -> None:
    blob = _format_1_bytes(trained.model, spec, small_config, ["appeal", "clarity", "brand_fit"])
    with pytest.raises(CheckpointError, match="brand_fit"):
        load_checkpoint(blob, criterion_ids_by_name={"appeal": 11, "clarity": 12})


def test_unknown_format_version_is_a_checkpoint_error(trained, spec: FeatureSpec, small_config: TrainConfig) -> None:
    payload = torch.load(io.BytesIO(checkpoint_bytes(trained.model, spec, small_config, {})), weights_only=True)
    payload["format_version"] = 3
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with pytest.raises(CheckpointError, match="unsupported checkpoint format 3"):
        load_checkpoint(buffer.getvalue())
