"""Fixtures for the ML core tests."""

from __future__ import annotations

import pytest

from training.ml import CriterionScale, FeatureSpec, TrainConfig


@pytest.fixture
def small_config() -> TrainConfig:
    """A config small enough that a run takes well under a second on CPU."""
    return TrainConfig(hidden=32, batch_size=64, max_epochs=40, patience=5, dropout=0.1)


@pytest.fixture
def spec() -> FeatureSpec:
    """Three 1..5 criteria; vocabularies are irrelevant to these tests."""
    criteria = [CriterionScale(name, 1.0, 5.0) for name in ("appeal", "clarity", "brand_fit")]
    return FeatureSpec(criteria=tuple(criteria), channels=("social",), formats=("square",))
