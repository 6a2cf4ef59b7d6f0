"""Training API: runs (managers start and cancel), model versions, and scoring with the active model."""
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.tenancy import ClientScopedMixin
from feedback.models import Role
from feedback.selectors import criterion_list
from training.api import serializers as s
from training.models import ModelVersion, TrainingRun
from training.selectors import model_version_list, training_run_list
from training.services.overrides import model_version_override
from training.services.runs import training_run_cancel, training_run_request
from training.services.scoring import score_creatives


class TrainingRunViewSet(ClientScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of the client's model: reviewers and managers watch; managers start and cancel."""

    serializer_class = s.TrainingRunSerializer
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = TrainingRun.objects.none()
    minimum_role = Role.REVIEWER
    required_roles = {"create": Role.MANAGER, "cancel": Role.MANAGER}

    def get_queryset(self):
        return training_run_list(client=self.client)

    def get_serializer_context(self):
        return _with_criterion_names(self, super().get_serializer_context())

    @extend_schema(request=None, responses={201: s.TrainingRunSerializer, 200: s.TrainingRunSerializer})
    def create(self, request, client_slug):
        """Start a run; while one is queued or running, that one is answered with 200."""
        run = training_run_request(client=self.client, requested_by=request.user, trigger="manual")
        code = status.HTTP_201_CREATED if run.was_created else status.HTTP_200_OK
        return Response(self.get_serializer(run).data, status=code)

    @extend_schema(request=None, responses=s.TrainingRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, client_slug, pk):
        run = training_run_cancel(run=self.get_object())
        return Response(self.get_serializer(run).data)


@extend_schema_view(
    retrieve=extend_schema(parameters=[OpenApiParameter("version", int, OpenApiParameter.PATH)]),
)
class ModelVersionViewSet(ClientScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The client's model versions, newest first, each with its model card."""

    serializer_class = s.ModelVersionSerializer
    # For the schema only (model and id types); requests go through get_queryset, scoped to the client.
    queryset = ModelVersion.objects.none()
    minimum_role = Role.REVIEWER
    required_roles = {"override": Role.MANAGER}
    lookup_field = "version"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return model_version_list(client=self.client)

    @extend_schema(request=s.OverrideRequestSerializer, responses=s.ModelVersionSerializer,
                   parameters=[OpenApiParameter("version", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"])
    def override(self, request, client_slug, version):
        """Promote a version the per-criterion rule held back; `reason` is required and audited (managers)."""
        form = s.OverrideRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        promoted = model_version_override(version=self.get_object(), actor=request.user,
                                          reason=form.validated_data["reason"], ip=request.META.get("REMOTE_ADDR"))
        return Response(self.get_serializer(promoted).data)

    def get_serializer_context(self):
        return _with_criterion_names(self, super().get_serializer_context())


class ScoreView(ClientScopedMixin, APIView):
    """Score creatives with the active model: mean and spread per criterion, keyed by its current name
    in `scores` and by its id in `scores_by_id` (reviewers and up).

    No active model answers 409 and a missing model file 503 (domain errors, mapped by the API's handler).
    """

    minimum_role = Role.REVIEWER

    @extend_schema(request=s.ScoreRequestSerializer, responses=s.ScoreAnswerSerializer)
    def post(self, request, client_slug):
        form = s.ScoreRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        version, results = score_creatives(client=self.client, creative_ids=form.validated_data["creatives"])
        return Response({"model_version": version.version, "results": results})


def _with_criterion_names(view, context: dict) -> dict:
    """Add the client's current criterion names by id, for the serializers' `criterion_names`."""
    if hasattr(view, "client"):  # the schema generator builds serializers without a request's client
        rows = criterion_list(client=view.client).values_list("id", "name")
        context["criterion_names"] = {str(criterion_id): name for criterion_id, name in rows}
    return context
