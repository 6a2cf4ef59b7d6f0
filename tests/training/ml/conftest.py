"""Fixtures for the ML core tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from training.ml import CriterionScale, FeatureSpec, TrainConfig


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from threads, and on a busy shared CI box spinning threads made
    these tests ten times slower; one thread keeps the suite fast and its timing stable."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def small_config() -> TrainConfig:
    """A config small enough that a run takes well under a second on CPU."""
    return TrainConfig(hidden=32, batch_size=64, max_epochs=40, patience=5, dropout=0.1)


@pytest.fixture
def spec() -> FeatureSpec:
    """Three 1..5 criteria (ids 11, 12, 13); vocabularies are irrelevant to these tests."""
    criteria = [CriterionScale(criterion_id, 1.0, 5.0) for criterion_id in (11, 12, 13)]
    return FeatureSpec(criteria=tuple(criteria), channels=("social",), formats=("square",))
