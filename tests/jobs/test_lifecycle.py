"""The one run lifecycle, proved once for every kind of run (quality and training)."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs.contract import QUALITY_RUN, TRAINING_RUN
from jobs.lifecycle import RunLost, run_claim, run_enqueue, run_model, run_request, run_sweep
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
KINDS = pytest.mark.parametrize("kind", [QUALITY_RUN, TRAINING_RUN], ids=["quality", "training"])
MINUTE = timedelta(minutes=1)


@pytest.fixture
def client_id():
    return ClientFactory().id


def _stale(kind, run_id, *, attempts=1, minutes=30):
    old = timezone.now() - timedelta(minutes=minutes)
    run_model(kind).objects.filter(id=run_id).update(status="running", attempts=attempts, heartbeat_at=old)


@KINDS
def test_a_thousand_requests_queue_one_run(kind, client_id):
    created = [run_request(kind, client_id=client_id, send=False).created for _ in range(1000)]
    assert created.count(True) == 1
    assert run_model(kind).objects.filter(client_id=client_id).count() == 1


@KINDS
def test_one_active_run_per_client_is_a_database_invariant(kind, client_id):
    run_model(kind).objects.create(client_id=client_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        run_model(kind).objects.create(client_id=client_id, status="running")


@KINDS
def test_a_request_is_sent_to_the_kinds_queue_after_commit(kind, client_id, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = run_request(kind, client_id=client_id)
    run = run_model(kind).objects.get(id=request.run_id)
    assert broker.llen(kind.task.queue) == 1 and run.enqueued_at is not None and run.message_id


@KINDS
def test_a_broker_that_is_down_leaves_the_run_queued_and_raises_nothing(kind, client_id, settings, monkeypatch):
    from celery import current_app
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", refuse)
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    assert run_enqueue(kind, run_id=run_id) is False
    run = run_model(kind).objects.get(id=run_id)
    assert run.status == "queued" and run.enqueued_at is None


def test_a_request_meeting_a_running_quality_run_marks_it_for_a_rerun(client_id):
    run = run_model(QUALITY_RUN).objects.create(client_id=client_id, status="running")
    assert run_request(QUALITY_RUN, client_id=client_id).created is False
    run.refresh_from_db()
    assert run.rerun_requested and run_model(QUALITY_RUN).objects.count() == 1


def test_a_request_meeting_a_marked_running_run_writes_nothing(client_id):
    run = run_model(QUALITY_RUN).objects.create(client_id=client_id, status="running", rerun_requested=True)
    assert run_request(QUALITY_RUN, client_id=client_id).created is False
    assert list(run_model(QUALITY_RUN).objects.values_list("id", "rerun_requested")) == [(run.id, True)]


def test_a_quality_request_is_one_statement(client_id, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert run_request(QUALITY_RUN, client_id=client_id, send=False).created is True
    with django_assert_num_queries(1):
        assert run_request(QUALITY_RUN, client_id=client_id, send=False).created is False


def test_a_request_meeting_a_running_training_run_leaves_it_alone(client_id):
    run = run_model(TRAINING_RUN).objects.create(client_id=client_id, status="running")
    assert run_request(TRAINING_RUN, client_id=client_id).created is False
    run.refresh_from_db()
    assert not run.rerun_requested


@KINDS
def test_claiming_takes_the_queued_run_once_and_counts_the_attempt(kind, client_id):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    owned = run_claim(kind, run_id=run_id)
    assert owned is not None and owned.attempt == 1
    assert run_claim(kind, run_id=run_id) is None
    assert run_model(kind).objects.get(id=run_id).status == "running"


@KINDS
def test_claiming_by_client_finds_its_queued_run(kind, client_id):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    assert run_claim(kind, client_id=client_id).run_id == run_id


@KINDS
def test_an_attempt_the_sweep_took_back_can_no_longer_write(kind, client_id):
    owned = run_claim(kind, run_id=run_request(kind, client_id=client_id, send=False).run_id)
    _stale(kind, owned.run_id)
    run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)
    with pytest.raises(RunLost):
        owned.update(error="late write")
    with pytest.raises(RunLost):
        owned.finish("succeeded")
    assert owned.current("status") is None


@KINDS
def test_finishing_ends_the_run_under_its_owner(kind, client_id):
    owned = run_claim(kind, run_id=run_request(kind, client_id=client_id, send=False).run_id)
    owned.finish("succeeded")
    run = run_model(kind).objects.get(id=owned.run_id)
    assert run.status == "succeeded" and run.finished_at is not None


def test_a_run_marked_for_a_rerun_requests_its_successor_when_it_succeeds(client_id):
    owned = run_claim(QUALITY_RUN, run_id=run_request(QUALITY_RUN, client_id=client_id, send=False).run_id)
    run_request(QUALITY_RUN, client_id=client_id)
    owned.finish("succeeded")
    assert run_model(QUALITY_RUN).objects.filter(client_id=client_id, status="queued").count() == 1


@KINDS
def test_the_sweep_requeues_a_run_whose_worker_went_silent(
    kind, client_id, broker, django_capture_on_commit_callbacks
):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    _stale(kind, run_id)
    with django_capture_on_commit_callbacks(execute=True):
        summary = run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)
    run = run_model(kind).objects.get(id=run_id)
    assert summary["requeued"] == 1 and run.status == "queued" and "lost its worker" in run.error
    assert broker.llen(kind.task.queue) == 1


@KINDS
def test_the_sweep_leaves_a_run_with_a_fresh_heartbeat_alone(kind, client_id):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    run_model(kind).objects.filter(id=run_id).update(status="running", attempts=1, heartbeat_at=timezone.now())
    assert run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)["requeued"] == 0
    assert run_model(kind).objects.get(id=run_id).status == "running"


@KINDS
def test_the_sweep_fails_a_run_after_its_last_lost_attempt(kind, client_id):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    _stale(kind, run_id, attempts=kind.max_attempts)
    assert run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)["failed"] == 1
    run = run_model(kind).objects.get(id=run_id)
    assert run.status == "failed" and f"{kind.max_attempts} times" in run.error


@KINDS
def test_the_sweep_resends_a_queued_run_whose_message_may_be_lost_once(kind, client_id, broker):
    run_id = run_request(kind, client_id=client_id, send=False).run_id
    run_model(kind).objects.filter(id=run_id).update(requested_at=timezone.now() - timedelta(minutes=5))
    assert run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)["resent"] == 1
    assert run_sweep(kind, resend_after=MINUTE, stale_after=MINUTE)["resent"] == 0
    assert broker.llen(kind.task.queue) == 1
