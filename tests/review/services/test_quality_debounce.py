"""Debounce: one queued run per client however many requests; running runs ask for a successor."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.services.ratings import RatingInput, rating_create
from review.models import QualityRun
from review.services import recompute as quality_service
from review.services.recompute import quality_recompute, quality_request, quality_run_enqueue, quality_sweep
from tests.factories import CreativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_thousand_requests_queue_one_run(tenant):
    results = [quality_request(client_id=tenant["client"].id) for _ in range(1000)]
    assert results.count(True) == 1
    assert QualityRun.objects.filter(client=tenant["client"]).count() == 1


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


def test_request_during_a_running_run_marks_it_for_a_rerun_instead_of_queueing(tenant):
    run = QualityRun.objects.create(client=tenant["client"], status="running", started_at=timezone.now())
    assert quality_request(client_id=tenant["client"].id) is False
    run.refresh_from_db()
    assert run.rerun_requested and QualityRun.objects.count() == 1


def test_run_marked_for_rerun_queues_its_successor_when_done(tenant, monkeypatch):
    def request_during_run(**kwargs):
        quality_request(client_id=tenant["client"].id)
        return None

    monkeypatch.setattr(quality_service, "quality_assess", request_during_run)
    first = quality_recompute(client=tenant["client"])
    assert first.status == "done" and first.rerun_requested
    assert QualityRun.objects.filter(status="queued").count() == 1


def test_recompute_claims_the_queued_run(tenant):
    quality_request(client_id=tenant["client"].id)
    run = quality_recompute(client=tenant["client"])
    assert QualityRun.objects.count() == 1 and run.status == "done" and run.started_at is not None


def test_recompute_while_another_runs_does_nothing_but_asks_for_a_rerun(tenant):
    running = QualityRun.objects.create(client=tenant["client"], status="running", started_at=timezone.now())
    returned = quality_recompute(client=tenant["client"])
    running.refresh_from_db()
    assert returned.id == running.id and running.status == "running" and running.rerun_requested


def test_enqueue_with_the_broker_down_keeps_the_run_queued_and_does_not_raise(tenant, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(quality_service.celery_app, "send_task", broker_down)
    quality_request(client_id=tenant["client"].id)
    run = QualityRun.objects.get()
    assert quality_run_enqueue(run_id=run.id) is False
    run.refresh_from_db()
    assert run.status == "queued" and run.enqueued_at is None


def test_sweep_resends_old_queued_runs(tenant, broker):
    run = QualityRun.objects.create(client=tenant["client"])
    QualityRun.objects.filter(id=run.id).update(requested_at=timezone.now() - timedelta(minutes=5))
    assert quality_sweep() == {"requeued": 1, "failed": 0}
    run.refresh_from_db()
    assert run.enqueued_at is not None and broker.llen("quality") == 1
    assert quality_sweep()["requeued"] == 0


def test_sweep_fails_silent_running_runs_and_requests_a_new_one(tenant, broker):
    old = timezone.now() - timedelta(minutes=30)
    run = QualityRun.objects.create(client=tenant["client"], status="running", started_at=old, heartbeat_at=old)
    assert quality_sweep()["failed"] == 1
    run.refresh_from_db()
    assert run.status == "failed" and "heartbeat" in run.error
    assert QualityRun.objects.filter(client=tenant["client"], status="queued").count() == 1


def test_only_one_active_run_per_client_is_a_database_invariant(tenant):
    from django.db import IntegrityError, transaction

    QualityRun.objects.create(client=tenant["client"])
    with pytest.raises(IntegrityError), transaction.atomic():
        QualityRun.objects.create(client=tenant["client"], status="running")


def test_queued_run_is_deferred_while_ratings_stream_in(tenant, broker, settings):
    from review.services.recompute import quality_debounce_defer
    from tests.review.services.quality_data import rate

    settings.QUALITY_DEBOUNCE_SECONDS = 3
    rate(CreativeFactory(client=tenant["client"]), UserFactory(), 3)
    quality_request(client_id=tenant["client"].id)
    assert quality_debounce_defer(client=tenant["client"]) is True
    assert broker.zcard("unacked") == 0 and broker.llen("quality") == 1


def test_deferral_stops_once_the_run_waited_the_maximum(tenant, broker, settings):
    from review.services.recompute import quality_debounce_defer
    from tests.review.services.quality_data import rate

    settings.QUALITY_DEBOUNCE_SECONDS, settings.QUALITY_DEBOUNCE_MAX_SECONDS = 3, 60
    rate(CreativeFactory(client=tenant["client"]), UserFactory(), 3)
    quality_request(client_id=tenant["client"].id)
    QualityRun.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    assert quality_debounce_defer(client=tenant["client"]) is False


def test_no_deferral_when_the_client_is_quiet(tenant, settings):
    from review.services.recompute import quality_debounce_defer

    quality_request(client_id=tenant["client"].id)
    assert quality_debounce_defer(client=tenant["client"]) is False
