"""manage.py export_label_studio <client-slug> out.json — ratings out as a Label Studio JSON export."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feedback.errors import NotFound
from feedback.selectors import client_get, creative_list, label_studio_config, label_studio_export


class Command(BaseCommand):
    help = (
        "Write the client's creatives and ratings as a Label Studio JSON export, the images beside it "
        "(images/<file>, referenced by each task's data.image) and label_config.xml for the rubric."
    )

    def add_arguments(self, parser):
        parser.add_argument("client_slug")
        parser.add_argument("out", type=Path, help="The JSON file to write; images/ and label_config.xml go beside it")

    def handle(self, *args, client_slug, out, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        tasks = label_studio_export(client=client)
        images = out.parent / "images"
        images.mkdir(exist_ok=True)
        files = {creative.id: creative for creative in creative_list(client=client)}
        for task in tqdm(tasks, desc="Writing images", unit="image", disable=None):
            creative = files[task["id"]]
            with creative.image.open("rb") as source:
                (out.parent / task["data"]["image"]).write_bytes(source.read())
        out.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
        (out.parent / "label_config.xml").write_text(label_studio_config(client=client), encoding="utf-8")
        annotations = sum(len(task["annotations"]) for task in tasks)
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {len(tasks)} tasks with {annotations} annotations to {out}, their images to {images}/, "
            f"and the labeling config to {out.parent / 'label_config.xml'}."
        ))
