"""Shapes of the training API."""
from rest_framework import serializers

from training.models import ModelVersion, TrainingRun


class TrainingRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    model_version = serializers.SlugRelatedField(slug_field="version", read_only=True)

    class Meta:
        model = TrainingRun
        fields = [
            "id", "status", "trigger", "requested_by", "requested_at", "started_at", "finished_at", "heartbeat_at",
            "attempts", "cancel_requested", "stage", "epoch", "history", "hyperparameters", "metrics", "error",
            "outcome", "outcome_reason", "model_version", "device",
        ]
        read_only_fields = fields


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "version", "created_at", "is_active", "promoted", "reason", "metrics", "hyperparameters", "duration_s",
            "device", "library_versions", "dataset_snapshot", "learning_curve", "readiness",
        ]
        read_only_fields = fields


class ScoreRequestSerializer(serializers.Serializer):
    creatives = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
