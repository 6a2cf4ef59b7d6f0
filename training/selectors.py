"""Reads of the training domain, always scoped to one client."""
from django.db.models import QuerySet

from feedback.models import Client
from training.models import ModelVersion, TrainingRun


def training_run_list(*, client: Client) -> QuerySet[TrainingRun]:
    """The client's runs, newest first."""
    return TrainingRun.objects.filter(client=client).select_related("requested_by", "model_version")


def model_version_list(*, client: Client) -> QuerySet[ModelVersion]:
    """The client's model versions, newest first."""
    return ModelVersion.objects.filter(client=client).order_by("-version")


def model_version_active(*, client: Client) -> ModelVersion | None:
    """The client's active model version, if any."""
    return ModelVersion.objects.filter(client=client, is_active=True).first()
