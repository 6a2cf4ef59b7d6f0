"""Quality runs: a burst of ratings queues one run, a run that missed ratings gets a successor, and a queued
run waits while ratings stream in. (The shared lifecycle itself is tested in tests/jobs/.)"""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.services.ratings import RatingInput, rating_create
from review.models import QualityRun
from review.services import recompute as quality_service
from review.services.recompute import quality_debounce_defer, quality_recompute, quality_request
from tests.factories import CreativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_burst_of_1000_ratings_queues_at_most_two_runs(tenant, django_capture_on_commit_callbacks, broker):
    client = tenant["client"]
    creatives = [CreativeFactory(client=client) for _ in range(100)]
    raters = [UserFactory() for _ in range(10)]
    scores = {str(c.id): 3 for c in tenant["criteria"]}
    with django_capture_on_commit_callbacks(execute=True):
        for rater in raters:
            for creative in creatives:
                rating_create(
                    client=client, rater=rater,
                    data=RatingInput(creative_id=creative.id, scores=scores, client_uuid=uuid.uuid4()),
                )
    assert 1 <= QualityRun.objects.filter(client=client).count() <= 2
    assert broker.llen("quality") <= 2


def test_run_marked_for_rerun_queues_its_successor_when_done(tenant, monkeypatch):
    def request_during_run(**kwargs):
        quality_request(client_id=tenant["client"].id)
        return None

    monkeypatch.setattr(quality_service, "quality_assess", request_during_run)
    first = quality_recompute(client=tenant["client"])
    assert first.status == "succeeded" and first.rerun_requested
    assert QualityRun.objects.filter(status="queued").count() == 1


def test_recompute_claims_the_queued_run(tenant):
    quality_request(client_id=tenant["client"].id)
    run = quality_recompute(client=tenant["client"])
    assert QualityRun.objects.count() == 1 and run.status == "succeeded" and run.started_at is not None


def test_recompute_while_another_runs_does_nothing_but_asks_for_a_rerun(tenant):
    running = QualityRun.objects.create(client=tenant["client"], status="running", started_at=timezone.now())
    returned = quality_recompute(client=tenant["client"])
    running.refresh_from_db()
    assert returned.id == running.id and running.status == "running" and running.rerun_requested


def test_queued_run_is_deferred_while_ratings_stream_in(tenant, broker, settings):
    from tests.review.services.quality_data import rate

    settings.QUALITY_DEBOUNCE_SECONDS = 3
    rate(CreativeFactory(client=tenant["client"]), UserFactory(), 3)
    quality_request(client_id=tenant["client"].id)
    assert quality_debounce_defer(run=QualityRun.objects.get()) is True
    assert broker.zcard("unacked") == 0 and broker.llen("quality") == 1


def test_deferral_stops_once_the_run_waited_the_maximum(tenant, broker, settings):
    from tests.review.services.quality_data import rate

    settings.QUALITY_DEBOUNCE_SECONDS, settings.QUALITY_DEBOUNCE_MAX_SECONDS = 3, 60
    rate(CreativeFactory(client=tenant["client"]), UserFactory(), 3)
    quality_request(client_id=tenant["client"].id)
    QualityRun.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    assert quality_debounce_defer(run=QualityRun.objects.get()) is False


def test_no_deferral_when_the_client_is_quiet(tenant, settings):

    quality_request(client_id=tenant["client"].id)
    assert quality_debounce_defer(run=QualityRun.objects.get()) is False
