"""Scoring with a trained model: point predictions and MC-dropout uncertainty."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from training.ml.features import FeatureSpec
from training.ml.model import TasteModel

_CHUNK = 4096  # rows per forward pass; bounds memory when scoring a whole library
# Stochastic passes per MC-dropout estimate, unless a run says otherwise; the one definition.
MC_SAMPLES = 20


class Prediction(NamedTuple):
    """Per-criterion mean and spread, (n, k) each, on the criteria's rating scales."""

    mean: np.ndarray
    std: np.ndarray


@torch.no_grad()
def predict(model: TasteModel, features: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Deterministic scores (n, k) on the rating scales, clipped to each scale's range."""
    model.eval()
    normalised = _forward(model, features).clip(0.0, 1.0)
    return spec.denormalise(normalised)


@torch.no_grad()
def predict_normalised(model: TasteModel, features: np.ndarray) -> np.ndarray:
    """Deterministic raw outputs (n, k) on the 0..1 training scale, unclipped, for metrics."""
    model.eval()
    return _forward(model, features)


@torch.no_grad()
def predict_with_uncertainty(
    model: TasteModel,
    features: np.ndarray,
    n_samples: int = MC_SAMPLES,
    *,
    spec: FeatureSpec,
    seed: int = 0,
) -> Prediction:
    """MC dropout: mean and std over `n_samples` stochastic passes, on the rating scales."""
    device = next(model.parameters()).device
    cuda_devices = [device.index or 0] if device.type == "cuda" else []
    # fork_rng keeps the seeded dropout masks from disturbing the caller's RNG streams.
    with torch.random.fork_rng(devices=cuda_devices):
        torch.manual_seed(seed)
        model.train()  # enables dropout; LayerNorm behaves the same in both modes
        try:
            samples = np.stack([_forward(model, features) for _ in range(n_samples)])
        finally:
            model.eval()
    mean = samples.mean(axis=0).clip(0.0, 1.0)
    std = samples.std(axis=0)
    return Prediction(spec.denormalise(mean), spec.denormalise(std, is_spread=True))


def _forward(model: TasteModel, features: np.ndarray) -> np.ndarray:
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(features, dtype=np.float32))
    outputs = [model(x[i : i + _CHUNK].to(device)).cpu() for i in range(0, len(x), _CHUNK)]
    if not outputs:
        return np.zeros((0, model.config.n_outputs), dtype=np.float32)
    return torch.cat(outputs).numpy()
