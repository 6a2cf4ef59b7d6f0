"""Fault drills on real processes (tests/stack.py): each prints its figures.

- PostgreSQL (a private cluster) restarted under rating traffic through gunicorn: requests fail
  with 503 and Retry-After, never 500, and the service recovers without a restart.
- A training worker SIGKILLed at 10%, 50% and 90% of a run: the active model's bytes are
  unchanged, the beat sweep hands the run to a new worker, it finishes exactly once, with at most
  one new version.
- 50 raters × 200 ratings, 10% resubmitted with the same client_uuid, through gunicorn: exactly
  10,000 ratings and their scores, no 5xx.
"""
import hashlib
import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from tests.stack import PrivatePostgres, PrivateRedis, SharedPostgresDatabase, Stack, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.drill]

SETUP = r"""
import json, sys
from feedback.services.tokens import api_token_issue
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory
from tests.training.services.labelled import label_creatives
n_raters, n_creatives, labelled = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "clean"
client = ClientFactory(slug="drill", name="Drill", retrain_threshold=100000)
criteria = [CriterionFactory(client=client, order=k) for k in range(2)]
creatives = [CreativeFactory(client=client, channel="ig" if i % 2 else "fb",
                             headline=f"{'bold bright summer' if i % 3 == 0 else 'quiet plain notice'} {i}")
             for i in range(n_creatives)]
raters = [MembershipFactory(client=client, role="rater", user__username=f"rater{i}").user for i in range(n_raters)]
if labelled:
    label_creatives(creatives=creatives, criteria=criteria, raters=raters[:3], status="clean")
print(json.dumps({"client": client.id, "criteria": [c.id for c in criteria], "creatives": [c.id for c in creatives],
                  "tokens": [api_token_issue(user=u)[1] for u in raters]}))
"""


def _production(folder: Path, pg: PrivatePostgres, redis: PrivateRedis, workers: int) -> Stack:
    return Stack(folder=folder, settings="production", database_url=pg.url, broker_url=redis.url, web="gunicorn",
                 web_workers=workers, env={"DJANGO_SECRET_KEY": "drill-" + uuid.uuid4().hex * 2,
                                           "DJANGO_ALLOWED_HOSTS": "127.0.0.1"})


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _rating(fixture: dict, creative: int) -> dict:
    return {"creative": creative, "scores": {str(c): 3 for c in fixture["criteria"]},
            "client_uuid": str(uuid.uuid4()), "duration_ms": 4000}


@pytest.fixture
def private_services(tmp_path):
    pg = PrivatePostgres().start()
    redis = PrivateRedis(tmp_path / "redis").start()
    yield pg, redis
    redis.stop()
    pg.remove()


def test_postgres_restarted_under_traffic_answers_503_with_retry_after_and_recovers(tmp_path, private_services):
    pg, redis = private_services
    stack = _production(tmp_path / "stack", pg, redis, workers=2)
    try:
        stack.manage("migrate", "-v0")
        fixture = stack.script(SETUP, "4", "2000", "none")
        stack.start_web()
        web_pid = stack.processes["web"].pid
        results, stop = [], threading.Event()
        origin = time.monotonic()

        def traffic(k: int):
            session = stack.session(fixture["tokens"][k])
            for creative in fixture["creatives"][k::4]:
                if stop.is_set():
                    return
                started = time.monotonic()
                try:
                    response = session.post(stack.url("/api/v1/clients/drill/ratings/"),
                                            json=_rating(fixture, creative), timeout=15)
                    status, retry = response.status_code, response.headers.get("Retry-After")
                except requests.RequestException:
                    status, retry = "connection error", None
                results.append((started - origin, time.monotonic() - origin, status, retry))
                time.sleep(0.05)

        threads = [threading.Thread(target=traffic, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(6)
        down_at = time.monotonic() - origin
        pg.stop("fast")
        time.sleep(4)
        pg.start()
        back_at = time.monotonic() - origin
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        # Recovered without a restart: the same gunicorn master served before, during and after.
        assert stack.processes["web"].poll() is None and stack.processes["web"].pid == web_pid
    finally:
        stack.stop()

    by_status: dict = {}
    for _, _, status, _ in results:
        by_status[status] = by_status.get(status, 0) + 1
    first_ok_after = min((end for start, end, status, _ in results if start >= back_at and status == 201),
                         default=float("inf"))
    recovery = first_ok_after - back_at
    latencies = [(end - start) * 1000 for start, end, _, _ in results]
    print(f"\npostgres restart drill: {len(results)} requests, by status {by_status}, "
          f"p95 {_percentile(latencies, .95):.0f} ms, "
          f"database down {back_at - down_at:.1f} s, first 201 {recovery:.2f} s after it was back")
    assert set(by_status) <= {201, 503}, by_status
    assert by_status.get(503, 0) >= 1, "the outage was not seen"
    assert all(retry for *_, status, retry in results if status == 503), "a 503 without Retry-After"
    assert recovery < 10, f"recovered {recovery:.1f} s after the database returned"
    late = [status for start, _, status, _ in results if start >= back_at + recovery]
    assert late and all(status == 201 for status in late), late


def test_fifty_raters_two_hundred_ratings_each_with_resubmits_store_exactly_ten_thousand(tmp_path, private_services):
    pg, redis = private_services
    stack = _production(tmp_path / "stack", pg, redis, workers=4)
    n_raters, per_rater = 50, 200
    try:
        stack.manage("migrate", "-v0")
        fixture = stack.script(SETUP, str(n_raters), str(per_rater), "none", timeout=600)
        stack.start_web()

        def rater(k: int) -> tuple[list[float], dict]:
            session = stack.session(fixture["tokens"][k])
            rng = random.Random(k)
            bodies = [_rating(fixture, creative) for creative in fixture["creatives"]]
            rng.shuffle(bodies)
            resubmits = set(rng.sample(range(per_rater), per_rater // 10))
            queue = []
            for i, body in enumerate(bodies):
                queue.append((body, 201))
                if i in resubmits:  # a double click, or a retry after a lost answer a little later
                    queue.insert(len(queue) + rng.randint(-3, 0) if len(queue) > 3 else len(queue), (body, 200))
            latencies, statuses = [], {}
            for body, _ in queue:
                started = time.perf_counter()
                response = session.post(stack.url("/api/v1/clients/drill/ratings/"), json=body, timeout=60)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            return latencies, statuses

        started = time.monotonic()
        with ThreadPoolExecutor(n_raters) as pool:
            outcomes = list(pool.map(rater, range(n_raters)))
        elapsed = time.monotonic() - started
    finally:
        stack.stop()
    latencies = [lat for lats, _ in outcomes for lat in lats]
    statuses: dict = {}
    for _, counts in outcomes:
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    with psycopg.connect(pg.url) as conn:
        ratings, distinct = conn.execute("SELECT count(*), count(DISTINCT client_uuid) FROM feedback_rating").fetchone()
        scores = conn.execute("SELECT count(*) FROM feedback_score").fetchone()[0]
    print(f"\nload drill: {n_raters} raters × {per_rater} ratings + 10% resubmits = {len(latencies)} requests in "
          f"{elapsed:.1f} s ({len(latencies) / elapsed:.0f} req/s), p50 {_percentile(latencies, .5):.0f} ms, "
          f"p95 {_percentile(latencies, .95):.0f} ms; statuses {statuses}; stored {ratings} ratings, "
          f"{distinct} distinct uuids, {scores} scores")
    assert not [s for s in statuses if s >= 500], statuses
    assert ratings == distinct == n_raters * per_rater
    assert scores == ratings * len(fixture["criteria"])
    assert statuses == {201: n_raters * per_rater, 200: n_raters * per_rater // 10}


REQUEST_RUN = r"""
import json, sys
from feedback.models import Client
from training.services.runs import training_run_request
hyperparameters = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
run = training_run_request(client=Client.objects.get(slug="drill"), requested_by=None, trigger="manual",
                           hyperparameters=hyperparameters)
print(json.dumps(run.id))
"""


def test_a_training_worker_killed_at_10_50_and_90_percent_leaves_the_active_model_and_finishes_once(tmp_path):
    database = SharedPostgresDatabase(f"drill_sigkill_{uuid.uuid4().hex[:8]}")
    broker = PrivateRedis(tmp_path / "redis").start()
    stack = Stack(folder=tmp_path / "stack", settings="local", database_url=database.create(), broker_url=broker.url,
                  env={"DJANGO_DEBUG": "false", "TASTEMAKER_TRAINING_SWEEP_S": "2",
                       "TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S": "6"})
    media = tmp_path / "stack" / "var" / "media"
    figures = []
    try:
        stack.manage("migrate", "-v0")
        stack.script(SETUP, "3", "160", "clean")
        stack.start_worker("worker-0", concurrency=1)
        with psycopg.connect(database.url, autocommit=True) as conn:
            def run_row(run_id: int) -> dict:
                row = conn.execute("SELECT status, epoch, attempts, model_version_id, finished_at "
                                   "FROM training_trainingrun WHERE id = %s", [run_id]).fetchone()
                return dict(zip(["status", "epoch", "attempts", "model_version_id", "finished_at"], row, strict=True))

            def active() -> tuple[int, str]:
                return conn.execute("SELECT id, artifact FROM training_modelversion WHERE is_active").fetchone()

            def versions() -> int:
                return conn.execute("SELECT count(*) FROM training_modelversion").fetchone()[0]

            first = stack.script(REQUEST_RUN)
            wait_until(lambda: run_row(first)["status"] == "succeeded", timeout=180,
                       what=f"the first model ({stack.log('worker-0')[-1500:]})")
            epochs = 150
            slow = {"max_epochs": epochs, "patience": epochs, "hidden": 256, "n_layers": 3, "batch_size": 4,
                    "learning_curve_fractions": [], "oof_folds": 2, "mc_samples": 5}
            for n, share in enumerate((0.1, 0.5, 0.9), start=1):
                active_id, artifact = active()
                before = hashlib.sha256((media / artifact).read_bytes()).hexdigest()
                count = versions()
                run = stack.script(REQUEST_RUN, json.dumps(slow))
                wait_until(lambda run=run, share=share: run_row(run)["epoch"] >= share * epochs, timeout=180,
                           interval=0.01, what=f"epoch {share * epochs:.0f}")
                stack.kill(f"worker-{n - 1}")
                killed = time.monotonic()
                at_kill = run_row(run)
                assert at_kill["status"] == "running" and at_kill["epoch"] < epochs, at_kill
                assert active() == (active_id, artifact)
                assert hashlib.sha256((media / artifact).read_bytes()).hexdigest() == before
                stack.start_worker(f"worker-{n}", concurrency=1)
                wait_until(lambda run=run: run_row(run)["status"] in ("succeeded", "failed"), timeout=300,
                           what=f"the re-sent run to finish ({stack.log(f'worker-{n}')[-1500:]})")
                done = run_row(run)
                assert done["status"] == "succeeded" and done["attempts"] == 2, done
                assert versions() - count <= 1
                assert hashlib.sha256((media / artifact).read_bytes()).hexdigest() == before
                finished = stack.log(f"worker-{n}").count("training.execute_run") and done["finished_at"]
                assert finished
                figures.append(f"{share:.0%}: killed at epoch {at_kill['epoch']}/{epochs}, finished "
                               f"{time.monotonic() - killed:.1f} s later on attempt {done['attempts']}, "
                               f"+{versions() - count} version")
            time.sleep(3)  # a late duplicate would show here: the run stays finished, nothing new is made
            assert run_row(run)["finished_at"] == done["finished_at"]
    finally:
        stack.stop()
        broker.stop()
        database.drop()
    print("\nSIGKILL drill: " + "; ".join(figures))
