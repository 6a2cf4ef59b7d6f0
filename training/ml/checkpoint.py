"""Checkpoints: model state + config + feature spec + metrics, loaded with weights_only=True.

Format 2 keys criteria by id. Format 1 (written before criteria had stable keys) keyed them by
name; it still loads when the caller says which id each name stands for now.
"""

from __future__ import annotations

import io
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import torch

from training.ml.config import ModelConfig, TrainConfig
from training.ml.features import FeatureSpec
from training.ml.model import TasteModel

FORMAT_VERSION = 2
# Format 1: FeatureSpec criteria were [name, low, high]; everything else is as in format 2.
_NAMED_CRITERIA_FORMAT = 1
_REQUIRED_KEYS = ("format_version", "model_config", "train_config", "spec", "metrics", "state_dict")

PathOrBuffer = str | os.PathLike[str] | IO[bytes]


class CheckpointError(Exception):
    """A checkpoint could not be read or does not describe a TasteModel."""


@dataclass
class Checkpoint:
    """Everything needed to score with, and to describe, one trained model."""

    model: TasteModel
    spec: FeatureSpec
    config: TrainConfig
    metrics: dict[str, Any]
    versions: dict[str, str]
    # Metrics of a format-1 checkpoint stay keyed by criterion name, as they were written.
    format_version: int = FORMAT_VERSION


def save_checkpoint(
    model: TasteModel,
    spec: FeatureSpec,
    config: TrainConfig,
    metrics: dict[str, Any],
    path_or_buffer: PathOrBuffer,
) -> None:
    """Write a checkpoint made only of tensors and plain Python values."""
    payload = {
        "format_version": FORMAT_VERSION,
        "model_config": model.config.to_dict(),
        "train_config": config.to_dict(),
        "spec": spec.to_dict(),
        "metrics": to_plain(metrics),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "versions": library_versions(),
    }
    torch.save(payload, path_or_buffer)


def checkpoint_bytes(model: TasteModel, spec: FeatureSpec, config: TrainConfig, metrics: dict[str, Any]) -> bytes:
    """The checkpoint as bytes, for the caller to write atomically to its storage."""
    buffer = io.BytesIO()
    save_checkpoint(model, spec, config, metrics, buffer)
    return buffer.getvalue()


def load_checkpoint(
    path_or_buffer: PathOrBuffer | bytes,
    *,
    device: str = "cpu",
    criterion_ids_by_name: Mapping[str, int] | None = None,
) -> Checkpoint:
    """Rebuild a model from a checkpoint; never unpickles arbitrary objects.

    `criterion_ids_by_name` is needed only for a format-1 checkpoint, whose spec names its criteria:
    each name becomes the id it maps to (names were unique per client when the model was trained).
    """
    source = io.BytesIO(path_or_buffer) if isinstance(path_or_buffer, bytes) else path_or_buffer
    try:
        payload = torch.load(source, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"unreadable checkpoint: {exc}") from exc
    _check_payload(payload)
    try:
        model = TasteModel(ModelConfig.from_dict(payload["model_config"]))
        model.load_state_dict(payload["state_dict"])
        spec = FeatureSpec.from_dict(_spec_with_ids(payload, criterion_ids_by_name))
        config = TrainConfig.from_dict(payload["train_config"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"checkpoint does not match TasteModel: {exc}") from exc
    model.to(device).eval()
    versions = payload.get("versions", {})
    return Checkpoint(
        model=model, spec=spec, config=config, metrics=payload["metrics"], versions=versions,
        format_version=payload["format_version"],
    )


def library_versions() -> dict[str, str]:
    """Versions that decide whether a checkpoint reproduces: Python, torch, numpy."""
    return {"python": platform.python_version(), "torch": str(torch.__version__), "numpy": str(np.__version__)}


def to_plain(value: Any) -> Any:
    """Convert metrics to the dict/list/str/float/int/bool/None that weights_only accepts."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint")


def _check_payload(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise CheckpointError("checkpoint is not a dict")
    missing = [k for k in _REQUIRED_KEYS if k not in payload]
    if missing:
        raise CheckpointError(f"checkpoint lacks {missing}")
    if payload["format_version"] not in (_NAMED_CRITERIA_FORMAT, FORMAT_VERSION):
        raise CheckpointError(f"unsupported checkpoint format {payload['format_version']}")


def _spec_with_ids(payload: dict[str, Any], ids_by_name: Mapping[str, int] | None) -> dict[str, Any]:
    """The payload's spec dict with criterion ids; a format-1 spec has its names replaced."""
    spec = payload["spec"]
    if payload["format_version"] != _NAMED_CRITERIA_FORMAT:
        return spec
    if ids_by_name is None:
        raise CheckpointError("a format-1 checkpoint names its criteria; pass criterion_ids_by_name to load it")
    names = [criterion[0] for criterion in spec["criteria"]]
    unknown = [name for name in names if name not in ids_by_name]
    if unknown:
        raise CheckpointError(
            f"format-1 checkpoint criteria {unknown} match no current criterion (renamed since training?); retrain"
        )
    return {**spec, "criteria": [[ids_by_name[name], *rest] for name, *rest in spec["criteria"]]}
