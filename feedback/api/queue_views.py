"""Rating-queue API: next item under a lease, skip, progress, undo, and managers' gold references."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api import queue_serializers as s
from feedback.api.tenancy import ClientScopedMixin
from feedback.models import Role
from feedback.selectors import QUEUE_COUNT_CAP, creative_get, gold_reference_scores, rater_progress
from feedback.services.assignment import queue_next_for_rater, queue_skip
from feedback.services.gold import gold_clear, gold_set
from feedback.services.ratings import rating_undo


class QueueNextView(ClientScopedMixin, APIView):
    """The caller's next creative with its kind (as the caller may see it) and lease; 204 when nothing is left."""

    @extend_schema(
        parameters=[OpenApiParameter("exclude", str, description="Comma-separated creative ids already on screen.")],
        responses={200: s.AssignmentSerializer, 204: None},
    )
    def get(self, request, client_slug):
        exclude = _id_list(request.query_params.get("exclude", ""))
        assignment = queue_next_for_rater(client=self.client, rater=request.user, exclude_creative_ids=exclude)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.assignment_body(assignment, client=self.client, membership=self.membership, request=request))


class QueueSkipView(ClientScopedMixin, APIView):
    """Pass on a creative (optional reason): it is not served to the caller again."""

    @extend_schema(request=s.SkipSerializer, responses={201: s.SkipSerializer})
    def post(self, request, client_slug):
        form = s.SkipSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        skip = queue_skip(client=self.client, rater=request.user, creative_id=data["creative"], reason=data["reason"])
        return Response({"creative": skip.creative_id, "reason": skip.reason}, status=status.HTTP_201_CREATED)


class QueueProgressView(ClientScopedMixin, APIView):
    """Ratings the caller submitted today here, and how many creatives still wait for them."""

    @extend_schema(responses=s.ProgressSerializer)
    def get(self, request, client_slug):
        done_today, left = rater_progress(client=self.client, rater=request.user)
        capped = left > QUEUE_COUNT_CAP
        return Response(
            {"done_today": done_today, "left_in_queue": min(left, QUEUE_COUNT_CAP), "left_in_queue_capped": capped}
        )


class RatingUndoView(ClientScopedMixin, APIView):
    """Undo the caller's own rating submitted under 60 seconds ago; the creative is leased back to them."""

    @extend_schema(request=None, responses=s.UndoSerializer)
    def post(self, request, client_slug, pk):
        lease = rating_undo(client=self.client, rater=request.user, rating_id=pk)
        return Response(
            {"undone": pk, "creative": lease.creative_id, "kind": self.membership.kind_shown(lease.kind),
             "lease": lease.token, "lease_expires": lease.expires_at}
        )


class GoldView(ClientScopedMixin, APIView):
    """A creative's gold reference scores: managers set (PUT/POST), read and remove (DELETE) them."""

    minimum_role = Role.MANAGER

    @extend_schema(responses=s.GoldSerializer)
    def get(self, request, client_slug, pk):
        creative = creative_get(client=self.client, creative_id=pk)
        return Response({"creative": creative.id, "scores": gold_reference_scores(creative=creative)})

    @extend_schema(request=s.GoldSerializer, responses=s.GoldSerializer)
    def put(self, request, client_slug, pk):
        creative = creative_get(client=self.client, creative_id=pk)
        form = s.GoldSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = gold_set(client=self.client, creative=creative, scores=form.validated_data["scores"], by=request.user)
        return Response({"creative": creative.id, "scores": {str(k): v for k, v in values.items()}})

    post = put

    @extend_schema(responses={204: None})
    def delete(self, request, client_slug, pk):
        gold_clear(client=self.client, creative=creative_get(client=self.client, creative_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _id_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError({"exclude": ["Must be comma-separated creative ids."]}) from exc
