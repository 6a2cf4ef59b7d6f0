"""API views: parse, call one service or selector, shape the answer."""
from dataclasses import asdict

import django_filters
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api import serializers as s
from feedback.api.tenancy import ClientScopedMixin
from feedback.models import Client, Creative, Criterion, Rating, Role
from feedback.selectors import (
    CREATIVE_FILE_VARIANTS,
    client_list_for_user,
    creative_file_open,
    creative_filter_tag,
    creative_list,
    criterion_list,
    gold_reference_scores,
    rating_get,
    rating_list,
)
from feedback.services.creative_csv import creative_csv_parse
from feedback.services.creatives import (
    CreativeInput,
    creative_archive,
    creative_bulk_upsert,
    creative_update,
    creative_upsert,
)
from feedback.services.ratings import RatingInput, rating_create
from feedback.services.rubric import criterion_create, criterion_update
from feedback.services.tenancy import client_settings_update


class ClientViewSet(viewsets.GenericViewSet):
    """The clients the caller belongs to, with the caller's role."""

    serializer_class = s.ClientSerializer
    pagination_class = None
    # For the schema only; the list is the caller's clients (client_list_for_user).
    queryset = Client.objects.none()

    @extend_schema(responses=s.ClientSerializer(many=True))
    def list(self, request):
        pairs = client_list_for_user(user=request.user)
        roles = {client.id: role for client, role in pairs}
        data = s.ClientSerializer([c for c, _ in pairs], many=True, context={"roles": roles}).data
        return Response(data)


class ClientSettingsView(ClientScopedMixin, viewsets.GenericViewSet):
    """One client's settings: every member reads them, managers change them."""

    serializer_class = s.ClientSerializer
    required_roles = {"partial_update": Role.MANAGER}

    def retrieve(self, request, client_slug):
        return Response(self._serialize())

    @extend_schema(request=s.ClientSettingsUpdateSerializer, responses=s.ClientSerializer)
    def partial_update(self, request, client_slug):
        form = s.ClientSettingsUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        self.client = client_settings_update(client=self.client, actor=request.user, **form.validated_data)
        return Response(self._serialize())

    def _serialize(self):
        context = {"roles": {self.client.id: self.membership.role}, "request": self.request}
        return s.ClientSerializer(self.client, context=context).data


class CreativeFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter()
    channel = django_filters.CharFilter()
    format = django_filters.CharFilter()
    tag = django_filters.CharFilter(method="filter_tag")
    archived = django_filters.BooleanFilter()
    external_id = django_filters.CharFilter()

    class Meta:
        model = Creative
        fields = ["campaign", "channel", "format", "archived", "external_id"]

    def filter_tag(self, queryset, name, value):
        return creative_filter_tag(queryset, value)


class CreativeViewSet(ClientScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Creatives: every member reads; managers create (upsert by external_id), update, archive."""

    serializer_class = s.CreativeSerializer
    filterset_class = CreativeFilter
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = Creative.objects.none()
    required_roles = {
        "create": Role.MANAGER,
        "bulk": Role.MANAGER,
        "csv_rows": Role.MANAGER,
        "partial_update": Role.MANAGER,
        "destroy": Role.MANAGER,
    }

    def get_queryset(self):
        return creative_list(client=self.client)

    @extend_schema(request=s.CreativeWriteSerializer, responses={201: s.CreativeSerializer, 200: s.CreativeSerializer})
    def create(self, request, client_slug):
        form = s.CreativeWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = creative_upsert(client=self.client, data=CreativeInput(**form.validated_data))
        body = {**self.get_serializer(result.creative).data, "created": result.created, "duplicates": result.duplicates}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(request=s.BulkCreativeSerializer, responses={201: s.CreativeUpsertResultSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def bulk(self, request, client_slug):
        form = s.BulkCreativeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        items = [
            CreativeInput(
                external_id=item["external_id"], headline=item["headline"], body=item["body"],
                metadata=item["metadata"], image=item.get("image_base64"), filename=item["filename"],
            )
            for item in form.validated_data["creatives"]
        ]
        results = creative_bulk_upsert(client=self.client, items=items)
        rows = [
            {
                "id": r.creative.id, "external_id": r.creative.external_id,
                "created": r.created, "duplicates": r.duplicates,
            }
            for r in results
        ]
        return Response({"results": rows}, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CreativeCsvSerializer, responses=s.CreativeCsvRowSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="csv")
    def csv_rows(self, request, client_slug):
        """Parse a creatives CSV exactly as import_creatives does; nothing is written or fetched."""
        form = s.CreativeCsvSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rows = creative_csv_parse(text=form.validated_data["csv"])
        data = [{**asdict(row), "image_name": row.image_name} for row in rows]
        return Response({"rows": s.CreativeCsvRowSerializer(data, many=True).data})

    @extend_schema(request=s.CreativeUpdateSerializer, responses=s.CreativeSerializer)
    def partial_update(self, request, client_slug, pk):
        creative = self.get_object()
        form = s.CreativeUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        creative = creative_update(creative=creative, data=dict(form.validated_data), actor=request.user)
        return Response(self.get_serializer(creative).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, client_slug, pk):
        """Archive: creatives are never deleted through the API, so no rating loses its item."""
        creative_archive(creative=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CreativeFileView(ClientScopedMixin, APIView):
    """A creative's image or thumbnail, streamed only to members of its client (session or token).

    Streamed through this view on every backend, never a redirect to a signed store URL: the
    membership check runs on each request, the page's CSP keeps img-src 'self', and the object
    store may sit on a private network the browsers cannot reach.
    """

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("variant", str, OpenApiParameter.PATH, enum=list(CREATIVE_FILE_VARIANTS))],
    )
    def get(self, request, client_slug: str, creative_id: int, variant: str):
        response = FileResponse(creative_file_open(client=self.client, creative_id=creative_id, variant=variant))
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CriterionViewSet(ClientScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The rubric: every member reads it; managers add and change criteria."""

    serializer_class = s.CriterionSerializer
    pagination_class = None
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = Criterion.objects.none()
    required_roles = {"create": Role.MANAGER, "partial_update": Role.MANAGER}

    def get_queryset(self):
        return criterion_list(client=self.client)

    def create(self, request, client_slug):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        criterion = criterion_create(client=self.client, actor=request.user, **form.validated_data)
        return Response(self.get_serializer(criterion).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, client_slug, pk):
        criterion = self.get_object()
        form = self.get_serializer(criterion, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        criterion = criterion_update(criterion=criterion, data=dict(form.validated_data), actor=request.user)
        return Response(self.get_serializer(criterion).data)


class OwnRatingFilter(django_filters.FilterSet):
    """What a rater may filter their own ratings by (not kind: gold items and repeats stay blind)."""

    creative = django_filters.NumberFilter(field_name="creative_id")

    class Meta:
        model = Rating
        fields = ["creative", "status"]


class RatingFilter(OwnRatingFilter):
    rater = django_filters.CharFilter(field_name="rater__username")

    class Meta:
        model = Rating
        fields = ["creative", "kind", "status"]


class RatingViewSet(ClientScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ratings: raters submit and see their own (kinds blind); reviewers and managers see all."""

    serializer_class = s.RatingSerializer
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = Rating.objects.none()

    @property
    def filterset_class(self):
        membership = getattr(self, "membership", None)
        return RatingFilter if membership is not None and membership.has_role(Role.REVIEWER) else OwnRatingFilter

    def get_queryset(self):
        return rating_list(client=self.client, membership=self.membership)

    @extend_schema(request=s.RatingCreateSerializer, responses={201: s.RatingSerializer, 200: s.RatingSerializer})
    def create(self, request, client_slug):
        form = s.RatingCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        rating, created = rating_create(
            client=self.client,
            rater=request.user,
            data=RatingInput(
                creative_id=data["creative"], scores=data["scores"], client_uuid=data["client_uuid"],
                duration_ms=data.get("duration_ms"), shown_at=data.get("shown_at"),
            ),
        )
        if created:
            body = s.rating_created_body(rating, membership=self.membership)
        else:
            rating = rating_get(client=self.client, membership=self.membership, rating_id=rating.pk)
            body = self.get_serializer(rating).data
        if rating.kind == Rating.Kind.CALIBRATION:
            # Calibration teaches the scale: the rater sees the manager's reference right after rating.
            body["reference"] = gold_reference_scores(creative=rating.creative)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
