"""Shapes of the rating queue's API: the next assignment, skips, progress, gold references."""
from rest_framework import serializers

from feedback.api.serializers import CreativeSerializer


class AssignmentSerializer(serializers.Serializer):
    creative = CreativeSerializer()
    kind = serializers.CharField()
    lease = serializers.IntegerField(source="lease.id")
    lease_expires = serializers.DateTimeField()


class SkipSerializer(serializers.Serializer):
    creative = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ProgressSerializer(serializers.Serializer):
    done_today = serializers.IntegerField()
    left_in_queue = serializers.IntegerField()
    left_in_queue_capped = serializers.BooleanField(help_text="True when there are more than left_in_queue.")


class GoldSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.JSONField(), allow_empty=False)


class UndoSerializer(serializers.Serializer):
    undone = serializers.IntegerField(help_text="Id of the deleted rating.")
    creative = serializers.IntegerField()
    kind = serializers.CharField()
    lease = serializers.IntegerField()
    lease_expires = serializers.DateTimeField()
