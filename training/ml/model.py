"""The per-client taste model: an MLP trunk with one 0..1 output per criterion."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from training.ml.config import ModelConfig


class TasteModel(nn.Module):
    """Standardise features, run an MLP trunk, emit one normalised score per criterion.

    Feature mean/std live in buffers, so they travel in the state dict and a checkpoint cannot
    be scored with statistics from a different training set.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("feature_mean", torch.zeros(config.input_dim))
        self.register_buffer("feature_std", torch.ones(config.input_dim))
        layers: list[nn.Module] = []
        width = config.input_dim
        for _ in range(config.n_layers):
            layers += [
                nn.Linear(width, config.hidden),
                nn.LayerNorm(config.hidden),
                nn.GELU(),
                nn.Dropout(config.dropout),
            ]
            width = config.hidden
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, config.n_outputs)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Raw features (batch, input_dim) -> scores (batch, n_outputs) on the 0..1 scale."""
        x = (features - self.feature_mean) / self.feature_std
        return self.head(self.trunk(x))

    def set_standardisation(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Install feature statistics computed on the training rows."""
        self.feature_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.feature_std.copy_(torch.as_tensor(std, dtype=torch.float32))


def masked_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted mean squared error over the cells whose target is not NaN.

    Averaging over present cells (not all cells) keeps a batch with few labels from looking
    artificially good; an all-missing batch gives 0 with no gradient rather than NaN.
    """
    present = ~torch.isnan(target)
    weight = torch.where(present, weight, torch.zeros_like(weight))
    # Fill missing targets before subtracting so no NaN can reach the backward pass.
    error = pred - torch.nan_to_num(target, nan=0.0)
    return (weight * error.square()).sum() / weight.sum().clamp_min(1e-8)
