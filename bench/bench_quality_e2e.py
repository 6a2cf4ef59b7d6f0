"""End-to-end quality recompute on PostgreSQL: load, numeric core, persistence; and the package.

Usage: python bench/bench_quality_e2e.py [--creatives 50000] [--raters 40] [--ratings 1000000]

Creates a separate database (tastemaker_bench_quality, dropped first), migrates it, bulk-loads
one client with `--creatives` creatives x 3 criteria rated by `--raters` simulated raters
(`--ratings` Rating rows, each with a score per criterion, over eight weeks) by COPY, then times:
  * the numeric core alone (`assess_quality`, 1,000 bootstrap replicates) on the loaded table,
  * alpha alone, ours against the `krippendorff` package on the same raters x units matrices
    (reusing bench_quality_core's helpers),
  * end to end through the Celery task's body (`review.quality_recompute`, run in-process):
    load from PostgreSQL + core + persistence in one transaction, first run and a repeat,
and prints a table with peak RSS (resource.getrusage ru_maxrss) after each step.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "tastemaker_bench_quality"
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def main() -> None:
    """Build the database, run the timings, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creatives", type=int, default=50_000)
    parser.add_argument("--raters", type=int, default=40)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    _setup_django()
    rows: list[tuple[str, float, str]] = []
    seconds = _timed(lambda: _load_database(args))[0]
    rows.append(("bulk load (COPY) + migrate", seconds, ""))
    _measure(rows, args)
    _print(rows, args)


def _setup_django() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load_database(args) -> None:
    from demo.simulator import simulate_rating_matrix
    from feedback.models import Client, Criterion
    from feedback.services.tenancy import membership_set

    client = Client.objects.create(slug="bench", name="Bench", overlap=3)
    criteria = [
        Criterion.objects.create(client=client, name=f"criterion_{i}", question="?", order=i,
                                 anchors={str(p): str(p) for p in range(1, 6)})
        for i in range(3)
    ]
    raters = [membership_set(client=client, username=f"rater{i:02d}", role="rater")[0].user_id
              for i in range(args.raters)]
    table = simulate_rating_matrix(args.creatives, args.raters, 3, overlap=args.ratings / args.creatives, seed=0)
    n = len(table) // 3
    # The simulator's rows come in (rating, criterion) order: three rows per rating.
    item, rater = table.item[::3].astype(np.int64), table.rater[::3].astype(np.int64)
    creative_ids = _copy_creatives(client.id, args.creatives)
    rng = np.random.default_rng(1)
    submitted = np.datetime64("2026-01-05T00:00:00") + (rng.random(n) * 56 * 86400).astype("timedelta64[s]")
    durations = table.duration_ms[::3].astype(np.int64) if table.duration_ms is not None else np.full(n, 4000)
    _copy_ratings(client.id, creative_ids[item], np.asarray(raters)[rater], submitted, durations)
    _copy_scores(n, np.array([c.id for c in criteria]), table.value.astype(np.int64))


def _copy_creatives(client_id: int, count: int) -> np.ndarray:
    from django.db import connection

    now = datetime.now(UTC).isoformat()
    lines = (
        f"{client_id}\tbench-{i}\tbench/shared.png\t\t512\t512\t{i:064x}\tHeadline {i}\tBody\t\t\t\t[]\t{{}}"
        f"\tf\t0\t0\t0\tf\t{now}\t{now}\n"
        for i in range(count)
    )
    columns = ("client_id, external_id, image, thumbnail, width, height, content_hash, headline, body, channel, "
               "format, campaign, tags, metadata, archived, queue_priority, extra_overlap, normal_rating_count, "
               "is_gold, created_at, updated_at")
    _copy(f"COPY feedback_creative ({columns}) FROM STDIN", "".join(lines))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM feedback_creative WHERE client_id = %s ORDER BY id", [client_id])
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def _copy_ratings(client_id, creatives, raters, submitted, durations) -> None:
    n = creatives.size
    stamps = np.datetime_as_string(submitted.astype("datetime64[s]"), unit="s")
    buffer = io.StringIO()
    for i in range(n):
        buffer.write(f"{i + 1}\t{client_id}\t{creatives[i]}\t{raters[i]}\t{uuid.uuid4()}\tnormal\tpending\t"
                     f"{stamps[i]}+00\t{durations[i]}\n")
    _copy("COPY feedback_rating (id, client_id, creative_id, rater_id, client_uuid, kind, status, submitted_at, "
          "duration_ms) FROM STDIN", buffer.getvalue())
    _execute("SELECT setval(pg_get_serial_sequence('feedback_rating', 'id'), %s)", [n])


def _copy_scores(n_ratings: int, criterion_ids: np.ndarray, values: np.ndarray) -> None:
    rating = np.repeat(np.arange(1, n_ratings + 1), 3)
    criterion = np.tile(criterion_ids, n_ratings)
    data = np.column_stack([rating, criterion, values, np.ones_like(values), np.full_like(values, 5)])
    buffer = io.BytesIO()
    np.savetxt(buffer, data, fmt="%d", delimiter="\t")
    _copy("COPY feedback_score (rating_id, criterion_id, value, scale_min, scale_max) FROM STDIN",
          buffer.getvalue().decode())
    _execute("ANALYZE", [])


def _copy(statement: str, text: str) -> None:
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(text), 1 << 24):
            copy.write(text[start:start + (1 << 24)])
    connection.connection.commit() if not connection.get_autocommit() else None


def _execute(sql: str, params) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _measure(rows, args) -> None:
    from bench_quality_core import _package_alphas

    from feedback.models import Client
    from review.models import QualityRun
    from review.quality import assess_quality, krippendorff_alpha_long
    from review.services.rating_table import quality_table_load
    from review.tasks import quality_recompute_task

    client = Client.objects.get(slug="bench")
    seconds, loaded = _timed(lambda: quality_table_load(client=client))
    table = loaded.table
    rows.append((f"load {loaded.n_ratings:,} ratings / {len(table):,} scores from PostgreSQL", seconds, _rss()))
    seconds, report = _timed(lambda: assess_quality(table, criteria=loaded.specs, n_boot=args.n_boot))
    rows.append((f"numeric core alone (assess_quality, {args.n_boot} bootstrap)", seconds, _rss()))
    columns = [(table.item[table.criterion == c], table.value[table.criterion == c]) for c in range(3)]
    ours = min(_timed(lambda: [krippendorff_alpha_long(*col) for col in columns])[0] for _ in range(3))
    rows.append(("alpha only, 3 criteria: ours", ours, _rss()))
    package_seconds, package_alphas = _package_alphas(table, len(loaded.rater_ids))
    speed_up = f"x{package_seconds / ours:.1f} slower than ours"
    rows.append(("alpha only, 3 criteria: krippendorff package", package_seconds, speed_up))
    del report
    for label in ("first", "repeat"):
        seconds, run_id = _timed(lambda: quality_recompute_task.run(client_id=client.id))
        run = QualityRun.objects.get(id=run_id)
        rows.append((f"end to end via task ({label}): load + core + persist [{run.status}]", seconds, _rss()))
    print(json.dumps({"package_alphas": package_alphas}, default=float))


def _timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _rss() -> str:
    return f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"


def _print(rows, args) -> None:
    print(f"\n== quality recompute: {args.creatives:,} creatives x 3 criteria, {args.raters} raters, "
          f"{args.ratings:,} ratings, PostgreSQL ==")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:8.2f} s  {note}")


if __name__ == "__main__":
    main()
