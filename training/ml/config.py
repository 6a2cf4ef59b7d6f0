"""Configuration dataclasses for the taste model and its training loop."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a TasteModel: everything needed to rebuild it from a state dict."""

    input_dim: int
    n_outputs: int
    hidden: int = 256
    n_layers: int = 2
    dropout: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for checkpoints."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Rebuild from `to_dict` output, ignoring unknown keys from newer versions."""
        return cls(**_known_fields(cls, data))


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run; defaults suit a few hundred to 50k examples."""

    hidden: int = 256
    n_layers: int = 2
    dropout: float = 0.2
    lr: float = 1e-3
    weight_decay: float = 1e-2
    batch_size: int = 128
    max_epochs: int = 200
    patience: int = 15
    # A validation loss must fall by more than this to count as progress for early stopping.
    min_delta: float = 1e-5
    val_fraction: float = 0.15
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for checkpoints and ModelVersion hyperparameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild from `to_dict` output, ignoring unknown keys from newer versions."""
        return cls(**_known_fields(cls, data))

    def model_config(self, *, input_dim: int, n_outputs: int) -> ModelConfig:
        """The ModelConfig this run trains, given the data's dimensions."""
        return ModelConfig(
            input_dim=input_dim,
            n_outputs=n_outputs,
            hidden=self.hidden,
            n_layers=self.n_layers,
            dropout=self.dropout,
        )


def _known_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}
