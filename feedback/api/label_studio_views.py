"""Label Studio JSON in and out of a client: ratings export (reviewers+) and import (managers).

The import is JSON only: it takes the export's tasks and matches each to a creative already
uploaded (by `data.external_id`, or the image's file name without suffix); images are never sent
here and URLs never fetched. `manage.py import_label_studio --images` imports the files too.
"""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.tenancy import ClientScopedMixin
from feedback.models import Role
from feedback.selectors import label_studio_export
from feedback.services.label_studio import ImportOptions, label_studio_import, label_studio_tasks_validate

FORMATS = ["label_studio"]
# Tasks per import request; a larger history goes in several requests, or through the command.
MAX_TASKS = 5000


class RatingExportFormatSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, required=False, default="label_studio")


class LabelStudioImportSerializer(serializers.Serializer):
    tasks = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=MAX_TASKS,
        help_text="The Label Studio JSON export: its list of tasks.",
    )
    map = serializers.DictField(
        child=serializers.CharField(max_length=100), required=False, default=dict,
        help_text="Label Studio control name (from_name) -> criterion name; others match a criterion by name.",
    )
    choices = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=200), allow_empty=False, max_length=101),
        required=False, default=dict,
        help_text="Control name -> its choices in scale order, lowest first.",
    )
    annotators = serializers.DictField(
        child=serializers.CharField(max_length=150), required=False, default=dict,
        help_text="Label Studio user id -> username, for exports whose completed_by is a bare id.",
    )
    create_raters = serializers.BooleanField(required=False, default=False)


class LabelStudioRatingCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()


class LabelStudioImportAnswerSerializer(serializers.Serializer):
    """The body of `POST .../ratings/import/` (documents ImportSummary.as_dict)."""

    creatives = serializers.DictField(child=serializers.IntegerField(), help_text="created / updated / matched")
    ratings = LabelStudioRatingCountsSerializer()
    tasks_skipped = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.DictField(), help_text="task, annotation, reason")
    skipped_not_listed = serializers.IntegerField()
    unmapped_controls = serializers.DictField(child=serializers.IntegerField())
    raters_added = serializers.ListField(child=serializers.CharField())


class RatingExportView(ClientScopedMixin, APIView):
    """Every rating (but blind repeats) as a Label Studio JSON export; `data.image` is `images/<file>`."""

    minimum_role = Role.REVIEWER

    # Label Studio's own task format: a list of tasks (objects), as Label Studio defines them.
    @extend_schema(parameters=[RatingExportFormatSerializer],
                   responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request, client_slug):
        query = RatingExportFormatSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        response = Response(label_studio_export(client=self.client))
        response["Content-Disposition"] = f'attachment; filename="{self.client.slug}-label-studio.json"'
        return response


class RatingImportView(ClientScopedMixin, APIView):
    """Import a Label Studio export's annotations onto creatives already uploaded; answers the summary."""

    minimum_role = Role.MANAGER

    @extend_schema(parameters=[RatingExportFormatSerializer], request=LabelStudioImportSerializer,
                   responses=LabelStudioImportAnswerSerializer)
    def post(self, request, client_slug):
        query = RatingExportFormatSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        form = LabelStudioImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        summary = label_studio_import(
            client=self.client,
            tasks=label_studio_tasks_validate(data["tasks"]),
            options=ImportOptions(
                controls=data["map"], choices=data["choices"], annotators=data["annotators"],
                create_raters=data["create_raters"],
            ),
            actor=request.user,
        )
        return Response(summary.as_dict())
