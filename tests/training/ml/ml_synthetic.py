"""Tiny synthetic datasets shared by the ML core tests."""

from __future__ import annotations

import numpy as np

from training.ml import TasteDataset


def synthetic_dataset(n: int, *, dim: int = 16, seed: int = 0) -> TasteDataset:
    """Three 0..1 criteria that are smooth functions of the first few features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    logits = np.stack([x[:, 0] + 0.5 * x[:, 1], x[:, 2] - x[:, 3], np.sin(x[:, 4]) + x[:, 0]], 1)
    y = 1.0 / (1.0 + np.exp(-logits))
    return TasteDataset(features=x, targets=y.astype(np.float32))
