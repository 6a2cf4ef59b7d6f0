"""manage.py import_creatives <client-slug> <folder-or-csv> — bulk import with a progress bar."""
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feedback.errors import NotFound
from feedback.models import Client
from feedback.selectors import client_get
from feedback.services.creative_csv import CsvCreativeRow, creative_csv_parse
from feedback.services.creatives import CreativeInput, creative_upsert

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


@dataclass
class ImportRow:
    """One creative to import: where its image is and what the CSV said about it."""

    external_id: str
    image_path: Path | None
    headline: str = ""
    body: str = ""
    metadata: dict | None = None
    problem: str = ""


class Command(BaseCommand):
    help = (
        "Import creatives from a folder of images (external_id = file name without suffix) or from a "
        "CSV with columns image, external_id, headline, body, channel, format, campaign, tags (';'-separated), "
        "metadata (JSON). Existing external_ids are updated (upsert). Nothing is fetched from URLs."
    )

    def add_arguments(self, parser):
        parser.add_argument("client_slug")
        parser.add_argument("source", type=Path, help="A folder of images or a CSV file")
        parser.add_argument("--copy", type=Path, help="For a folder: a CSV giving headline/body per external_id")

    def handle(self, *args, client_slug, source, copy, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        rows = _rows_from_csv(source) if source.is_file() else _rows_from_folder(source, copy)
        outcome, skipped = Counter(), []
        for row in tqdm(rows, desc="Importing", unit="creative", disable=None):
            status, reason = _import_one(client, row)
            outcome[status] += 1
            if reason:
                skipped.append((row.external_id, reason))
        self._summary(outcome, skipped)

    def _summary(self, outcome: Counter, skipped: list[tuple[str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Created {outcome['created']}, updated {outcome['updated']}, skipped {outcome['skipped']}."
        ))
        for external_id, reason in skipped[:50]:
            self.stdout.write(f"  skipped {external_id}: {reason}")
        if len(skipped) > 50:
            self.stdout.write(f"  … and {len(skipped) - 50} more.")


def _import_one(client: Client, row: ImportRow) -> tuple[str, str]:
    if row.problem:
        return "skipped", row.problem
    try:
        data = row.image_path.read_bytes() if row.image_path else None
        result = creative_upsert(
            client=client,
            data=CreativeInput(
                external_id=row.external_id, headline=row.headline, body=row.body,
                metadata=row.metadata or {}, image=data,
                filename=row.image_path.stem if row.image_path else "upload",
            ),
        )
    except OSError as exc:
        return "skipped", f"cannot read image: {exc.strerror or exc}"
    except ValidationError as exc:
        return "skipped", "; ".join(exc.messages)
    return ("created" if result.created else "updated"), ""


def _rows_from_folder(folder: Path, copy_csv: Path | None) -> list[ImportRow]:
    copy = {row.external_id: row for row in _rows_from_csv(copy_csv)} if copy_csv else {}
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        external_id = str(path.relative_to(folder).with_suffix(""))
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            rows.append(ImportRow(external_id, None, problem=f"not an image file type ({path.suffix or 'no suffix'})"))
            continue
        described = copy.get(external_id)
        rows.append(ImportRow(
            external_id, path,
            headline=described.headline if described else "",
            body=described.body if described else "",
            metadata=described.metadata if described else {},
        ))
    return rows


def _rows_from_csv(path: Path) -> list[ImportRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        parsed = creative_csv_parse(text=text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc
    except ValidationError as exc:
        raise CommandError(f"Cannot read {path}: {'; '.join(exc.messages)}") from exc
    return [_row_from_parsed(row, path.parent) for row in parsed]


def _row_from_parsed(row: CsvCreativeRow, base: Path) -> ImportRow:
    image_path = (base / row.image).resolve() if row.image and not row.problem else None
    return ImportRow(row.external_id, image_path, row.headline, row.body, row.metadata, row.problem)
