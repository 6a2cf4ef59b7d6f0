"""Shapes of the rating queue's API: the next assignment, skips, progress, gold references."""
from rest_framework import serializers

from feedback.api.serializers import CreativeSerializer

KIND_HELP = (
    "normal, repeat, gold or calibration as reviewers and managers see it; a rater sees only normal or "
    "calibration, so gold items and repeats stay blind."
)


class AssignmentSerializer(serializers.Serializer):
    """Needs `membership` in its context: the kind is shown as that member may see it."""

    creative = CreativeSerializer()
    kind = serializers.SerializerMethodField(help_text=KIND_HELP)
    lease = serializers.CharField(source="lease.token", help_text="An opaque handle of the lease holding the item.")
    lease_expires = serializers.DateTimeField()

    def get_kind(self, assignment) -> str:
        return self.context["membership"].kind_shown(assignment.kind)


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
    kind = serializers.CharField(help_text=KIND_HELP)
    lease = serializers.CharField()
    lease_expires = serializers.DateTimeField()
