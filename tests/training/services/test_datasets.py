"""Training targets: the checker's stored clean consensus, or the core's for cells it has not stored yet."""
import numpy as np
import pytest

from feedback.models import Rating
from review.models import ItemConsensus
from review.quality import CriterionSpec, clean_consensus
from review.quality.clean import CLEAN
from review.selectors import clean_label_rows
from review.services.recompute import quality_recompute
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, UserFactory
from tests.review.services.quality_data import rate
from training.services.datasets import _targets

pytestmark = pytest.mark.django_db

VALUES = [[2, 3, 3], [5, 4, 5], [1, 1, 2], [4, 4, 3]]


@pytest.fixture
def rated():
    client = ClientFactory()
    criterion = CriterionFactory(client=client)
    raters = [UserFactory() for _ in range(3)]
    creatives = [CreativeFactory(client=client) for _ in VALUES]
    for creative, values in zip(creatives, VALUES, strict=True):
        for rater, value in zip(raters, values, strict=True):
            rate(creative, rater, value)
    return client, criterion, creatives


def test_targets_are_the_clean_consensus_the_checker_stored(rated):
    client, criterion, creatives = rated
    quality_recompute(client=client)
    ItemConsensus.objects.filter(creative=creatives[0], criterion=criterion).update(clean_consensus=2.25,
                                                                                   clean_weight=0.5)
    targets, weights, _ = _targets(client=client, criteria=[criterion], labels=clean_label_rows(client=client))
    assert (targets[creatives[0].id], weights[creatives[0].id]) == ([2.25], [0.5])


def test_a_cell_clean_since_the_last_run_gets_the_cores_clean_consensus(rated):
    client, criterion, creatives = rated
    Rating.objects.filter(client=client).update(status="accepted")  # no run has stored a consensus
    labels = clean_label_rows(client=client)
    targets, weights, _ = _targets(client=client, criteria=[criterion], labels=labels)
    _, item = np.unique([row["creative_id"] for row in labels], return_inverse=True)
    _, rater = np.unique([row["rater_id"] for row in labels], return_inverse=True)
    expected = clean_consensus(
        item=item, rater=rater, criterion=np.zeros(len(labels), dtype=int),
        value=np.array([row["value"] for row in labels], dtype=float), kind=None, status=np.full(len(labels), CLEAN),
        specs=[CriterionSpec(level=criterion.level, scale=(1.0, 5.0))], n_items=len(creatives), n_raters=3)
    ordered = sorted(creatives, key=lambda c: c.id)
    assert [targets[c.id][0] for c in ordered] == pytest.approx(expected.value.tolist())
    assert all(0 < weights[c.id][0] <= 1 for c in creatives)


def test_a_cell_without_clean_labels_is_no_target(rated):
    client, criterion, creatives = rated
    quality_recompute(client=client)
    Rating.objects.filter(creative=creatives[0]).update(status="rejected")
    targets, _, _ = _targets(client=client, criteria=[criterion], labels=clean_label_rows(client=client))
    assert creatives[0].id not in targets and len(targets) == len(creatives) - 1
