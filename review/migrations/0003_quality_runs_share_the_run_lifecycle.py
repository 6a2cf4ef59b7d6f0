"""Quality runs take the shared run lifecycle (jobs.models.Run): an attempt counter as ownership
token, the broker message id, and the shared statuses, where "done" is now "succeeded"."""
from django.db import migrations, models


def statuses(mapping: dict[str, str]):
    def rename(apps, schema_editor):
        quality_run = apps.get_model("review", "QualityRun")
        for old, new in mapping.items():
            quality_run.objects.using(schema_editor.connection.alias).filter(status=old).update(status=new)

    return rename


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0002_tables_renamed_from_feedback"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="qualityrun", name="quality_run_one_active_per_client"),
        migrations.RemoveConstraint(model_name="qualityrun", name="quality_run_status_valid"),
        migrations.AddField(
            model_name="qualityrun",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="Workers that claimed it so far."),
        ),
        migrations.AddField(
            model_name="qualityrun",
            name="message_id",
            field=models.CharField(blank=True, help_text="The broker message of that hand-over.", max_length=64),
        ),
        migrations.AlterField(
            model_name="qualityrun",
            name="rerun_requested",
            field=models.BooleanField(
                default=False, help_text="New input arrived while it ran: a successor is requested when it ends."
            ),
        ),
        # Quality runs are never cancelled; going back, none can be, so the old statuses hold them all.
        migrations.RunPython(statuses({"done": "succeeded"}), statuses({"succeeded": "done", "cancelled": "failed"})),
        migrations.AlterField(
            model_name="qualityrun",
            name="status",
            field=models.CharField(
                choices=[("queued", "Queued"), ("running", "Running"), ("succeeded", "Succeeded"),
                         ("failed", "Failed"), ("cancelled", "Cancelled")],
                default="queued", max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="qualityrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ("queued", "running"))), fields=("client",),
                name="review_qualityrun_one_active_per_client",
            ),
        ),
        migrations.AddConstraint(
            model_name="qualityrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["queued", "running", "succeeded", "failed", "cancelled"])),
                name="review_qualityrun_status_valid",
            ),
        ),
    ]
