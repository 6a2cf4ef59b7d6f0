"""Checkpoint write (save + read-back verification) and verified read times on both storage backends.

The local folder (FileSystemStorage) against an S3-protocol server (moto's server mode, its own
process on loopback: tests/storage.py), through the code training uses: artifact_write (unique key,
save, read back, SHA-256 and size) and artifact_read (exists, read, SHA-256 and size). Payloads are
random bytes of 1, 10 and 50 MB; torch.load is left out (it costs the same on both backends).
No database is touched.

    .venv/bin/python bench/bench_artifacts.py [--sizes 1,10,50] [--repeat 3]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.test.utils import override_settings  # noqa: E402

from config.settings.storage import storages_from_environ  # noqa: E402
from tests.storage import S3Server  # noqa: E402
from training.services.artifacts import artifact_read, artifact_write  # noqa: E402


def _time(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(sizes_mb: list[int], repeat: int, environ: dict, media_root: str) -> list[tuple[int, float, float]]:
    rows = []
    with override_settings(STORAGES=storages_from_environ(environ), MEDIA_ROOT=media_root):
        from django.core.files.storage import default_storage

        for size in sizes_mb:
            data = os.urandom(size * 1024 * 1024)
            written: list[str] = []

            def write(data=data, written=written, size=size):
                stored = artifact_write(client_id=1, version=size, data=data)
                written.append(stored.name)
                return stored

            write_s, stored = _time(write, repeat)
            read_s, read = _time(lambda stored=stored: artifact_read(name=stored.name, sha256=stored.sha256,
                                                                     size=stored.size), repeat)
            assert read == data
            for name in written:
                default_storage.delete(name)
            rows.append((size, write_s, read_s))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="payload sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell (the median is shown)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        server = S3Server(log_path=Path(tmp) / "moto.log")
        try:
            bucket = f"bench-{uuid.uuid4().hex[:12]}"
            server.create_bucket(bucket)
            results = {
                "filesystem": measure(sizes, args.repeat, {"TASTEMAKER_STORAGE": "filesystem"}, f"{tmp}/media"),
                "s3 (moto server)": measure(sizes, args.repeat, server.environ(bucket=bucket), f"{tmp}/unused"),
            }
        finally:
            server.stop()
    print(f"Checkpoint write (save + verify) and verified read, median of {args.repeat}, seconds (MB/s)")
    print(f"{'backend':<18} {'size':>6} {'write+verify':>18} {'read+verify':>18}")
    for backend, rows in results.items():
        for size, write_s, read_s in rows:
            write, read = f"{write_s:.3f} ({size / write_s:.0f})", f"{read_s:.3f} ({size / read_s:.0f})"
            print(f"{backend:<18} {size:>4}MB {write:>18} {read:>18}")


if __name__ == "__main__":
    main()
