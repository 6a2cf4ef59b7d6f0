"""Shapes of the training API.

Metrics and dataset snapshots key criteria by id (as strings); `criterion_names` gives the current
name of each criterion they mention, so a client can label them without a second request.
"""
from rest_framework import serializers

from training.models import ModelVersion, TrainingRun


class _CriterionNamesMixin:
    def get_criterion_names(self, obj) -> dict[str, str]:
        names = self.context.get("criterion_names", {})
        snapshot = getattr(obj, "dataset_snapshot", None) or {}
        keys = {str(k) for k in snapshot.get("criteria", [])} | set((obj.metrics or {}).get("new") or {})
        return {key: names[key] for key in sorted((k for k in keys if k in names), key=int)}


class TrainingRunSerializer(_CriterionNamesMixin, serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    model_version = serializers.SlugRelatedField(slug_field="version", read_only=True, allow_null=True)
    criterion_names = serializers.SerializerMethodField(help_text="Current name of each criterion id in metrics.")

    class Meta:
        model = TrainingRun
        fields = [
            "id", "status", "trigger", "requested_by", "requested_at", "started_at", "finished_at", "heartbeat_at",
            "attempts", "cancel_requested", "stage", "epoch", "history", "hyperparameters", "metrics", "error",
            "outcome", "outcome_reason", "model_version", "device", "criterion_names",
        ]
        read_only_fields = fields


class ModelVersionSerializer(_CriterionNamesMixin, serializers.ModelSerializer):
    overridden_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    criterion_names = serializers.SerializerMethodField(
        help_text="Current name of each criterion id in metrics and dataset_snapshot."
    )

    class Meta:
        model = ModelVersion
        fields = [
            "version", "created_at", "is_active", "promoted", "reason", "metrics", "hyperparameters", "duration_s",
            "device", "library_versions", "dataset_snapshot", "learning_curve", "readiness", "comparison",
            "override_reason", "overridden_by", "overridden_at", "criterion_names",
        ]
        read_only_fields = fields


class ScoreRequestSerializer(serializers.Serializer):
    creatives = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)



class OverrideRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why this held-back version should be promoted anyway (at least 10 characters)."
    )


class ScoreValueSerializer(serializers.Serializer):
    mean = serializers.FloatField()
    std = serializers.FloatField()


class ScoreResultSerializer(serializers.Serializer):
    creative = serializers.IntegerField()
    scores = serializers.DictField(child=ScoreValueSerializer(), help_text="By the criterion's current name.")
    scores_by_id = serializers.DictField(child=ScoreValueSerializer(), help_text="By the criterion's id.")


class ScoreAnswerSerializer(serializers.Serializer):
    """The body of `POST .../scores/`: the active model's version and a result per creative asked."""

    model_version = serializers.IntegerField()
    results = ScoreResultSerializer(many=True)
