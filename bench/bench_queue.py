"""Benchmark the rating queue against PostgreSQL: server time and query count of queue/next and submit.

For each size N it builds a fresh database (`tastemaker_bench_queue`) with one client holding N
creatives and 10×N normal ratings from 200 raters (COPY, so loading 1M ratings takes about a
minute), then times 2,000 `GET queue/next/` and 2,000 `POST ratings/` through Django's test client
in-process (server time: URL routing, token auth, tenancy, service, serializer; no network).
Wall time includes waiting for PostgreSQL; "cpu" is this process's CPU time per call (Django's
share), which a busy shared machine inflates less than wall time.

    .venv/bin/python bench/bench_queue.py --creatives 10000 100000

Data shape: each creative has 5..15 normal ratings (mean 10) and the client's overlap is 12, so
about a third of the creatives are full and the rest wait in the queue; 20 creatives are gold,
repeat and gold rates are the defaults (5% each), so the timings mix all three kinds of pick.
"""
import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_DB", "tastemaker_bench_queue")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
RATERS = 200
BENCH_RATERS = 20
OVERLAP = 12
GOLD = 20
CALLS = 2000
WARMUP = 50
COUNTED = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creatives", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--explain", action="store_true", help="print the candidate query's plan")
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"{PG}/{BENCH_DB}",
        # The rating path's quality debounce must not publish into anyone's real broker.
        CELERY_BROKER_URL="memory://",
        DJANGO_MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-queue-media-"),
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    rows = []
    for n in args.creatives:
        _fresh_database()
        rows.append(_run_size(n, calls=args.calls, explain=args.explain))
    _print_table(rows, calls=args.calls)


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _run_size(n: int, *, calls: int, explain: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    client, raters, criteria = _load(n)
    load_s = time.perf_counter() - started
    print(f"[{n:,} creatives] loaded {client.loaded_ratings:,} ratings in {load_s:.0f}s", flush=True)
    if explain:
        _explain(client, raters[0])
    measured = _measure(client, raters[:BENCH_RATERS], criteria, calls=calls)
    return {"n": n, "ratings": client.loaded_ratings, "load_s": load_s, **measured}


def _load(n: int):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from feedback.models import Client, Creative, Criterion, GoldReference, Membership

    rng = random.Random(7)
    client = Client.objects.create(slug="bench", name="Bench", overlap=OVERLAP)
    criteria = [
        Criterion.objects.create(client=client, name=f"c{i}", question="?", anchors={}, order=i) for i in range(2)
    ]
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"rater{i}", password="!")  # noqa: S106 - an unusable password
        for i in range(RATERS)
    )
    Membership.objects.bulk_create(Membership(user=u, client=client) for u in users)
    now = datetime.now(UTC)
    counts = [rng.randint(5, 15) for _ in range(n)]
    raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY feedback_creative (id, client_id, external_id, image, thumbnail, width, height, content_hash,"
            " headline, body, channel, format, campaign, tags, metadata, archived, queue_priority,"
            " extra_overlap, normal_rating_count, is_gold, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                created = now - timedelta(seconds=n - i)
                copy.write_row((
                    i + 1, client.id, f"ext-{i}", "bench/one.png", "", 32, 24, f"{i:064x}", f"Headline {i}",
                    "Body copy.", "", "", "", "[]", "{}", False, 0.0, 0, counts[i], False, created,
                    created,
                ))
        rating_id = 0
        with cursor.copy(
            "COPY feedback_rating (id, client_id, creative_id, rater_id, client_uuid, kind, status, shown_at,"
            " submitted_at, duration_ms) FROM STDIN"
        ) as copy:
            for i in range(n):
                for rater in rng.sample(users, counts[i]):
                    rating_id += 1
                    at = now - timedelta(days=30) + timedelta(seconds=rating_id * 2_592_000 // (n * 10))
                    copy.write_row((
                        rating_id, client.id, i + 1, rater.id, uuid.UUID(int=rng.getrandbits(128), version=4),
                        "normal", "pending", at - timedelta(seconds=5), at, 5000,
                    ))
        with cursor.copy(
            "COPY feedback_score (rating_id, criterion_id, value, scale_min, scale_max) FROM STDIN"
        ) as copy:
            for rid in range(1, rating_id + 1):
                for criterion in criteria:
                    copy.write_row((rid, criterion.id, 1 + rid % 5, 1, 5))
        cursor.execute("SELECT setval('feedback_creative_id_seq', %s)", (n,))
        cursor.execute("SELECT setval('feedback_rating_id_seq', %s)", (rating_id,))
        cursor.execute("ANALYZE")
    gold_ids = rng.sample(range(1, n + 1), GOLD)
    Creative.objects.filter(id__in=gold_ids).update(is_gold=True)
    GoldReference.objects.bulk_create(
        GoldReference(client=client, creative_id=cid, criterion=c, value=3) for cid in gold_ids for c in criteria
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feedback_creative")
    client.refresh_from_db()
    client.loaded_ratings = rating_id
    return client, users, criteria


def _measure(client, raters, criteria, *, calls: int) -> dict:
    from django.db import connection
    from django.test import Client as HttpClient

    from feedback.services.tokens import api_token_issue

    # Production keeps connections (DATABASE_CONN_MAX_AGE, default 60 s); the test settings do not.
    connection.settings_dict["CONN_MAX_AGE"] = 600
    http = {r.id: HttpClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=r)[1]}") for r in raters}
    base = f"/api/v1/clients/{client.slug}/"
    rng = random.Random(11)
    timings = {"next": [], "submit": []}
    cpu = {"next": [], "submit": []}
    queries = {"next": [], "submit": []}
    kinds = {}
    empty = 0
    for i in range(WARMUP + calls):
        rater = raters[i % len(raters)]
        api = http[rater.id]
        counting = WARMUP <= i < WARMUP + COUNTED
        with _queries(connection, counting) as next_q:
            c0, t0 = time.process_time(), time.perf_counter()
            response = api.get(f"{base}queue/next/")
            c1, t1 = time.process_time(), time.perf_counter()
        # Counted now: the capture reads the connection's log, which the submit's capture clears.
        next_count = len(next_q)
        if response.status_code == 204:
            empty += 1
            continue
        assignment = response.json()
        body = {
            "creative": assignment["creative"]["id"],
            "scores": {str(c.id): rng.randint(1, 5) for c in criteria},
            "client_uuid": str(uuid.uuid4()),
            "duration_ms": 4000,
        }
        with _queries(connection, counting) as submit_q:
            c2, t2 = time.process_time(), time.perf_counter()
            submitted = api.post(f"{base}ratings/", body, content_type="application/json")
            c3, t3 = time.process_time(), time.perf_counter()
        assert submitted.status_code == 201, submitted.content
        if i < WARMUP:
            continue
        timings["next"].append(t1 - t0)
        timings["submit"].append(t3 - t2)
        cpu["next"].append(c1 - c0)
        cpu["submit"].append(c3 - c2)
        kinds[assignment["kind"]] = kinds.get(assignment["kind"], 0) + 1
        if counting:
            queries["next"].append(next_count)
            queries["submit"].append(len(submit_q))
    return {"timings": timings, "cpu": cpu, "queries": queries, "kinds": kinds, "empty": empty}


def _queries(connection, counting: bool):
    """Capture queries only on the counted calls (the capture log is a bounded deque)."""
    from contextlib import nullcontext

    from django.test.utils import CaptureQueriesContext

    if not counting:
        return nullcontext([])
    connection.queries_log.clear()
    return CaptureQueriesContext(connection)


def _explain(client, rater) -> None:
    from django.db import connection, transaction

    from feedback.selectors import creative_list_for_queue

    queryset = creative_list_for_queue(client=client, rater=rater).select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = queryset[:4].query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("\n".join(row[0] for row in cursor.fetchall()), flush=True)
        transaction.set_rollback(True)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _print_table(rows: list[dict], *, calls: int) -> None:
    out = io.StringIO()
    out.write(f"\nqueue/next and rating submit, server time over {calls:,} calls each (PostgreSQL, in-process)\n")
    out.write(f"{'creatives':>10} {'ratings':>10} {'call':>7} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>8} "
              f"{'cpu p50':>8} {'cpu p99':>8} {'queries':>8}  kinds served\n")
    for row in rows:
        for call in ("next", "submit"):
            values = row["timings"][call]
            q = row["queries"][call]
            qtext = f"{min(q)}" if min(q) == max(q) else f"{min(q)}-{max(q)}"
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(row["kinds"].items())) if call == "next" else ""
            out.write(
                f"{row['n']:>10,} {row['ratings']:>10,} {call:>7} {_ms(values, 0.5):>7.1f} {_ms(values, 0.99):>7.1f} "
                f"{1000 * statistics.fmean(values):>8.1f} "
                f"{_ms(row['cpu'][call], 0.5):>8.1f} {_ms(row['cpu'][call], 0.99):>8.1f} "
                f"{qtext:>8}  {kinds}\n"
            )
        if row["empty"]:
            out.write(f"{'':>10} ({row['empty']} calls found the queue empty)\n")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out.write(f"load average at the end: {load} on {os.cpu_count()} CPUs (a shared machine inflates wall times)\n")
    print(out.getvalue(), flush=True)


if __name__ == "__main__":
    main()
