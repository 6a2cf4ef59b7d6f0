"""Model versions record their checkpoint's SHA-256 and size; loading refuses a file that differs.

Forward, every existing version's checkpoint is read once from default storage (a folder or an
object store, through the storage API) and its checksum and size recorded. A version whose file is
already missing keeps an empty checksum: it could not load before and still cannot (the model card
says the file is missing; retraining makes a new version). Backward drops the two columns.
"""
import hashlib

from django.core.files.storage import default_storage
from django.db import migrations, models


def record_checksums(apps, schema_editor):
    for version in apps.get_model("training", "ModelVersion").objects.exclude(artifact="").iterator():
        try:
            with default_storage.open(version.artifact, "rb") as handle:
                digest, size = hashlib.sha256(), 0
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
        except Exception:  # noqa: BLE001 - a missing or unreadable file stays unverified (refused on load)
            continue
        version.artifact_sha256, version.artifact_size = digest.hexdigest(), size
        version.save(update_fields=["artifact_sha256", "artifact_size"])


class Migration(migrations.Migration):
    dependencies = [("training", "0003_metrics_keyed_by_criterion_id")]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="artifact_sha256",
            field=models.CharField(blank=True, help_text="SHA-256 of the checkpoint, hex.", max_length=64),
        ),
        migrations.AddField(
            model_name="modelversion",
            name="artifact_size",
            field=models.PositiveBigIntegerField(default=0, help_text="Size of the checkpoint in bytes."),
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="artifact",
            field=models.CharField(help_text="Checkpoint key in default storage.", max_length=300),
        ),
        migrations.RunPython(record_checksums, migrations.RunPython.noop),
    ]
