"""Training runs take the shared run lifecycle (jobs.models.Run): `celery_task_id` becomes the shared
`message_id` (renamed, values kept), `rerun_requested` is added, constraints get the shared names."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="trainingrun", name="training_run_one_active_per_client"),
        migrations.RemoveConstraint(model_name="trainingrun", name="training_run_status_valid"),
        migrations.RenameField(model_name="trainingrun", old_name="celery_task_id", new_name="message_id"),
        migrations.AlterField(
            model_name="trainingrun",
            name="message_id",
            field=models.CharField(blank=True, help_text="The broker message of that hand-over.", max_length=64),
        ),
        migrations.AddField(
            model_name="trainingrun",
            name="rerun_requested",
            field=models.BooleanField(
                default=False, help_text="New input arrived while it ran: a successor is requested when it ends."
            ),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="Workers that claimed it so far."),
        ),
        migrations.AddConstraint(
            model_name="trainingrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ("queued", "running"))), fields=("client",),
                name="training_trainingrun_one_active_per_client",
            ),
        ),
        migrations.AddConstraint(
            model_name="trainingrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["queued", "running", "succeeded", "failed", "cancelled"])),
                name="training_trainingrun_status_valid",
            ),
        ),
    ]
