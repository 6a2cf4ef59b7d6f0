"""manage.py import_label_studio <client-slug> export.json --images <folder> — Label Studio annotations in."""
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feedback.errors import NotFound
from feedback.selectors import client_get
from feedback.services.label_studio import ImportOptions, label_studio_import, label_studio_tasks_validate


class Command(BaseCommand):
    help = (
        "Import a Label Studio JSON export: each task's image (by file name, from --images) becomes a "
        "creative (upserted by data.external_id or the file name without suffix), each annotation a "
        "rating. Controls map onto criteria by --map or by name; choices by --choices order, numeric "
        "text or the criterion's anchors. Re-importing creates nothing new. URLs are never fetched."
    )

    def add_arguments(self, parser):
        parser.add_argument("client_slug")
        parser.add_argument("export", type=Path, help="The JSON export (a list of tasks)")
        parser.add_argument("--images", type=Path, help="Folder holding the tasks' image files (matched by base name)")
        parser.add_argument("--map", action="append", default=[], metavar="FROM_NAME=CRITERION",
                            help="Map a Label Studio control onto a criterion (repeatable)")
        parser.add_argument("--choices", action="append", default=[], metavar="FROM_NAME=A,B,C",
                            help="A choices control's choices in scale order, lowest first (repeatable)")
        parser.add_argument("--annotator", action="append", default=[], metavar="ID=USERNAME",
                            help="The user of a Label Studio user id, for exports whose completed_by is an id")
        parser.add_argument("--create-raters", action="store_true",
                            help="Create missing annotators (no usable password) and add non-members as raters")

    def handle(self, *args, client_slug, export, images, map, choices, annotator, create_raters, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        if images is not None and not images.is_dir():
            raise CommandError(f"--images {images} is not a folder.")
        try:
            tasks = label_studio_tasks_validate(json.loads(export.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {export}: {exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"{export}: {'; '.join(exc.messages)}") from exc
        import_options = ImportOptions(
            controls=_pairs(map, "--map"),
            choices={name: [c.strip() for c in text.split(",") if c.strip()] for name, text in
                     _pairs(choices, "--choices").items()},
            annotators=_pairs(annotator, "--annotator"),
            create_raters=create_raters,
        )
        try:
            summary = label_studio_import(
                client=client, tasks=tasks, options=import_options,
                read_image=_folder_reader(images) if images is not None else None,
                progress=lambda items: tqdm(items, desc="Importing", unit="task", disable=None),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self._report(summary.as_dict(), summary.skip_reasons)

    def _report(self, report: dict, reasons) -> None:
        creatives, ratings = report["creatives"], report["ratings"]
        self.stdout.write(self.style.SUCCESS(
            f"Creatives: created {creatives.get('created', 0)}, updated {creatives.get('updated', 0)}, "
            f"matched {creatives.get('matched', 0)}; tasks skipped {report['tasks_skipped']}."
        ))
        self.stdout.write(self.style.SUCCESS(
            f"Ratings: created {ratings['created']}, already imported {ratings['unchanged']}, "
            f"skipped {ratings['skipped']}."
        ))
        for reason, count in reasons.most_common():
            self.stdout.write(f"  {count} skipped: {reason}")
        for skip in report["skipped"][:50]:
            where = f"task {skip['task']}" + (f" annotation {skip['annotation']}" if skip["annotation"] else "")
            self.stdout.write(f"  skipped {where}: {skip['reason']}")
        if report["unmapped_controls"]:
            names = ", ".join(f"{name} ({n} results)" for name, n in sorted(report["unmapped_controls"].items()))
            self.stdout.write(f"  Unmapped controls (ignored; map them with --map FROM_NAME=CRITERION): {names}")
        if report["raters_added"]:
            self.stdout.write(f"  Raters added: {', '.join(report['raters_added'])}")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise CommandError(f"{option} takes NAME=VALUE, not {value!r}.")
        pairs[name.strip()] = target.strip()
    return pairs


def _folder_reader(folder: Path):
    files = {path.name: path for path in sorted(folder.rglob("*")) if path.is_file()}

    def read(name: str) -> bytes | None:
        path = files.get(name)
        return path.read_bytes() if path is not None else None

    return read
