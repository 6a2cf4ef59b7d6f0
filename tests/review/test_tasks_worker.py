"""A burst of rating posts through the API, a real worker on the `quality` queue: one or two runs."""
import uuid

import pytest

from feedback.models import Rating
from review.models import ItemConsensus, QualityRun
from tests.factories import CreativeFactory, MembershipFactory
from tests.workers import wait_until


@pytest.mark.integration
def test_burst_of_api_ratings_gives_one_or_two_completed_runs(tenant, api_as, celery_worker_process):
    client = tenant["client"]
    creatives = [CreativeFactory(client=client) for _ in range(12)]
    raters = [MembershipFactory(client=client, role="rater").user for _ in range(3)]
    scores = {str(c.id): 3 for c in tenant["criteria"]}
    for rater in raters:
        api = api_as(rater)
        for creative in creatives:
            body = {"creative": creative.id, "scores": scores, "client_uuid": str(uuid.uuid4()), "duration_ms": 3000}
            assert api.post(f"/api/v1/clients/{client.slug}/ratings/", body, format="json").status_code == 201

    def statuses():
        return list(QualityRun.objects.filter(client=client).values_list("status", flat=True))

    wait_until(
        lambda: statuses() and set(statuses()) == {"succeeded"}, timeout=90,
        what=f"quality runs to finish, now {statuses()} (log: {celery_worker_process.log_path})",
    )
    assert 1 <= QualityRun.objects.filter(client=client).count() <= 2
    assert ItemConsensus.objects.filter(client=client).count() == len(creatives) * 2
    assert set(Rating.objects.filter(client=client).values_list("status", flat=True)) == {"clean"}
