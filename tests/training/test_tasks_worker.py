"""Retraining end to end with a real Redis and a real Celery worker process."""
import json
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from feedback.models import Rating
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory
from tests.training.conftest import TINY
from tests.training.services.labelled import label_creatives, true_score
from tests.workers import wait_until
from training.models import ModelVersion, TrainingRun
from training.services.runs import training_run_request, training_sweep
from training.services.scoring import score_creatives

pytestmark = pytest.mark.integration


@pytest.fixture
def tiny_training(settings):
    """This process trains and scores like the worker: hashing encoder, a small network."""
    settings.TASTEMAKER_TEXT_ENCODER = "hashing"
    settings.TASTEMAKER_TRAINING_HYPERPARAMETERS = json.dumps(TINY)
    settings.TASTEMAKER_TORCH_THREADS = 1


@pytest.fixture
def training_worker(transactional_db, monkeypatch, request, tiny_training):
    """The real worker, started with the tiny training settings (it reads them from its environment)."""
    for name, value in {
        "TASTEMAKER_TEXT_ENCODER": "hashing", "TASTEMAKER_TRAINING_HYPERPARAMETERS": json.dumps(TINY),
        "TASTEMAKER_TORCH_THREADS": "1", "QUALITY_BOOTSTRAP_SAMPLES": "50", "QUALITY_WEEKLY_BOOTSTRAP_SAMPLES": "20",
        "QUALITY_DEBOUNCE_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return request.getfixturevalue("celery_worker_process")


def _client(n_creatives: int, threshold: int = 50):
    client = ClientFactory(retrain_threshold=threshold)
    criteria = [CriterionFactory(client=client, order=i) for i in range(2)]
    creatives = _creatives(client, n_creatives)
    raters = [MembershipFactory(client=client, role="rater").user for _ in range(3)]
    reviewer = MembershipFactory(client=client, role="reviewer").user
    return client, criteria, creatives, raters, reviewer


def _creatives(client, n, start=0):
    return [CreativeFactory(client=client, channel="ig" if i % 2 else "fb",
                            headline=f"{'bold bright summer' if i % 3 == 0 else 'quiet plain notice'} {i}")
            for i in range(start, start + n)]


def _post_ratings(api_as, client, criteria, creatives, raters):
    for rater in raters:
        api = api_as(rater)
        for creative in creatives:
            scores = {str(c.id): true_score(creative, k) for k, c in enumerate(criteria)}
            body = {"creative": creative.id, "scores": scores, "client_uuid": str(uuid.uuid4()), "duration_ms": 4000}
            response = api.post(f"/api/v1/clients/{client.slug}/ratings/", body, format="json")
            assert response.status_code == 201, response.content


def test_ratings_through_the_api_train_promote_and_score(training_worker, api_as):
    client, criteria, creatives, raters, reviewer = _client(60)
    _post_ratings(api_as, client, criteria, creatives, raters)
    log = training_worker.log_path
    run = wait_until(lambda: TrainingRun.objects.filter(client=client).first(), timeout=90,
                     what=f"a training run to be queued (log: {log})")
    wait_until(lambda: TrainingRun.objects.get(id=run.id).status in ("succeeded", "failed"), timeout=120,
               what=f"the run to finish (log: {log})")
    run.refresh_from_db()
    assert run.status == "succeeded" and run.outcome == "promoted", (run.error, run.outcome_reason)
    assert ModelVersion.objects.get(client=client, is_active=True).version == 1
    response = api_as(reviewer).post(f"/api/v1/clients/{client.slug}/scores/",
                                     {"creatives": [creatives[0].id, creatives[1].id]}, format="json")
    assert response.status_code == 200 and len(response.json()["results"]) == 2

    more = _creatives(client, 67, start=60)  # 201 ratings in a burst
    _post_ratings(api_as, client, criteria, more, raters)

    def settled():
        ratings_done = not Rating.objects.filter(client=client, status="pending").exists()
        runs_idle = not TrainingRun.objects.filter(client=client, status__in=("queued", "running")).exists()
        return ratings_done and runs_idle and TrainingRun.objects.filter(client=client).count() >= 2

    wait_until(settled, timeout=180, what=f"the burst to be checked and trained on (log: {log})")
    assert TrainingRun.objects.filter(client=client).count() == 2


def test_a_killed_worker_leaves_the_active_model_and_the_sweep_recovers_the_run(training_worker):
    client, criteria, creatives, raters, _ = _client(60, threshold=10_000)
    label_creatives(creatives=creatives, criteria=criteria, raters=raters, status="clean")
    first = training_run_request(client=client, requested_by=None, trigger="manual")
    wait_until(lambda: TrainingRun.objects.get(id=first.id).status == "succeeded", timeout=120,
               what=f"the first model (log: {training_worker.log_path})")
    active = ModelVersion.objects.get(client=client, is_active=True)

    slow = {**TINY, "max_epochs": 300, "patience": 300, "hidden": 64}
    run = training_run_request(client=client, requested_by=None, trigger="manual", hyperparameters=slow)
    # Generous: under `make test -n 2` the other process may be running a matrix cell or a drill.
    wait_until(lambda: TrainingRun.objects.get(id=run.id).epoch >= 1, timeout=180,
               what=f"training to start (log: {training_worker.log_path})")
    training_worker.kill()

    run.refresh_from_db()
    assert run.status == "running" and run.epoch < 300
    assert ModelVersion.objects.get(client=client, is_active=True).id == active.id
    assert len(score_creatives(client=client, creative_ids=[creatives[0].id])[1]) == 1

    wait_until(lambda: training_sweep(heartbeat_timeout_s=1)["requeued"] == 1, timeout=30, what="the sweep")
    assert TrainingRun.objects.get(id=run.id).status == "queued"
    second_worker = training_worker.start_worker()
    wait_until(lambda: TrainingRun.objects.get(id=run.id).status == "succeeded", timeout=180,
               what=f"the re-queued run to finish (log: {second_worker.log_path})")
    assert TrainingRun.objects.get(id=run.id).attempts == 2


@pytest.fixture
def spare_redis():
    """A second redis-server this test may stop and start (the shared one stays up for others)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class Spare:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                                            stdout=subprocess.DEVNULL)
            wait_until(lambda: _answers(port), timeout=10, what="redis to start")

        def stop(self):
            self.process.terminate()
            self.process.wait(timeout=10)

    spare = Spare()
    spare.start()
    yield spare
    if spare.process.poll() is None:
        spare.stop()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def test_ratings_answer_fast_while_the_broker_is_down_and_the_sweep_queues_the_run_after(
    transactional_db, spare_redis, settings, tiny_training, api_as, monkeypatch
):
    import redis

    from config.celery_app import app

    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = spare_redis.url
    monkeypatch.setenv("CELERY_BROKER_URL", spare_redis.url)  # Celery reads this before its own conf
    app.conf.broker_url = spare_redis.url
    _reset_connections(app)
    try:
        warm = _client(1)  # a serving process has its views and broker transport loaded already
        _post_ratings(api_as, warm[0], warm[1], warm[2], warm[3][:1])
        client, criteria, creatives, raters, _ = _client(20, threshold=15)
        spare_redis.stop()
        timings = []
        for rater in raters:
            for creative in creatives:
                started = time.monotonic()
                _post_ratings(api_as, client, criteria, [creative], [rater])
                timings.append(time.monotonic() - started)
        slowest = max(timings)
        assert slowest < 1.0, f"a rating took {slowest:.2f}s with the broker down"
        # The checker would mark these clean once it runs; the retrain need is now a database fact.
        Rating.objects.filter(client=client).update(status="clean")
        training_sweep()  # the run row is created even though no message can go
        run = TrainingRun.objects.get(client=client)
        assert run.status == "queued" and run.enqueued_at is None

        spare_redis.start()
        back = time.monotonic()
        # The sweep re-sends a queued run not handed over for a heartbeat timeout (120 s by default,
        # counted from the request); a short one here, so the wait measures Redis' return, not it.
        wait_until(lambda: training_sweep(heartbeat_timeout_s=1)["resent"] >= 1, timeout=60,
                   what="the sweep to re-send the run")
        delay = time.monotonic() - back
        run.refresh_from_db()
        assert run.enqueued_at is not None
        assert redis.Redis.from_url(spare_redis.url).llen("training") == 1
        print(f"\nbroker outage: first rating {timings[0] * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms, "
              f"median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms; "
              f"run queued {delay:.2f} s after Redis returned")
    finally:
        app.conf.broker_url = previous
        _reset_connections(app)


def _reset_connections(app) -> None:
    """Drop Celery's cached connection and producer pools so the next send uses app.conf.broker_url."""
    from kombu import pools

    pools.reset()  # kombu keeps pools per connection URL in a global registry
    app._pool = None
    app.amqp._producer_pool = None
