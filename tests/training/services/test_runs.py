"""Triggering, requests, cancel and the training sweep (the shared lifecycle is tested in tests/jobs/)."""
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feedback.models import Rating
from tests.factories import CreativeFactory
from tests.training.services.labelled import label_creatives
from training.models import ModelVersion, TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import (
    new_clean_examples,
    retrain_check,
    training_run_cancel,
    training_run_request,
    training_sweep,
)


def test_reaching_the_threshold_queues_exactly_one_run(labelled):
    first = retrain_check(client_id=labelled["client"].id)
    second = retrain_check(client_id=labelled["client"].id)
    assert first is not None and first.status == "queued" and first.trigger == "auto"
    assert second is None
    assert TrainingRun.objects.filter(client=labelled["client"]).count() == 1


def test_below_the_threshold_no_run_is_queued(labelled):
    labelled["client"].retrain_threshold = 81
    labelled["client"].save()
    assert retrain_check(client_id=labelled["client"].id) is None


def test_pending_and_flagged_labels_do_not_count(labelled):
    Rating.objects.filter(client=labelled["client"]).update(status="flagged")
    assert new_clean_examples(client=labelled["client"]) == 0


def test_only_examples_new_since_the_last_version_count(labelled):
    run = retrain_check(client_id=labelled["client"].id)
    training_run_execute(run_id=run.id)
    assert new_clean_examples(client=labelled["client"]) == 0
    assert retrain_check(client_id=labelled["client"].id) is None
    extra = [CreativeFactory(client=labelled["client"]) for _ in range(3)]
    label_creatives(creatives=extra, criteria=labelled["criteria"], raters=labelled["raters"][:1], status="clean")
    assert new_clean_examples(client=labelled["client"]) == 3


def test_a_second_request_returns_the_run_already_queued(labelled):
    first = training_run_request(client=labelled["client"], requested_by=labelled["manager"], trigger="manual")
    second = training_run_request(client=labelled["client"], requested_by=None, trigger="auto")
    assert second.id == first.id and second.was_created is False


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_triggers_create_one_run(tiny_training):
    from tests.factories import ClientFactory, CriterionFactory, UserFactory

    client = ClientFactory(retrain_threshold=5)
    criteria = [CriterionFactory(client=client)]
    label_creatives(creatives=[CreativeFactory(client=client) for _ in range(6)], criteria=criteria,
                    raters=[UserFactory()], status="clean")
    barrier, results = threading.Barrier(2), []

    def trigger():
        try:
            barrier.wait()
            results.append(training_run_request(client=client, requested_by=None, trigger="auto").id)
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert TrainingRun.objects.filter(client=client).count() == 1


def test_cancelling_a_queued_run_ends_it(labelled):
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    assert training_run_cancel(run=run).status == "cancelled"
    assert training_run_execute(run_id=run.id) is None


def test_cancelling_a_running_run_asks_it_to_stop(labelled):
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    TrainingRun.objects.filter(id=run.id).update(status="running")
    assert training_run_cancel(run=run).cancel_requested is True


def test_sweep_queues_a_run_for_a_client_past_its_threshold_with_none(labelled):
    summary = training_sweep()
    assert summary["triggered"] == 1
    assert TrainingRun.objects.get(client=labelled["client"]).trigger == "sweep"


def test_a_stale_attempt_cannot_promote_after_the_sweep_took_its_run(labelled):
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")

    def go_silent(stats):
        if stats.epoch == 1:
            TrainingRun.objects.filter(id=run.id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
            training_sweep(heartbeat_timeout_s=120)

    training_run_execute(run_id=run.id, on_epoch=go_silent)
    run.refresh_from_db()
    assert run.status == "queued"
    assert not ModelVersion.objects.filter(client=labelled["client"]).exists()
