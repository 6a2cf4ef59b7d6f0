"""The creatives CSV, parsed once for every way in: `import_creatives` and the browser's upload page.

Columns: image (a file name or path; a URL is never fetched), external_id (default: the image's
name without suffix), headline, body, channel, format, campaign, tags (`;`-separated) and metadata
(a JSON object). Parsing writes nothing; each row says what to upsert or why it is skipped.
"""
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from django.core.exceptions import ValidationError

METADATA_COLUMNS = ("channel", "format", "campaign")
URL_PREFIXES = ("http://", "https://", "ftp://", "//")
URL_PROBLEM = "image is a URL; the server never fetches URLs: download it and import the file"
MAX_CSV_ROWS = 10_000


@dataclass
class CsvCreativeRow:
    """One CSV line: the creative it describes, the image it names, or the reason it is skipped.

    A row without an image updates the copy of an existing external_id (a new one needs an image).
    """

    line: int
    external_id: str
    image: str = ""
    headline: str = ""
    body: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def image_name(self) -> str:
        """The image's file name without folders (what a browser knows of a dropped file)."""
        return PureWindowsPath(PurePosixPath(self.image).name).name if self.image else ""


def creative_csv_parse(*, text: str) -> list[CsvCreativeRow]:
    """Every data line of a creatives CSV as a row; a file that is not a CSV is a ValidationError."""
    text = text.removeprefix("\ufeff")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = {(name or "").strip() for name in reader.fieldnames or []}
        if not columns & {"image", "external_id"}:
            raise ValidationError({"csv": ["The CSV needs a header line with an `image` or `external_id` column."]})
        records = []
        for record in reader:
            records.append(record)
            if len(records) > MAX_CSV_ROWS:
                raise ValidationError({"csv": [f"The CSV has more than {MAX_CSV_ROWS:,} rows: split it."]})
    except csv.Error as exc:
        raise ValidationError({"csv": [f"Not a readable CSV: {exc}."]}) from exc
    return [_row_from_record(record, line) for line, record in enumerate(records, start=2)]


def _row_from_record(record: dict, line: int) -> CsvCreativeRow:
    record = {(key or "").strip(): value if isinstance(value, str) else "" for key, value in record.items()}
    image = record.get("image", "").strip()
    stem = PurePosixPath(image).stem if image else ""
    external_id = (record.get("external_id") or stem).strip()
    row = CsvCreativeRow(
        line=line, external_id=external_id or f"line-{line}", image=image,
        headline=record.get("headline", ""), body=record.get("body", ""),
    )
    if _is_url(image):
        row.problem = URL_PROBLEM
    try:
        row.metadata = _metadata(record)
    except ValueError as exc:
        row.problem = row.problem or f"line {line}: {exc}"
    return row


def _is_url(image: str) -> bool:
    return image.lower().startswith(URL_PREFIXES)


def _metadata(record: dict) -> dict:
    text = record.get("metadata", "").strip()
    try:
        metadata = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"metadata is not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a JSON object")
    for column in METADATA_COLUMNS:
        if record.get(column):
            metadata[column] = record[column].strip()
    if record.get("tags"):
        metadata["tags"] = [tag.strip() for tag in record["tags"].split(";") if tag.strip()]
    return metadata
