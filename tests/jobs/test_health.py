"""jobs.health: live workers from heartbeats, each run state a client sees, readiness."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.contract import QUALITY_RUN, TRAINING_RUN
from jobs.health import client_health, first_line, readiness, run_health, workers_alive
from jobs.heartbeat import worker_heartbeat_beat
from jobs.models import WorkerHeartbeat
from review.models import QualityRun
from training.models import TrainingRun

pytestmark = pytest.mark.django_db


def _worker(queues=("default", "quality", "training"), age_s: float = 1.0, name: str = "celery@a"):
    worker_heartbeat_beat(hostname=name, pid=123, queues=list(queues))
    WorkerHeartbeat.objects.filter(hostname=name).update(beat_at=timezone.now() - timedelta(seconds=age_s))


def _health(kind, client):
    return run_health(kind, client_id=client.id, workers=workers_alive())


def test_a_worker_beating_recently_is_alive_and_a_silent_one_is_not(settings):
    settings.TASTEMAKER_WORKER_HEARTBEAT_S = 10
    _worker(age_s=5, name="celery@fresh", queues=("quality",))
    _worker(age_s=31, name="celery@gone", queues=("training",))
    workers = workers_alive()
    assert workers.alive == 1 and workers.queues == {"quality"}
    assert 4 < workers.newest_beat_age_s < 7


def test_a_client_without_runs_has_nothing_to_report(tenant):
    health = _health(QUALITY_RUN, tenant["client"])
    assert health.state == "none" and not health.problem


def test_a_failed_run_says_when_its_first_error_line_and_what_to_do(tenant):
    finished = timezone.now() - timedelta(minutes=3)
    QualityRun.objects.create(
        client=tenant["client"], status="failed", attempts=1, finished_at=finished,
        error="TypeError: copy() takes 2 positional arguments\nTraceback (most recent call last): ...",
    )
    health = _health(QUALITY_RUN, tenant["client"])
    assert health.state == "failed" and health.problem and health.at == finished
    assert health.error == "TypeError: copy() takes 2 positional arguments"
    assert "attempt 1 of 3" in health.next_step and "recompute now" in health.next_step


def test_a_run_the_sweep_gave_up_on_says_so(tenant):
    TrainingRun.objects.create(
        client=tenant["client"], status="failed", attempts=3, finished_at=timezone.now(),
        error="The worker stopped answering 3 times; giving up.",
    )
    health = _health(TRAINING_RUN, tenant["client"])
    assert health.state == "failed"
    assert health.next_step.startswith("gave up after 3 attempts: start a run")


def test_a_run_queued_again_after_a_lost_worker_is_retrying_with_its_next_attempt(tenant):
    _worker()
    QualityRun.objects.create(
        client=tenant["client"], status="queued", attempts=1,
        error="Attempt 1 lost its worker (no heartbeat for 700 s); queued again.",
    )
    health = _health(QUALITY_RUN, tenant["client"])
    assert health.state == "retrying" and "attempt 2 of 3" in health.next_step
    assert "no live worker" not in health.next_step


def test_a_retry_without_a_worker_for_its_queue_says_it_waits_for_one(tenant):
    _worker(queues=("default",))
    TrainingRun.objects.create(client=tenant["client"], status="queued", attempts=1, error="lost its worker")
    health = _health(TRAINING_RUN, tenant["client"])
    assert "no live worker consumes the 'training' queue" in health.next_step


def test_a_running_run_silent_past_the_stale_time_is_stuck(tenant, settings):
    settings.TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S = 120
    silent_since = timezone.now() - timedelta(seconds=300)
    TrainingRun.objects.create(
        client=tenant["client"], status="running", attempts=2, started_at=silent_since, heartbeat_at=silent_since
    )
    health = _health(TRAINING_RUN, tenant["client"])
    assert health.state == "stuck" and "queues it again, attempt 3 of 3" in health.next_step


def test_a_silent_last_attempt_says_the_sweep_gives_up(tenant):
    silent_since = timezone.now() - timedelta(hours=1)
    QualityRun.objects.create(
        client=tenant["client"], status="running", attempts=3, started_at=silent_since, heartbeat_at=silent_since
    )
    assert "the next sweep gives up" in _health(QUALITY_RUN, tenant["client"]).next_step


def test_a_running_run_that_beats_is_not_a_problem(tenant):
    now = timezone.now()
    QualityRun.objects.create(client=tenant["client"], status="running", attempts=1, started_at=now, heartbeat_at=now)
    assert _health(QUALITY_RUN, tenant["client"]).state == "running"


def test_a_queued_run_no_worker_took_for_too_long_is_stuck(tenant, settings):
    settings.QUALITY_REQUEUE_AFTER_SECONDS, settings.QUALITY_DEBOUNCE_MAX_SECONDS = 60, 60
    run = QualityRun.objects.create(client=tenant["client"], status="queued")
    QualityRun.objects.filter(id=run.id).update(requested_at=timezone.now() - timedelta(seconds=200))
    health = _health(QUALITY_RUN, tenant["client"])
    assert health.state == "stuck" and "no live worker consumes the 'quality' queue" in health.next_step


def test_only_the_latest_run_counts(tenant):
    QualityRun.objects.create(client=tenant["client"], status="failed", error="boom", finished_at=timezone.now())
    QualityRun.objects.create(client=tenant["client"], status="succeeded", finished_at=timezone.now())
    assert _health(QUALITY_RUN, tenant["client"]).state == "ok"


def test_another_clients_runs_are_not_mine(tenant):
    from tests.factories import ClientFactory

    QualityRun.objects.create(client=ClientFactory(), status="failed", error="boom", finished_at=timezone.now())
    assert _health(QUALITY_RUN, tenant["client"]).state == "none"


def test_client_health_takes_three_queries(tenant):
    with CaptureQueriesContext(connection) as queries:
        health = client_health(client_id=tenant["client"].id)
    assert len(queries) == 3 and health.no_worker and [r.key for r in health.runs] == ["quality", "training"]


def test_first_line_skips_blank_lines_and_cuts_long_ones():
    assert first_line("\n\n  ValueError: x  \nmore") == "ValueError: x"
    assert len(first_line("y" * 1000)) == 300


def test_readiness_reports_ages_without_client_data_in_three_queries(tenant):
    _worker(age_s=2)
    QualityRun.objects.create(client=tenant["client"], status="succeeded", finished_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        ready, report = readiness()
    assert ready and report["status"] == "ok" and len(queries) == 3
    assert report["checks"]["workers"]["alive"] == 1
    assert report["checks"]["last_quality_run"]["succeeded_age_s"] < 5
    assert report["checks"]["last_training_run"]["succeeded_age_s"] is None
    assert tenant["client"].slug not in str(report) and tenant["client"].name not in str(report)


def test_readiness_without_a_worker_is_degraded_but_ready():
    ready, report = readiness()
    assert ready and report["status"] == "degraded" and report["checks"]["workers"]["ok"] is False


def test_an_unreachable_broker_makes_the_process_unready(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    ready, report = readiness()
    assert not ready and report["status"] == "unavailable"
    assert report["checks"]["broker"]["ok"] is False and "Connection" in report["checks"]["broker"]["error"]


def test_a_missing_filesystem_broker_folder_makes_the_process_unready(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    ready, report = readiness()
    assert not ready and "missing or not writable" in report["checks"]["broker"]["error"]
