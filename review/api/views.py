"""Label-quality API: stored agreement, rater stats, flags and decisions, recompute, clean-label export.

Reviewers and managers only; raters get 403 on every endpoint here (ClientScopedMixin).
"""
import csv
import io
import json

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.tenancy import ClientScopedMixin
from feedback.models import Role
from feedback.selectors import client_user_get
from jobs.health import client_health
from review.api import serializers as s
from review.models import Flag
from review.selectors import (
    EXPORT_FIELDS,
    clean_labels_export,
    flag_get,
    flag_list,
    quality_run_active,
    quality_summary_get,
    rater_stats_list,
)
from review.services.decisions import flags_decide, rater_exclude, rater_include
from review.services.recompute import quality_request


class ReviewerEndpoint(ClientScopedMixin):
    """Every endpoint of this module needs at least the reviewer role in the URL's client."""

    minimum_role = Role.REVIEWER


class QualityView(ReviewerEndpoint, APIView):
    """Alpha per criterion with its interval and weekly trend, label counts by status, last computed."""

    @extend_schema(responses=s.QualitySummarySerializer)
    def get(self, request, client_slug):
        return Response(s.quality_summary_data(quality_summary_get(client=self.client)))


class QualityRecomputeView(ReviewerEndpoint, APIView):
    """Ask for a recompute now; debounced like every other request (202 either way)."""

    @extend_schema(request=None, responses={202: s.QualityRecomputeAnswerSerializer})
    def post(self, request, client_slug):
        queued = quality_request(client_id=self.client.id)
        active = quality_run_active(client=self.client)
        body = {"queued": queued, "run": s.QualityRunSerializer(active).data if active else None}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class RunHealthView(ReviewerEndpoint, APIView):
    """Is the client's background work healthy: live workers, the latest quality and training run.

    A failed, retrying or stuck run carries when, the error's first line and what happens next.
    """

    @extend_schema(responses=s.ClientRunHealthSerializer)
    def get(self, request, client_slug):
        return Response(s.client_health_data(client_health(client_id=self.client.id)))


class RaterStatsView(ReviewerEndpoint, APIView):
    """Stored statistics of every rater; `?sort=-reliability|speed_ratio|bias|...`."""

    @extend_schema(parameters=[s.RaterSortSerializer], responses=s.RaterStatsSerializer(many=True))
    def get(self, request, client_slug):
        query = s.RaterSortSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = rater_stats_list(client=self.client, sort=query.validated_data["sort"])
        return Response(s.RaterStatsSerializer(rows, many=True).data)


class RaterDecisionView(ReviewerEndpoint, APIView):
    """`POST .../raters/<rater id>/exclude|include`: reject all of a rater's labels, or undo it.

    By id (`rater_id` in GET raters/): usernames may contain characters no URL route should carry.
    """

    @extend_schema(
        request=s.NoteSerializer, responses=s.RaterDecisionAnswerSerializer,
        parameters=[
            OpenApiParameter("rater_id", int, OpenApiParameter.PATH, description="The rater's user id."),
            OpenApiParameter("decision", str, OpenApiParameter.PATH, enum=["exclude", "include"]),
        ],
    )
    def post(self, request, client_slug, rater_id, decision):
        form = s.NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rater = client_user_get(client=self.client, user_id=int(rater_id))
        service = rater_exclude if decision == "exclude" else rater_include
        service(client=self.client, actor=request.user, rater_id=rater.id, note=form.validated_data["note"])
        return Response({"rater": rater.get_username(), "rater_id": rater.id, "excluded": decision == "exclude"})


class FlagListView(ReviewerEndpoint, ListAPIView):
    """Flags, most severe first: `?reason=&rater=<username>&criterion=<id>&status=open|accepted|rejected`."""

    serializer_class = s.FlagSerializer
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = Flag.objects.none()

    @extend_schema(parameters=[s.FlagFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = s.FlagFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return flag_list(client=self.client, **query.validated_data)


class FlagDecisionView(ReviewerEndpoint, APIView):
    """`POST .../flags/<id>/accept` keeps the label; `.../reject` excludes it from consensus and training."""

    @extend_schema(
        request=s.NoteSerializer, responses=s.FlagSerializer,
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The flag's id."),
            OpenApiParameter("decision", str, OpenApiParameter.PATH, enum=["accept", "reject"]),
        ],
    )
    def post(self, request, client_slug, pk, decision):
        flag = flag_get(client=self.client, flag_id=pk)
        form = s.NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flags_decide(
            client=self.client, actor=request.user, flag_ids=[flag.id], action=decision,
            note=form.validated_data["note"],
        )
        return Response(s.FlagSerializer(flag_get(client=self.client, flag_id=flag.id)).data)


class FlagBulkDecisionView(ReviewerEndpoint, APIView):
    """`POST .../flags/bulk/` `{"action": "accept"|"reject", "ids": [flag ids]}`."""

    @extend_schema(request=s.BulkDecisionSerializer, responses=s.BulkDecisionAnswerSerializer)
    def post(self, request, client_slug):
        form = s.BulkDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        rating_ids = flags_decide(
            client=self.client, actor=request.user, flag_ids=data["ids"], action=data["action"], note=data["note"]
        )
        return Response({"action": data["action"], "ratings": rating_ids})


EXPORT_MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


class CleanLabelExportView(ReviewerEndpoint, APIView):
    """Clean consensus labels, one row per creative and criterion: `?format=csv` (default) or `jsonl`.

    (`format` is this view's own parameter: DRF's renderer override is switched off project-wide.)
    """

    @extend_schema(
        parameters=[s.ExportFormatSerializer],
        responses={(200, "text/csv"): str, (200, "application/x-ndjson"): str},
    )
    def get(self, request, client_slug, **kwargs):
        query = s.ExportFormatSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        extension = query.validated_data["format"]
        rows = clean_labels_export(client=self.client)
        body = (json.dumps(row) + "\n" for row in rows) if extension == "jsonl" else _csv_lines(rows)
        response = StreamingHttpResponse(body, content_type=EXPORT_MEDIA_TYPES[extension])
        response["Content-Disposition"] = f'attachment; filename="{self.client.slug}-clean-labels.{extension}"'
        return response


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _spreadsheet_safe(value) for key, value in row.items()})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _spreadsheet_safe(value):
    """Text that a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
