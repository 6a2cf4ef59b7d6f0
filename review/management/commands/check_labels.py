"""manage.py check_labels ratings.csv --out report.json — run the consistency checker on a file.

Reads what a newcomer has: comma, semicolon or tab separated (detected, or --delimiter), with or
without a UTF-8 byte-order mark, numbers or category labels (--categories G,P,R,X gives their
order; text labels are coded alphabetically for --level nominal), NA or empty cells as missing.
Every problem with the file is one line naming the row to fix, never a traceback.
"""

import csv
import json
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from review.quality import (
    CONSENSUS_METHODS,
    KINDS,
    REASONS,
    CriterionSpec,
    QualityThresholds,
    assess_quality,
    rating_table_from_columns,
    report_to_dict,
)

REQUIRED_COLUMNS = ("item", "rater", "value")
OPTIONAL_COLUMNS = ("criterion", "duration_ms", "kind", "gold_value")
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", ",": ",", ";": ";", "\\t": "\t"}
DUPLICATES = ("keep", "first", "last", "mean")
ROW = "__row__"  # the file's row number of each label, for error messages
# Below this size a progress bar is noise; above it parsing takes long enough to want one.
PROGRESS_MIN_BYTES = 2_000_000


class Command(BaseCommand):
    help = (
        "Check label consistency of a ratings file (columns item, rater, value; optional "
        "criterion, duration_ms, kind, gold_value; comma, semicolon or tab separated). Writes the "
        "JSON report and prints a summary. Needs no database."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("ratings", type=Path, help="CSV/TSV file, one row per label")
        parser.add_argument("--out", type=Path, required=True, help="Where to write the JSON report")
        parser.add_argument("--level", default="ordinal",
                            choices=("nominal", "ordinal", "interval", "ratio"),
                            help="Level of measurement of every criterion (default ordinal)")
        parser.add_argument("--consensus", default="auto", choices=CONSENSUS_METHODS,
                            help="auto: Dawid-Skene for nominal/binary, the graded model otherwise")
        parser.add_argument("--categories", default=None,
                            help="Category labels in scale order, e.g. G,P,R,X (coded 1..n)")
        parser.add_argument("--delimiter", default=None, choices=sorted(DELIMITERS),
                            help="Field separator (default: detected from the header)")
        parser.add_argument("--duplicates", default="keep", choices=DUPLICATES,
                            help="Several rows for one (item, rater, criterion): keep all, the "
                                 "first, the last, or their mean (default keep, with a warning)")
        parser.add_argument("--n-boot", type=int, default=1000, help="Bootstrap replicates for the alpha CI")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        out = options["out"]
        if not out.parent.exists():
            raise CommandError(f"--out folder {out.parent} does not exist; create it first")
        if out.is_dir():
            raise CommandError(f"--out {out} is a folder; give a file name such as {out / 'report.json'}")
        columns = read_columns(options["ratings"], delimiter=DELIMITERS.get(options["delimiter"]))
        values = parse_values(columns, categories=options["categories"], level=options["level"])
        columns, values = self._resolve_duplicates(columns, values, options["duplicates"])
        table = rating_table_from_columns(
            item=columns["item"], rater=columns["rater"], criterion=columns.get("criterion"),
            value=values,
            duration_ms=_numbers(columns, "duration_ms"),
            kind=_kinds(columns),
            gold_value=_numbers(columns, "gold_value"),
        )
        specs = {str(name): CriterionSpec(level=options["level"], consensus=options["consensus"])
                 for name in table.criterion_labels}
        started = time.perf_counter()
        report = assess_quality(table, criteria=specs, n_boot=options["n_boot"], seed=options["seed"])
        analysed_in = time.perf_counter() - started
        data = report_to_dict(report)
        # One dumps and one write: json.dump's many small writes cost more than the encoding.
        out.write_text(json.dumps(data, separators=(",", ":"), allow_nan=False))
        written_in = time.perf_counter() - started - analysed_in
        self._print_summary(report, data, out, analysed=int(np.isfinite(values).sum()))
        self.stdout.write(self.style.SUCCESS(
            f"report written to {out} ({out.stat().st_size / 1e6:.1f} MB in {written_in:.1f}s; "
            f"analysis {analysed_in:.1f}s)"))

    def _resolve_duplicates(self, columns, values, policy):
        keys = list(zip(columns["item"], columns["rater"], columns.get("criterion") or
                        [""] * len(values), strict=True))
        counts = Counter(keys)
        repeated = sum(n - 1 for n in counts.values() if n > 1)
        if not repeated:
            return columns, values
        first = next(key for key in keys if counts[key] > 1)
        self.stderr.write(self.style.WARNING(
            f"{repeated} duplicate rows for the same (item, rater, criterion), e.g. item "
            f"{first[0]!r} by {first[1]!r}; --duplicates {policy}"))
        if policy == "keep":
            return columns, values
        return collapse_duplicates(columns, values, keys, policy)

    def _print_summary(self, report, data, out, *, analysed: int):
        for name, summary in report.criteria.items():
            low, high = summary.alpha_ci
            fit = ("converged in" if summary.converged else "did NOT converge in") + \
                f" {summary.n_iter} iterations"
            self.stdout.write(f"{name}: alpha {summary.alpha:.3f} [{low:.3f}, {high:.3f}], "
                              f"{summary.n_items} items, {summary.n_ratings} ratings "
                              f"({summary.consensus_method}, {fit})")
        reasons = Counter(reason for flag in data["flags"] for reason in flag["reasons"])
        flagged = len(data["flags"])
        self.stdout.write(f"flagged {flagged} of {analysed} analysed labels: "
                          + (", ".join(f"{r} {reasons[r]}" for r in REASONS if reasons[r]) or "none"))
        enough = QualityThresholds().min_rater_ratings
        raters = sorted((r for r in data["raters"] if r["reliability"] is not None
                         and (r.get("n_compared") or 0) >= enough),
                        key=lambda r: r["reliability"])[:5]
        self.stdout.write(f"least reliable raters (of those with {enough}+ compared labels): "
                          + (", ".join(f"{r['rater']} ({r['reliability']:.2f})" for r in raters)
                             or "none yet"))


def read_columns(path: Path, *, delimiter: str | None = None) -> dict[str, list[str]]:
    """Read the file into lists per known column (header row names them)."""
    if not path.exists():
        raise CommandError(f"{path} does not exist")
    if path.is_dir():
        raise CommandError(f"{path} is a folder, not a ratings file")
    size = path.stat().st_size
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle, tqdm(
            total=size, unit="B", unit_scale=True, desc="reading", disable=size < PROGRESS_MIN_BYTES
        ) as bar:
            header = handle.readline()
            delimiter = delimiter or _detect_delimiter(header)
            names = [n.strip().lower() for n in next(csv.reader([header], delimiter=delimiter), [])]
            missing = set(REQUIRED_COLUMNS) - set(names)
            if missing:
                raise CommandError(
                    f"missing columns: {', '.join(sorted(missing))} (header read as "
                    f"{names}; the file needs item, rater and value, separated by , ; or tab)")
            present = {name: names.index(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
                       if name in names}
            columns: dict[str, list] = {name: [] for name in present}
            columns[ROW] = []
            reader = csv.reader(_counting_lines(handle, bar), delimiter=delimiter)
            for row_number, row in enumerate(reader, start=2):
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) < len(names):
                    raise CommandError(f"row {row_number} has {len(row)} fields, the header has "
                                       f"{len(names)}")
                for name, index in present.items():
                    columns[name].append(row[index].strip())
                columns[ROW].append(row_number)
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8") from error
    if not columns["value"]:
        raise CommandError(f"{path} has no rows")
    return columns


def parse_values(columns: dict[str, list[str]], *, categories: str | None, level: str) -> np.ndarray:
    """Label values as floats: numbers, NA/empty as NaN, category labels by --categories."""
    texts = columns["value"]
    if categories:
        order = [c.strip() for c in categories.split(",") if c.strip()]
        if len(set(order)) != len(order):
            raise CommandError(f"--categories lists a label twice: {categories}")
        return _coded_values(texts, {label: float(code) for code, label in enumerate(order, 1)},
                             rows=columns[ROW], hint=f"--categories {categories}")
    numbers = [_number(t) for t in texts]
    bad = next((row for row, value in enumerate(numbers) if value is None), None)
    if bad is None:
        return _finite_or_error(np.array(numbers, dtype=float), columns[ROW])
    labels = sorted({t for t in texts if t.lower() not in MISSING and _number(t) is None})
    if level != "nominal":
        raise CommandError(
            f"row {columns[ROW][bad]}: value {texts[bad]!r} is not a number; for category labels give their "
            f"order with --categories {','.join(labels[:8])} (or --level nominal)")
    # Nominal text labels: codes in alphabetical order (numbers, if mixed in, keep their value).
    lookup = {label: float(code) for code, label in enumerate(labels, 1)}
    return _coded_values(texts, lookup, rows=columns[ROW], hint="--level nominal")


def collapse_duplicates(columns, values, keys, policy):
    """Keep one row per key: the first, the last, or the first row carrying the mean value."""
    groups: dict[tuple, list[int]] = {}
    for row, key in enumerate(keys):
        groups.setdefault(key, []).append(row)
    keep = [rows[-1] if policy == "last" else rows[0] for rows in groups.values()]
    keep.sort()
    values = values.copy()
    if policy == "mean":
        for rows in groups.values():
            finite = [values[r] for r in rows if math.isfinite(values[r])]
            values[rows[0]] = float(np.mean(finite)) if finite else np.nan
    return {name: [column[r] for r in keep] for name, column in columns.items()}, values[keep]


def _detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _number(text: str) -> float | None:
    lowered = text.lower()
    if lowered in MISSING:
        return float("nan")
    if lowered in ("true", "false"):
        return 1.0 if lowered == "true" else 0.0
    try:
        return float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text \
            else float(text)
    except ValueError:
        return None


def _finite_or_error(values: np.ndarray, rows: list[int], name: str = "value") -> np.ndarray:
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        raise CommandError(f"row {rows[infinite[0]]}: {name} is infinite; give a finite number or leave it empty")
    return values


def _coded_values(texts, lookup, *, rows, hint) -> np.ndarray:
    result = np.empty(len(texts))
    for row, text in enumerate(texts):
        if text in lookup:
            result[row] = lookup[text]
        elif text.lower() in MISSING:
            result[row] = np.nan
        else:
            number = _number(text)
            if number is None:
                raise CommandError(f"row {rows[row]}: value {text!r} is not one of the categories ({hint})")
            result[row] = number
    return _finite_or_error(result, rows)


def _numbers(columns, name) -> np.ndarray | None:
    if name not in columns:
        return None
    values = []
    for row, text in enumerate(columns[name]):
        number = _number(text)
        if number is None:
            raise CommandError(f"row {columns[ROW][row]}: {name} {text!r} is not a number")
        values.append(number)
    return _finite_or_error(np.array(values, dtype=float), columns[ROW], name)


def _kinds(columns) -> list[str] | None:
    if "kind" not in columns:
        return None
    kinds = [k.lower() for k in columns["kind"]]
    for row, kind in enumerate(kinds):
        if kind and kind not in KINDS:
            raise CommandError(f"row {columns[ROW][row]}: kind {columns['kind'][row]!r} is not one of "
                               f"{', '.join(KINDS)} (or empty for normal)")
    return kinds


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
