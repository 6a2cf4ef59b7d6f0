"""The training loop: AdamW on a masked multi-criterion loss with early stopping."""

from __future__ import annotations

import contextlib
import copy
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from training.ml.config import ModelConfig, TrainConfig
from training.ml.features import TasteDataset, standardisation_stats
from training.ml.model import TasteModel, masked_loss

Tensors = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class EpochStats:
    """Progress after one epoch, handed to the on_epoch callback."""

    epoch: int
    train_loss: float
    val_loss: float
    best_val_loss: float
    elapsed_s: float


@dataclass
class TrainResult:
    """The best model of a run and how the run went."""

    model: TasteModel
    model_config: ModelConfig
    device: str
    history: list[EpochStats] = field(default_factory=list)
    best_epoch: int = 0
    best_val_loss: float = math.inf
    epochs_run: int = 0
    stopped_early: bool = False
    cancelled: bool = False
    duration_s: float = 0.0
    examples_per_s: float = 0.0


def set_seed(seed: int) -> None:
    """Seed every RNG a run touches (Python, NumPy, torch CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(device: str | None = None) -> str:
    """The requested device, or CUDA when present, else CPU."""
    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def train(
    dataset: TasteDataset,
    config: TrainConfig,
    *,
    device: str | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Fit a TasteModel; return the weights of the epoch with the lowest validation loss."""
    device = resolve_device(device)
    set_seed(config.seed)
    train_rows, val_rows = validation_split(len(dataset), config.val_fraction, config.seed)
    model = _new_model(dataset, config, train_rows).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    tensors = _to_tensors(dataset, device)
    # A CPU generator makes the batch order identical on CPU and CUDA.
    shuffler = torch.Generator().manual_seed(config.seed)
    result = TrainResult(model=model, model_config=model.config, device=device)
    best_state, bad_epochs, started = copy.deepcopy(model.state_dict()), 0, time.perf_counter()
    with _deterministic(device):
        for epoch in range(1, config.max_epochs + 1):
            if should_stop is not None and should_stop():
                result.cancelled = True
                break
            train_loss = _train_epoch(model, optimizer, tensors, train_rows, config, shuffler)
            val_loss = _mean_loss(model, tensors, val_rows)
            if val_loss < result.best_val_loss - config.min_delta:
                best_state, bad_epochs = copy.deepcopy(model.state_dict()), 0
                result.best_epoch, result.best_val_loss = epoch, val_loss
            else:
                bad_epochs += 1
            elapsed = time.perf_counter() - started
            stats = EpochStats(epoch, train_loss, val_loss, result.best_val_loss, elapsed)
            result.history.append(stats)
            result.epochs_run = epoch
            if on_epoch is not None:
                on_epoch(stats)
            if bad_epochs >= config.patience:
                result.stopped_early = True
                break
    model.load_state_dict(best_state)
    model.eval()
    result.duration_s = time.perf_counter() - started
    result.examples_per_s = len(train_rows) * result.epochs_run / max(result.duration_s, 1e-9)
    return result


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train_rows, val_rows); with too few rows to hold any out, validate on train."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = round(n * fraction)
    if n_val < 1 or n - n_val < 1:
        return order, order
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _new_model(dataset: TasteDataset, config: TrainConfig, train_rows: np.ndarray) -> TasteModel:
    model_config = config.model_config(input_dim=dataset.features.shape[1], n_outputs=dataset.targets.shape[1])
    model = TasteModel(model_config)
    # Statistics from training rows only, so validation loss is an honest held-out estimate.
    model.set_standardisation(*standardisation_stats(dataset.features[train_rows]))
    return model


def _to_tensors(dataset: TasteDataset, device: str) -> Tensors:
    return (
        torch.as_tensor(dataset.features, device=device),
        torch.as_tensor(dataset.targets, device=device),
        torch.as_tensor(dataset.weights, device=device),
    )


def _train_epoch(
    model: TasteModel,
    optimizer: torch.optim.Optimizer,
    tensors: Tensors,
    rows: np.ndarray,
    config: TrainConfig,
    shuffler: torch.Generator,
) -> float:
    model.train()
    x, y, w = tensors
    order = torch.as_tensor(rows)[torch.randperm(len(rows), generator=shuffler)].to(x.device)
    total, batches = 0.0, 0
    for start in range(0, len(order), config.batch_size):
        batch = order[start : start + config.batch_size]
        loss = masked_loss(model(x[batch]), y[batch], w[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total, batches = total + loss.item(), batches + 1
    return total / max(batches, 1)


@torch.no_grad()
def _mean_loss(model: TasteModel, tensors: Tensors, rows: np.ndarray) -> float:
    model.eval()
    x, y, w = tensors
    index = torch.as_tensor(rows, device=x.device)
    # One big forward in chunks, then one masked mean, so batch size cannot change the value.
    preds = torch.cat([model(x[index[i : i + 4096]]) for i in range(0, len(index), 4096)])
    return float(masked_loss(preds, y[index], w[index]))


@contextlib.contextmanager
def _deterministic(device: str) -> Iterator[None]:
    # CUDA determinism needs CUBLAS_WORKSPACE_CONFIG set before CUDA starts, which a library
    # cannot promise, so the switch is only flipped on CPU and restored afterwards.
    if not device.startswith("cpu"):
        yield
        return
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
