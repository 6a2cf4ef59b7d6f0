"""Fixtures for the training app's tests: a client whose clean labels carry a learnable signal."""
import json

import pytest

from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory, UserFactory
from tests.training.services.labelled import label_creatives

TINY = {"hidden": 32, "max_epochs": 60, "patience": 8, "batch_size": 32, "learning_curve_fractions": [0.5],
        "oof_folds": 2, "mc_samples": 5}


@pytest.fixture
def tiny_training(settings):
    """Hashing text encoder and a small network, so a whole run takes a second or two."""
    settings.TASTEMAKER_TEXT_ENCODER = "hashing"
    settings.TASTEMAKER_TRAINING_HYPERPARAMETERS = json.dumps(TINY)
    settings.TASTEMAKER_PROMOTION_MARGIN = 0.0
    settings.TASTEMAKER_TORCH_THREADS = 1


@pytest.fixture
def labelled(db, tiny_training):
    """A client with 2 criteria and 80 creatives, each rated clean by 3 raters; threshold 50."""
    client = ClientFactory(retrain_threshold=50)
    criteria = [CriterionFactory(client=client, order=i) for i in range(2)]
    manager = MembershipFactory(client=client, role="manager").user
    raters = [UserFactory() for _ in range(3)]
    creatives = [CreativeFactory(client=client, headline=_headline(i), channel="ig" if i % 2 else "fb")
                 for i in range(80)]
    label_creatives(creatives=creatives, criteria=criteria, raters=raters, status="clean")
    return {"client": client, "criteria": criteria, "creatives": creatives, "manager": manager, "raters": raters}


def _headline(i: int) -> str:
    return f"{'bold bright summer' if i % 3 == 0 else 'quiet plain notice'} {i}"
