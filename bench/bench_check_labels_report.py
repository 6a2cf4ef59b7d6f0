"""check_labels on a simulated file whose JSON report is ~10-15 MB: analysis seconds vs writing seconds.

Usage: python bench/bench_check_labels_report.py [--items 22000] [--raters 40]
Writes the simulator's ratings (items x 3 criteria at overlap 4, with durations) as a CSV in a
temporary folder, runs `manage.py check_labels` on it as a user would, and prints the command's
last line, which says how long the analysis and the report's writing took (goal: writing no
longer than the analysis).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=22_000)
    parser.add_argument("--raters", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    from demo.simulator import simulate_rating_matrix

    table = simulate_rating_matrix(args.items, args.raters, 3, overlap=4, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        ratings, report = Path(folder) / "ratings.csv", Path(folder) / "report.json"
        with ratings.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["item", "rater", "criterion", "value", "duration_ms"])
            writer.writerows(zip(table.item.tolist(), table.rater.tolist(), table.criterion.tolist(),
                                 table.value.tolist(), table.duration_ms.tolist(), strict=True))
        out = io.StringIO()
        call_command("check_labels", str(ratings), "--out", str(report), stdout=out, stderr=io.StringIO())
        print(f"{len(table):,} labels, {ratings.stat().st_size / 1e6:.1f} MB of CSV")
        print(out.getvalue().strip().splitlines()[-1])


if __name__ == "__main__":
    main()
