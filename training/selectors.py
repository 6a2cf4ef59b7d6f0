"""Reads of the training domain, always scoped to one client."""
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Max, QuerySet, Subquery
from django.utils import timezone

from feedback.errors import NotFound
from feedback.models import Client
from feedback.selectors import client_list_for_user, client_list_with_label_counts, criterion_list, rating_count_since
from review.selectors import ClientAgreement, client_agreement_latest_by_client
from training.models import ModelVersion, TrainingRun

# The overview page lists this many of the newest runs and versions.
OVERVIEW_ROWS = 20
# The model card's date for readiness extrapolates the rating pace of this many recent days.
PACE_DAYS = 14


def training_run_list(*, client: Client) -> QuerySet[TrainingRun]:
    """The client's runs, newest first."""
    return TrainingRun.objects.filter(client=client).select_related("requested_by", "model_version")


def training_run_get(*, client: Client, run_id: int) -> TrainingRun:
    """One run of the client; NotFound otherwise."""
    run = training_run_list(client=client).filter(id=run_id).first()
    if run is None:
        raise NotFound("No such training run.")
    return run


def model_version_list(*, client: Client) -> QuerySet[ModelVersion]:
    """The client's model versions, newest first."""
    return ModelVersion.objects.filter(client=client).order_by("-version")


def model_version_get(*, client: Client, version: int) -> ModelVersion:
    """One model version of the client by its number; NotFound otherwise."""
    model = model_version_list(client=client).filter(version=version).first()
    if model is None:
        raise NotFound("No such model version.")
    return model


def model_version_active(*, client: Client) -> ModelVersion | None:
    """The client's active model version, if any."""
    return ModelVersion.objects.filter(client=client, is_active=True).first()


@dataclass(frozen=True)
class TrainingOverview:
    """The newest runs and versions of a client's model, and the active version."""

    runs: list[TrainingRun]
    versions: list[ModelVersion]
    active: ModelVersion | None


def training_overview_get(*, client: Client) -> TrainingOverview:
    """What the training overview lists: the newest runs and versions, and which version is active."""
    return TrainingOverview(
        runs=list(training_run_list(client=client)[:OVERVIEW_ROWS]),
        versions=list(model_version_list(client=client)[:OVERVIEW_ROWS]),
        active=model_version_active(client=client),
    )


@dataclass(frozen=True)
class ModelCard:
    """A model version as its card shows it, from what was stored when it was trained."""

    model: ModelVersion
    artifact_present: bool
    criterion_names: dict[str, str]  # current names by criterion id (metrics are keyed by id)
    ratings_per_day: float  # the client's ratings per day over the last PACE_DAYS days, now
    overridden_by: str  # who promoted it against the rule ("" when nobody did)


def model_card_get(*, client: Client, version: int) -> ModelCard:
    """A model version, whether its checkpoint is in storage, and the criteria's current names.

    The checkpoint itself is never opened: a page shows stored facts, it does not deserialise a model.
    """
    model = model_version_list(client=client).select_related("overridden_by").filter(version=version).first()
    if model is None:
        raise NotFound("No such model version.")
    names = {str(cid): name for cid, name in criterion_list(client=client).values_list("id", "name")}
    recent = rating_count_since(client=client, since=timezone.now() - timedelta(days=PACE_DAYS))
    return ModelCard(
        model, bool(model.artifact) and default_storage.exists(model.artifact), names,
        ratings_per_day=recent / PACE_DAYS,
        overridden_by=model.overridden_by.get_username() if model.overridden_by else "",
    )


@dataclass(frozen=True)
class AgencyClientRow:
    """One client as the agency's list shows it."""

    client: Client
    label_count: int
    agreement: ClientAgreement | None
    active_model: ModelVersion | None
    last_run: TrainingRun | None


def agency_client_overview() -> list[AgencyClientRow]:
    """Every client with its label count, latest agreement, active model and newest training run.

    For agency admins only (no membership scoping: the caller checks it is a superuser). One query
    per table, whatever the number of clients.
    """
    clients = list(client_list_with_label_counts())
    agreement = client_agreement_latest_by_client()
    active = {m.client_id: m for m in ModelVersion.objects.filter(is_active=True).only("id", "client_id", "version",
                                                                                       "created_at")}
    newest = TrainingRun.objects.order_by().values("client_id").annotate(newest=Max("id")).values("newest")
    runs = {run.client_id: run for run in TrainingRun.objects.filter(id__in=Subquery(newest)).only(
        "id", "client_id", "status", "requested_at", "finished_at", "outcome")}
    return [
        AgencyClientRow(client=c, label_count=c.label_count, agreement=agreement.get(c.id),
                        active_model=active.get(c.id), last_run=runs.get(c.id))
        for c in clients
    ]


def agency_client_models(*, user) -> list[tuple[Client, ModelVersion | None]]:
    """Every client an agency admin sees, with its active model version (PermissionDenied for others)."""
    if not getattr(user, "is_superuser", False):
        raise PermissionDenied("This page is for agency admins.")
    active = {v.client_id: v for v in ModelVersion.objects.filter(is_active=True)}
    return [(client, active.get(client.id)) for client, _ in client_list_for_user(user=user)]
