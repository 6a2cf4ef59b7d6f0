"""Rating submission through the API under gunicorn, against a one-row-insert ceiling, on PostgreSQL.

Both targets run in the same gunicorn configuration; 8 client processes post for a fixed time
each (a bounded loop on 127.0.0.1). Prints throughput, p50/p99 latency and errors, then counts
rows to prove no rating was lost or duplicated.

    .venv/bin/python bench/bench_ratings_load.py [--seconds 20] [--clients 8] [--workers 4]

BENCH_PORT and BENCH_LOAD_DB choose the port and the database (8765, tastemaker_bench_load), so two
runs on one machine do not meet. After the load it counts one rating's SQL statements in-process.
"""
import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
DB = os.environ.get("BENCH_LOAD_DB", "tastemaker_bench_load")
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load_settings", "BENCH_DB": DB, "PYTHONPATH": str(ROOT)}
    _create_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    fixture = json.loads(subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT, str(args.clients)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1])
    server = _start_gunicorn(env, args.workers)
    try:
        _warm_up(fixture)
        ceiling = _load(args, target="ceiling", fixture=fixture)
        ratings = _load(args, target="rating", fixture=fixture)
    finally:
        server.terminate()
        server.wait(timeout=120)  # a loaded machine can take a while to stop 4 workers
    stored = _count_rows(fixture)
    statements = _statements_per_rating(env, fixture, args.clients)
    _report(args, ceiling, ratings, stored)
    print(f"statements per rating (in-process, autocommit): {statements[1:]} after a first of {statements[0]} "
          "(the first fills the process's rubric cache)")


def _create_database() -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, payload text NOT NULL)")


SETUP_SCRIPT = r"""
import json, sys, django
django.setup()
from feedback.services.tokens import api_token_issue
from feedback.models import Creative, Criterion
from feedback.services.tenancy import client_create, membership_set
n_clients = int(sys.argv[1])
client, _ = client_create(slug="bench", name="Bench")
anchors = {str(p): "a" for p in range(1, 6)}
criteria = [Criterion.objects.create(client=client, name=f"c{i}", question="?", anchors=anchors) for i in range(3)]
Creative.objects.bulk_create(
    [Creative(client=client, external_id=f"b{i}", image="bench/shared.png", content_hash=f"{i:064x}")
     for i in range(60000)],
    batch_size=5000,
)
ids = list(Creative.objects.filter(client=client).order_by("id").values_list("id", flat=True))
tokens = []
for i in range(n_clients):
    membership, _ = membership_set(client=client, username=f"rater{i}", role="rater")
    tokens.append(api_token_issue(user=membership.user)[1])
print(json.dumps({"tokens": tokens, "creatives": ids, "criteria": [c.id for c in criteria], "client": client.id}))
"""


STATEMENTS_SCRIPT = r"""
import json, sys, uuid, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
fixture, creatives = json.loads(sys.argv[1]), json.loads(sys.argv[2])
http = Client(HTTP_AUTHORIZATION=f"Token {fixture['tokens'][0]}", SERVER_NAME="127.0.0.1")
counts = []
for creative in creatives:
    body = {"creative": creative, "scores": {str(c): 3 for c in fixture["criteria"]},
            "client_uuid": str(uuid.uuid4()), "duration_ms": 4000}
    with CaptureQueriesContext(connection) as queries:
        response = http.post("/api/v1/clients/bench/ratings/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    counts.append(len(queries))
print(json.dumps(counts))
"""


def _statements_per_rating(env: dict, fixture: dict, clients: int) -> list[int]:
    """SQL statements of one rating, counted in a fresh process on creatives the load did not reach."""
    per_client = len(fixture["creatives"]) // clients
    spare = fixture["creatives"][per_client - 6:per_client]
    out = subprocess.run(
        [sys.executable, "-c", STATEMENTS_SCRIPT, json.dumps({k: fixture[k] for k in ("tokens", "criteria")}),
         json.dumps(spare)], cwd=ROOT, env=env,
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    return json.loads(out)


def _start_gunicorn(env: dict, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.load_site_wsgi:application", "-b", f"127.0.0.1:{PORT}",
         "-w", str(workers), "--preload", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{PORT}/login/", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer within 120 s")


def _warm_up(fixture: dict) -> None:
    """Open every worker's database connection before measuring (unmeasured requests)."""
    for _ in range(40):
        requests.get(f"http://127.0.0.1:{PORT}/api/v1/clients/",
                     headers={"Authorization": f"Token {fixture['tokens'][0]}"}, timeout=30)


def _load(args, *, target: str, fixture: dict) -> dict:
    per_client = len(fixture["creatives"]) // args.clients
    jobs = [
        (target, fixture["tokens"][i], fixture["creatives"][i * per_client:(i + 1) * per_client],
         fixture["criteria"], args.seconds)
        for i in range(args.clients)
    ]
    started = time.monotonic()
    with mp.get_context("spawn").Pool(args.clients) as pool:
        results = pool.map(_client_loop, jobs)
    elapsed = time.monotonic() - started
    latencies = sorted(lat for r in results for lat in r["latencies"])
    return {
        "ok": sum(r["ok"] for r in results), "errors": sum(r["errors"] for r in results),
        "latencies": latencies, "elapsed": min(elapsed, args.seconds + 1), "seconds": args.seconds,
    }


def _client_loop(job) -> dict:
    """One load client: post back-to-back until the deadline; every request is timed."""
    target, token, creatives, criteria, seconds = job
    session = requests.Session()
    url = f"http://127.0.0.1:{PORT}/" + ("bench/insert/" if target == "ceiling" else "api/v1/clients/bench/ratings/")
    headers = {"Authorization": f"Token {token}"} if target == "rating" else {}
    latencies, ok, errors = [], 0, 0
    deadline = time.monotonic() + seconds
    for creative in creatives:
        if time.monotonic() >= deadline:
            break
        body = {"creative": creative, "scores": {str(c): 3 for c in criteria},
                "client_uuid": str(uuid.uuid4()), "duration_ms": 4000}
        start = time.perf_counter()
        try:
            response = session.post(url, json=body, headers=headers, timeout=10)
            good = response.status_code == 201
        except requests.RequestException:
            good = False
        latencies.append((time.perf_counter() - start) * 1000)
        ok, errors = ok + good, errors + (not good)
    return {"latencies": latencies, "ok": ok, "errors": errors}


def _count_rows(fixture: dict) -> dict:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}") as conn:
        ratings = conn.execute("SELECT count(*), count(DISTINCT client_uuid) FROM feedback_rating").fetchone()
        scores = conn.execute("SELECT count(*) FROM feedback_score").fetchone()[0]
        ceiling = conn.execute("SELECT count(*) FROM bench_ceiling").fetchone()[0]
    return {"ratings": ratings[0], "distinct_uuids": ratings[1], "scores": scores, "ceiling_rows": ceiling}


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _report(args, ceiling: dict, ratings: dict, stored: dict) -> None:
    print(f"\nLoad: {args.clients} concurrent clients × {args.seconds:.0f} s, gunicorn -w {args.workers}, PostgreSQL")
    print(f"{'target':<28}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in (("ceiling (one-row insert)", ceiling), ("POST ratings/ (API)", ratings)):
        rate = r["ok"] / r["seconds"]
        print(f"{name:<28}{r['ok']:>10}{rate:>10.1f}{_percentile(r['latencies'], .5):>10.1f}"
              f"{_percentile(r['latencies'], .99):>10.1f}{r['errors']:>8}")
    share = ratings["ok"] / max(ceiling["ok"], 1)
    print(f"ratings throughput = {share:.0%} of the ceiling (goal ≥ 40%)")
    lost = ratings["ok"] - stored["ratings"]
    duplicated = stored["ratings"] - stored["distinct_uuids"]
    print(f"rows after: {stored['ratings']} ratings ({stored['scores']} scores) for {ratings['ok']} answered 201; "
          f"lost {lost}, duplicated {duplicated}; ceiling rows {stored['ceiling_rows']} for {ceiling['ok']}")


if __name__ == "__main__":
    main()
