"""Training runs, model versions and the per-creative feature cache of each client's taste model."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from feedback.models import Client
from jobs.models import Run


class TrainingTrigger(models.TextChoices):
    """What asked for a training run."""

    AUTO = "auto"
    MANUAL = "manual"
    SWEEP = "sweep"


class TrainingRun(Run):
    """One attempt to train, evaluate and maybe promote a client's model.

    One queued-or-running run per client (the partial unique constraint from `Run`): that, not
    timing, is what makes "exactly one run per client at a time" true under concurrent triggers.
    """

    Trigger = TrainingTrigger

    class Outcome(models.TextChoices):
        NONE = ""
        PROMOTED = "promoted"
        KEPT_ACTIVE = "kept_active"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="training_runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.AUTO)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_requested = models.BooleanField(default=False)
    stage = models.CharField(max_length=32, blank=True, help_text="What the run is doing now.")
    epoch = models.PositiveIntegerField(default=0)
    history = models.JSONField(default=list, blank=True, help_text="[{epoch, train_loss, val_loss}]")
    hyperparameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    outcome_reason = models.TextField(blank=True)
    model_version = models.ForeignKey(
        "ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    device = models.CharField(max_length=32, blank=True)

    class Meta(Run.Meta):
        ordering = ["-requested_at", "-id"]
        constraints = [
            *Run.Meta.constraints,
            models.CheckConstraint(condition=Q(trigger__in=TrainingTrigger.values), name="training_run_trigger_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="training_run_status_beat"),
            models.Index(fields=["client", "-requested_at"], name="training_run_client_time"),
        ]

    def __str__(self) -> str:
        return f"training run {self.pk} of {self.client_id} ({self.status})"


class ModelVersion(models.Model):
    """A trained model of one client, with everything its model card shows.

    Every successful run makes a version, promoted or not, so a rejected candidate stays on
    record with its reason; at most one version per client is active (partial unique).
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="model_versions")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    artifact = models.CharField(max_length=300, help_text="Checkpoint key in default storage.")
    # Checked on every load (training.services.artifacts): a changed or damaged file is refused.
    artifact_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the checkpoint, hex.")
    artifact_size = models.PositiveBigIntegerField(default=0, help_text="Size of the checkpoint in bytes.")
    is_active = models.BooleanField(default=False)
    promoted = models.BooleanField(default=False)
    reason = models.TextField(blank=True, help_text="Why it was promoted or not.")
    metrics = models.JSONField(default=dict, blank=True)
    hyperparameters = models.JSONField(default=dict, blank=True)
    duration_s = models.FloatField(default=0.0)
    device = models.CharField(max_length=32, blank=True)
    library_versions = models.JSONField(default=dict, blank=True)
    dataset_snapshot = models.JSONField(default=dict, blank=True)
    learning_curve = models.JSONField(default=list, blank=True)
    readiness = models.JSONField(default=dict, blank=True)
    comparison = models.JSONField(
        default=dict, blank=True,
        help_text="Per criterion id: better/worse/unchanged vs the baseline and the active model, with the numbers.",
    )
    override_reason = models.TextField(blank=True, help_text="Why a manager promoted a held-back version.")
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="model_version_unique_per_client"),
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_active=True), name="model_version_one_active_per_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} v{self.version}{' (active)' if self.is_active else ''}"


class FeatureCache(models.Model):
    """A creative's feature vector, keyed by content, so a retrain embeds only new creatives.

    Text rows are keyed by a hash of the copy, image rows by the image's content hash; the
    encoder name is part of the key so changing encoders never mixes vectors.
    """

    class Kind(models.TextChoices):
        TEXT = "text"
        IMAGE = "image"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    encoder = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float32 little-endian")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "encoder", "content_hash"], name="feature_cache_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.encoder}/{self.content_hash[:12]}"
