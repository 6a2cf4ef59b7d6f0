"""Agency admins' API (superusers): the transfer check."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from training.services.transfer import TRANSFER_MAX_CLIENTS, TransferResult, transfer_check_compute


class TransferRequestSerializer(serializers.Serializer):
    clients = serializers.ListField(
        child=serializers.SlugField(max_length=64), min_length=2, max_length=TRANSFER_MAX_CLIENTS,
        help_text=f"Slugs of 2 to {TRANSFER_MAX_CLIENTS} clients.",
    )


class TransferCriterionSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    model_criterion = serializers.CharField()
    mae = serializers.FloatField(allow_null=True)
    baseline_mae = serializers.FloatField(allow_null=True)
    relative = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class TransferCellSerializer(serializers.Serializer):
    data_client = serializers.CharField()
    own_held_out = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    criteria = TransferCriterionSerializer(many=True)


class TransferRowSerializer(serializers.Serializer):
    model_client = serializers.CharField()
    model_version = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    cells = TransferCellSerializer(many=True)


class TransferAnswerSerializer(serializers.Serializer):
    """The body of `POST agency/transfer/` (documents transfer_answer's shape)."""

    clients = serializers.ListField(child=serializers.CharField())
    seconds = serializers.FloatField()
    rows = TransferRowSerializer(many=True)


class TransferCheckView(APIView):
    """Each chosen client's active model on every other's clean labels, per criterion matched by name.

    Synchronous and bounded (see training.services.transfer); 403 for anyone but an agency admin.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TransferRequestSerializer, responses=TransferAnswerSerializer)
    def post(self, request):
        form = TransferRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = transfer_check_compute(actor=request.user, client_slugs=form.validated_data["clients"])
        return Response(transfer_answer(result))


def transfer_answer(result: TransferResult) -> dict:
    """The result as JSON: rows of model clients, a cell per data client, a line per matched criterion."""
    return {
        "clients": [c.slug for c in result.clients],
        "seconds": round(result.seconds, 3),
        "rows": [{
            "model_client": row.model_client.slug, "model_version": row.version, "note": row.note,
            "cells": [{
                "data_client": cell.data_client.slug, "own_held_out": cell.own, "note": cell.note,
                "criteria": [{"criterion": c.name, "model_criterion": c.model_criterion, "mae": c.mae,
                              "baseline_mae": c.baseline_mae, "relative": c.relative, "n": c.n}
                             for c in cell.criteria],
            } for cell in row.cells],
        } for row in result.rows],
    }
