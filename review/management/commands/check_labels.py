"""manage.py check_labels ratings.csv --out report.json — run the consistency checker on a CSV."""

import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from review.quality import (
    REASONS,
    CriterionSpec,
    assess_quality,
    rating_table_from_columns,
    report_to_dict,
)

REQUIRED_COLUMNS = ("item", "rater", "value")
OPTIONAL_COLUMNS = ("criterion", "duration_ms", "kind", "gold_value")
# Below this size a progress bar is noise; above it parsing takes long enough to want one.
PROGRESS_MIN_BYTES = 2_000_000


class Command(BaseCommand):
    help = (
        "Check label consistency of a ratings CSV (columns item, rater, criterion, value; optional "
        "duration_ms, kind, gold_value; a missing criterion column means one criterion). Writes the "
        "JSON report and prints a summary. Needs no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("ratings", type=Path, help="CSV file, one row per label")
        parser.add_argument("--out", type=Path, required=True, help="Where to write the JSON report")
        parser.add_argument("--level", default="ordinal",
                            choices=("nominal", "ordinal", "interval", "ratio"),
                            help="Level of measurement of every criterion (default ordinal)")
        parser.add_argument("--n-boot", type=int, default=1000, help="Bootstrap replicates for the alpha CI")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        columns = _read_columns(options["ratings"])
        table = rating_table_from_columns(
            item=columns["item"], rater=columns["rater"], criterion=columns.get("criterion"),
            value=_floats(columns["value"]),
            duration_ms=_floats(columns["duration_ms"]) if "duration_ms" in columns else None,
            kind=columns.get("kind"),
            gold_value=_floats(columns["gold_value"]) if "gold_value" in columns else None,
        )
        specs = {str(name): CriterionSpec(level=options["level"]) for name in table.criterion_labels}
        report = assess_quality(table, criteria=specs, n_boot=options["n_boot"], seed=options["seed"])
        data = report_to_dict(report)
        options["out"].write_text(json.dumps(data, indent=1))
        self._print_summary(report, data, options["out"])

    def _print_summary(self, report, data, out):
        for name, summary in report.criteria.items():
            low, high = summary.alpha_ci
            self.stdout.write(f"{name}: alpha {summary.alpha:.3f} [{low:.3f}, {high:.3f}], "
                              f"{summary.n_items} items, {summary.n_ratings} ratings "
                              f"({summary.consensus_method})")
        reasons = Counter(reason for flag in data["flags"] for reason in flag["reasons"])
        flagged = int(report.ratings.flagged.sum())
        self.stdout.write(f"flagged {flagged} of {report.ratings.flagged.size} ratings: "
                          + ", ".join(f"{r} {reasons[r]}" for r in REASONS if reasons[r]))
        raters = sorted((r for r in data["raters"] if r["reliability"] is not None),
                        key=lambda r: r["reliability"])[:5]
        self.stdout.write("least reliable raters: "
                          + ", ".join(f"{r['rater']} ({r['reliability']:.2f})" for r in raters))
        self.stdout.write(self.style.SUCCESS(f"report written to {out}"))


def _read_columns(path: Path) -> dict[str, list[str]]:
    """Read the CSV into lists per known column, with a progress bar on large files."""
    if not path.exists():
        raise CommandError(f"{path} does not exist")
    size = path.stat().st_size
    with path.open(newline="", encoding="utf-8") as handle, tqdm(
        total=size, unit="B", unit_scale=True, desc="reading", disable=size < PROGRESS_MIN_BYTES
    ) as bar:
        reader = csv.DictReader(_counting_lines(handle, bar))
        missing = set(REQUIRED_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise CommandError(f"missing columns: {', '.join(sorted(missing))}")
        present = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in reader.fieldnames]
        columns: dict[str, list[str]] = {name: [] for name in present}
        for row in reader:
            for name in present:
                columns[name].append(row[name].strip())
    if not columns["value"]:
        raise CommandError(f"{path} has no rows")
    return columns


def _counting_lines(handle, bar, batch: int = 20_000):
    # Updating the bar per line would cost more than parsing; a batch of lines is smooth enough.
    pending = 0
    for index, line in enumerate(handle, 1):
        pending += len(line)
        if index % batch == 0:
            bar.update(pending)
            pending = 0
        yield line
    bar.update(pending)


def _floats(texts: list[str]) -> np.ndarray:
    """Parse numbers; empty cells are NaN, true/false are 1/0 (binary labels)."""
    lookup = {"": "nan", "true": "1", "false": "0"}
    try:
        return np.array([float(lookup.get(t.lower(), t)) for t in texts], dtype=float)
    except ValueError as error:
        raise CommandError(f"not a number: {error}") from error
