"""End-to-end quality recompute on PostgreSQL: load, numeric core, persistence; and the package.

Usage: python bench/bench_quality_e2e.py [--creatives 50000] [--raters 40] [--ratings 1000000]
       python bench/bench_quality_e2e.py --scenario team [--seeds 3]

--scenario team: a small team through the real pipeline, as a user would run it. Per seed, a
client with 3 criteria (1..5), overlap 3 and 150 creatives; 8 simulated raters (five careful, sd
0.4, 0.45, 0.5, 0.55 with no bias, 0.6; a guesser, a straight-liner at 3, a harsh rater at -1.2)
take turns asking the rating queue for their next creative (GET queue/next: leases, repeats and
over-fill protection included) and POST their ratings through the REST API, until the queue has
nothing left for anyone; then `quality_recompute` runs and the stored flags and RaterStats are
read back. It prints, per rater, the ratings, the share of labels flagged (and why) and the
stored reliability, and the careful raters' flagged share over all seeds (goal: under 10%).

The default scenario:

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
    parser.add_argument("--scenario", choices=("load", "team"), default="load")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    _setup_django()
    if args.scenario == "team":
        _team_report([_team_scenario(seed) for seed in range(args.seeds)])
        return
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


# --- the team scenario ---------------------------------------------------------------------------

# name, kind, noise sd, bias, median seconds per rating, share of turns
TEAM = [
    ("careful-0.40", "careful", 0.40, 0.10, 9.0, 1.0),
    ("careful-0.45", "careful", 0.45, -0.15, 12.0, 1.0),
    ("careful-0.50", "careful", 0.50, 0.05, 7.0, 1.0),
    ("careful-0.55", "careful", 0.55, 0.0, 10.0, 1.0),
    ("careful-0.60", "careful", 0.60, 0.20, 6.0, 1.0),
    ("guesser", "random", 0.0, 0.0, 4.0, 0.6),
    ("straight-liner", "straight_liner", 0.0, 0.0, 3.0, 0.6),
    ("harsh", "harsh", 0.5, -1.2, 9.0, 0.6),
]
TEAM_CREATIVES = 150


def _team_scenario(seed: int) -> list[dict]:
    """One client rated through the API by the TEAM; returns each rater's stored outcome."""
    from django.conf import settings
    from rest_framework.test import APIClient

    from demo.simulator import simulate_rating_matrix
    from feedback.models import Client, Creative, Criterion
    from feedback.services.tenancy import membership_set
    from review.services.recompute import quality_recompute

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process API client's host
    rng = np.random.default_rng(seed)
    client = Client.objects.create(slug=f"team-{seed}", name=f"Team {seed}", overlap=3)
    criteria = [Criterion.objects.create(client=client, name=f"criterion_{i}", question="?", order=i,
                                         anchors={str(p): str(p) for p in range(1, 6)}) for i in range(3)]
    creatives = [Creative.objects.create(client=client, external_id=f"c{i}", image="bench/shared.png",
                                         width=512, height=512, content_hash=f"{seed:08x}{i:056x}",
                                         headline=f"Headline {i}") for i in range(TEAM_CREATIVES)]
    truth = simulate_rating_matrix(TEAM_CREATIVES, 3, 3, overlap=1, seed=seed).true_scores
    index = {creative.id: i for i, creative in enumerate(creatives)}
    apis, users = [], []
    for name, *_ in TEAM:
        user = membership_set(client=client, username=f"{name}-{seed}", role="rater")[0].user
        api = APIClient()
        api.force_authenticate(user)
        apis.append(api)
        users.append(user)
    base = f"/api/v1/clients/{client.slug}"
    active = list(range(len(TEAM)))
    turns = np.array([profile[5] for profile in TEAM])
    while active:
        rater = int(rng.choice(active, p=turns[active] / turns[active].sum()))
        response = apis[rater].get(f"{base}/queue/next/")
        if response.status_code == 204:
            active.remove(rater)
            continue
        assert response.status_code == 200, response.content[:200]
        creative_id = response.json()["creative"]["id"]
        scores = _team_scores(rng, TEAM[rater], truth[index[creative_id]])
        body = {"creative": creative_id, "client_uuid": str(uuid.uuid4()),
                "scores": {str(c.id): v for c, v in zip(criteria, scores, strict=True)},
                "duration_ms": int(TEAM[rater][4] * 1000 * np.exp(0.35 * rng.standard_normal()))}
        assert apis[rater].post(f"{base}/ratings/", body, format="json").status_code == 201
    started = time.perf_counter()
    run = quality_recompute(client=client)
    seconds = time.perf_counter() - started
    return [_team_outcome(client, user, profile, run, seconds) for user, profile in zip(users, TEAM, strict=True)]


def _team_scores(rng, profile, truth: np.ndarray) -> list[int]:
    _, kind, sd, bias, _, _ = profile
    if kind == "random":
        return rng.integers(1, 6, size=3).tolist()
    if kind == "straight_liner":
        return [3, 3, 3]
    return np.clip(np.rint(truth + bias + sd * rng.standard_normal(3)), 1, 5).astype(int).tolist()


def _team_outcome(client, user, profile, run, seconds) -> dict:
    from collections import Counter

    from feedback.models import Rating, Score
    from review.models import Flag, RaterStats

    stats = RaterStats.objects.get(client=client, rater=user)
    labels = Score.objects.filter(rating__client=client, rating__rater=user).count()
    flags = list(Flag.objects.filter(client=client, rater=user).values_list("reasons", flat=True))
    reasons = Counter(reason for names in flags for reason in names)
    return {"name": profile[0], "kind": profile[1], "ratings": Rating.objects.filter(client=client, rater=user).count(),
            "labels": labels, "flagged": len(flags), "reasons": dict(reasons), "reliability": stats.reliability,
            "run": run.status, "seconds": seconds}


def _team_report(seeds: list[list[dict]]) -> None:
    print(f"\n== team scenario: 8 raters, {TEAM_CREATIVES} creatives x 3 criteria, overlap 3, ratings through "
          f"the API, quality_recompute; {len(seeds)} seeds ==")
    for seed, outcomes in enumerate(seeds):
        print(f"seed {seed}: run {outcomes[0]['run']} in {outcomes[0]['seconds']:.2f}s")
        for row in outcomes:
            reliability = "-" if row["reliability"] is None else f"{row['reliability']:.2f}"
            print(f"  {row['name']:15s} ratings {row['ratings']:3d}  labels flagged {row['flagged']:3d} of "
                  f"{row['labels']:3d} ({row['flagged'] / max(row['labels'], 1):5.1%})  reliability {reliability:>5s}  "
                  f"{row['reasons'] or ''}")
    for kind in ("careful", "random", "straight_liner", "harsh"):
        rows = [row for outcomes in seeds for row in outcomes if row["kind"] == kind]
        share = sum(row["flagged"] for row in rows) / max(sum(row["labels"] for row in rows), 1)
        reliability = [row["reliability"] for row in rows if row["reliability"] is not None]
        print(f"{kind:15s} labels flagged {share:6.1%} (worst rater "
              f"{max(row['flagged'] / max(row['labels'], 1) for row in rows):.1%}), reliability "
              f"{min(reliability):.2f}..{max(reliability):.2f}")


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
