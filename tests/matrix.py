"""The configuration matrix: every documented combination of settings, database and broker, end to end.

Each cell is a fresh deployment on real processes (tests/stack.py): its own database and broker,
`migrate`, `create_client` and `add_member`, the web server (`runserver` for local settings, as
`make run` does; gunicorn for production, as docker-compose does) and a Celery worker with beat.
Through the API it then builds a rubric, uploads creatives, posts ratings past a small retrain
threshold, and waits for the quality report, a promoted model and scores.

    .venv/bin/python -m tests.matrix [--parallel 2] [--cells local-sqlite-filesystem ...]

Run by CI through tests/config/test_matrix.py (one parametrized test per cell).
"""
import argparse
import json
import os
import tempfile
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.stack import TINY_TRAINING, PrivateRedis, SharedPostgresDatabase, Stack, png, wait_until

PASSWORD = "Matrix-pass-8231"


@dataclass(frozen=True)
class Cell:
    settings: str  # local | production
    database: str  # sqlite | postgres
    broker: str  # filesystem | redis

    @property
    def name(self) -> str:
        return f"{self.settings}-{self.database}-{self.broker}"


# Documented (README "Configuration matrix and drills"): the local settings with either database and
# either broker (`make run`'s defaults, switched by DATABASE_URL / CELERY_BROKER_URL); production
# with PostgreSQL and Redis only (docker-compose's shape; the filesystem broker and SQLite serve one
# machine, and production settings need Redis for the shared cache).
CELLS = [
    Cell("local", "sqlite", "filesystem"),
    Cell("local", "sqlite", "redis"),
    Cell("local", "postgres", "filesystem"),
    Cell("local", "postgres", "redis"),
    Cell("production", "postgres", "redis"),
]
N_CREATIVES = 40
# Enough epochs for 40 examples to beat predict-the-mean on the held-out split.
TRAINING = {**TINY_TRAINING, "max_epochs": 300, "patience": 40, "lr": 3e-3}
THRESHOLD = 12


def run_cell(cell: Cell, folder: Path) -> dict:
    """One end-to-end smoke in a fresh deployment; returns the phases' seconds. Raises on failure."""
    started = time.monotonic()
    cleanups = []
    try:
        if cell.database == "sqlite":
            database_url = f"sqlite:///{folder / 'db.sqlite3'}"
        else:
            pg = SharedPostgresDatabase(f"matrix_{cell.name.replace('-', '_')}_{os.getpid()}")
            database_url = pg.create()
            cleanups.append(pg.drop)
        if cell.broker == "redis":
            redis = PrivateRedis(folder / "redis").start()
            cleanups.append(redis.stop)
            broker_url = redis.url
        else:
            broker_url = "filesystem://"
        env = {"TASTEMAKER_TRAINING_HYPERPARAMETERS": json.dumps(TRAINING)}
        if cell.settings == "production":
            env |= {"DJANGO_SECRET_KEY": "matrix-" + uuid.uuid4().hex * 2,
                    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        stack = Stack(folder=folder, settings=cell.settings, database_url=database_url, broker_url=broker_url,
                      web="gunicorn" if cell.settings == "production" else "runserver", env=env)
        if cell.broker == "filesystem" and cell.settings != "local":
            raise AssertionError("the filesystem broker is documented with the local settings only")
        cleanups.insert(0, stack.stop)
        stack.manage("migrate", "-v0")
        stack.manage("create_client", "smoke", "--name", "Smoke Test", "--retrain-threshold", str(THRESHOLD))
        stack.manage("add_member", "smoke", "mgr", "manager", "--password", PASSWORD)
        for i in range(3):
            stack.manage("add_member", "smoke", f"rater{i}", "rater", "--password", PASSWORD)
        setup_done = time.monotonic()
        stack.start_web()
        stack.start_worker()
        processes_up = time.monotonic()
        _smoke(stack)
        return {"setup_s": setup_done - started, "start_s": processes_up - setup_done,
                "smoke_s": time.monotonic() - processes_up, "total_s": time.monotonic() - started}
    finally:
        for cleanup in cleanups:
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - every cleanup runs; the smoke's own error is what counts
                traceback.print_exc()


def _headline(i: int) -> str:
    return f"{'bold bright summer' if i % 2 == 0 else 'quiet plain notice'} {i}"


def _true_score(i: int, k: int) -> int:
    return (5 if i % 2 == 0 else 2) if k == 0 else (4 if i % 2 == 0 else 1)


def _smoke(stack: Stack) -> None:
    api = "/api/v1/clients/smoke"
    manager = stack.session(stack.token("mgr", PASSWORD))
    criteria = []
    for k in range(2):
        response = manager.post(stack.url(f"{api}/criteria/"), json={
            "name": f"criterion {k}", "question": "How good is it?", "scale_min": 1, "scale_max": 5,
            "anchors": {str(v): f"point {v}" for v in range(1, 6)}, "order": k,
        }, timeout=30)
        assert response.status_code == 201, response.text[:500]
        criteria.append(response.json()["id"])
    creatives = []
    for i in range(N_CREATIVES):
        response = manager.post(stack.url(f"{api}/creatives/"), data={
            "external_id": f"c{i}", "headline": _headline(i), "body": "copy", "metadata": "{}",
        }, files={"image": (f"c{i}.png", png((10 * i % 256, 200 - 5 * i, 40)), "image/png")}, timeout=60)
        assert response.status_code == 201, response.text[:500]
        creatives.append(response.json()["id"])
    for r in range(3):
        rater = stack.session(stack.token(f"rater{r}", PASSWORD))
        for i, creative in enumerate(creatives):
            body = {"creative": creative, "scores": {str(c): _true_score(i, k) for k, c in enumerate(criteria)},
                    "client_uuid": str(uuid.uuid4()), "duration_ms": 4000}
            response = rater.post(stack.url(f"{api}/ratings/"), json=body, timeout=30)
            assert response.status_code == 201, response.text[:500]

    def reported():
        body = manager.get(stack.url(f"{api}/quality/"), timeout=30).json()
        last = body["last_run"] or {}
        if last.get("status") == "failed" or (last.get("error") and not body["last_computed"]):
            raise AssertionError(f"the quality run failed: {last.get('error', '')[:500]}")
        return body if body["last_computed"] and body["counts"].get("pending", 1) == 0 else None

    quality = wait_until(reported, timeout=240, interval=1,
                         what=f"the quality report (worker log tail: {stack.log('worker')[-1500:]})")
    assert all(row["alpha"] is not None for row in quality["criteria"]), quality
    assert quality["counts"]["clean"] >= THRESHOLD, quality["counts"]

    def promoted():
        versions = manager.get(stack.url(f"{api}/models/"), timeout=30).json()["results"]
        return next((v for v in versions if v["is_active"]), None)

    model = wait_until(promoted, timeout=float(os.environ.get("MATRIX_MODEL_TIMEOUT", "300")), interval=1,
                       what=f"a promoted model (worker log tail: {stack.log('worker')[-1500:]})")
    scores = manager.post(stack.url(f"{api}/scores/"), json={"creatives": creatives[:4]}, timeout=30)
    assert scores.status_code == 200, scores.text[:500]
    body = scores.json()
    assert body["model_version"] == model["version"] and len(body["results"]) == 4
    bold, quiet = (body["results"][j]["scores_by_id"][str(criteria[0])] for j in (0, 1))
    assert bold["mean"] > quiet["mean"], body  # the model learnt the taste the raters showed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--cells", nargs="*", help="cell names (default: all)")
    args = parser.parse_args()
    cells = [c for c in CELLS if not args.cells or c.name in args.cells]

    def one(cell: Cell):
        with tempfile.TemporaryDirectory(prefix=f"matrix-{cell.name}-") as folder:
            try:
                return cell, run_cell(cell, Path(folder)), None
            except Exception as exc:  # noqa: BLE001 - reported per cell
                return cell, None, f"{type(exc).__name__}: {str(exc)[:1500]}"

    started = time.monotonic()
    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(one, cells))
    print(f"\n{'cell':<32}{'result':>8}{'setup s':>9}{'start s':>9}{'smoke s':>9}{'total s':>9}")
    for cell, timing, error in results:
        if timing:
            print(f"{cell.name:<32}{'ok':>8}{timing['setup_s']:>9.1f}{timing['start_s']:>9.1f}"
                  f"{timing['smoke_s']:>9.1f}{timing['total_s']:>9.1f}")
        else:
            print(f"{cell.name:<32}{'FAILED':>8}  {error.splitlines()[0][:300]}")
    print(f"matrix: {len(cells)} cells, {args.parallel} at a time, {time.monotonic() - started:.1f} s wall")
    failed = [cell.name for cell, _, error in results if error]
    if failed:
        for cell, _, error in results:
            if error:
                print(f"\n--- {cell.name}\n{error}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
