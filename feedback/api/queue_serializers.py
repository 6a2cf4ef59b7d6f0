"""Shapes of the rating queue's API: the next assignment, skips, progress, gold references."""
from django.urls import reverse
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


_DATETIME = serializers.DateTimeField()
_JSON = serializers.JSONField()


def assignment_body(assignment, *, client, membership, request) -> dict:
    """What AssignmentSerializer shows, without building serializer fields per request (queue/next is
    hot); a test holds the two equal."""
    creative = assignment.creative
    files = {
        variant: request.build_absolute_uri(reverse("creative-file", args=[client.slug, creative.id, variant]))
        for variant in ("image", "thumbnail")
    }
    return {
        "creative": {
            "id": creative.id, "external_id": creative.external_id, "image": files["image"],
            "thumbnail": files["thumbnail"], "width": creative.width, "height": creative.height,
            "content_hash": creative.content_hash, "headline": creative.headline, "body": creative.body,
            "metadata": _JSON.to_representation(creative.metadata), "archived": creative.archived,
            "created_at": _DATETIME.to_representation(creative.created_at),
            "updated_at": _DATETIME.to_representation(creative.updated_at),
        },
        "kind": membership.kind_shown(assignment.kind),
        "lease": assignment.lease.token,
        "lease_expires": _DATETIME.to_representation(assignment.lease_expires),
    }


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
