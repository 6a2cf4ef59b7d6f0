"""The transfer check: each chosen client's active model scored on every other chosen client's clean labels.

It answers an agency's question "would one client's model already know another client's taste?":
a table of model x client data, with the MAE of each criterion the two rubrics share (matched by
name: criteria have no separate code) against guessing that client's own average.

Synchronous, with a bounded size, rather than a background job: each cell is one forward pass of a
small MLP over at most TRANSFER_MAX_CREATIVES creatives whose features are already cached (they were
embedded when their own client trained), so the whole table of TRANSFER_MAX_CLIENTS clients is a
few seconds on a CPU; a job would add a queue, a run row and a polling page for that. A creative
labelled since its client's last training may need embedding once; the cache keeps it afterwards.
"""
import re
import time
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError

from feedback.models import Client
from feedback.selectors import creative_feature_rows, criterion_list
from training.ml import build_feature_matrix, metadata_features, predict_normalised
from training.models import ModelVersion
from training.services.artifacts import ArtifactError, artifact_load
from training.services.datasets import CleanTargets, client_clean_targets
from training.services.features import creative_features, text_encoder_name

# At most this many clients per check: 8 models x 8 data sets is 56 cross cells, a few seconds.
TRANSFER_MAX_CLIENTS = 8
# Each client's data is its newest creatives with clean labels, at most this many.
TRANSFER_MAX_CREATIVES = 2000


@dataclass
class TransferCriterion:
    """One matched criterion of a cell: the model's error on the data client's consensus vs its own mean."""

    name: str  # the data client's name for it
    model_criterion: str  # the model client's name for it
    mae: float | None
    baseline_mae: float | None
    n: int

    @property
    def relative(self) -> float | None:
        """(MAE - baseline) / baseline: negative when the model beats guessing the client's average."""
        if self.mae is None or not self.baseline_mae:
            return None
        return (self.mae - self.baseline_mae) / self.baseline_mae

    @property
    def percent(self) -> int | None:
        """|relative| in whole percent, for "12% closer / further than guessing the average"."""
        return None if self.relative is None else round(abs(self.relative) * 100)


@dataclass
class TransferCell:
    """The model of one client on the data of another (or its own held-out data, on the diagonal)."""

    data_client: Client
    criteria: list[TransferCriterion] = field(default_factory=list)
    note: str = ""
    own: bool = False


@dataclass
class TransferRow:
    model_client: Client
    version: int | None
    cells: list[TransferCell]
    note: str = ""


@dataclass
class TransferResult:
    clients: list[Client]
    rows: list[TransferRow]
    seconds: float


def transfer_check_compute(*, actor: AbstractBaseUser, client_slugs: list[str]) -> TransferResult:
    """Agency admins only (PermissionDenied otherwise); 2..TRANSFER_MAX_CLIENTS distinct existing clients."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("The transfer check is for agency admins.")
    clients = _clients(client_slugs)
    started = time.perf_counter()
    data = {c.id: client_clean_targets(client=c, limit=TRANSFER_MAX_CREATIVES) for c in clients}
    features = {c.id: _features(c, data[c.id]) for c in clients}
    rows = [_row(model_client, clients, data, features) for model_client in clients]
    return TransferResult(clients=clients, rows=rows, seconds=time.perf_counter() - started)


def criterion_key(name: str) -> str:
    """How names are matched across rubrics: case, spaces, hyphens and underscores do not matter."""
    return re.sub(r"[\s_\-]+", "_", name.strip().lower())


def _clients(slugs: list[str]) -> list[Client]:
    unique = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    if not 2 <= len(unique) <= TRANSFER_MAX_CLIENTS:
        raise ValidationError({"clients": f"Choose 2 to {TRANSFER_MAX_CLIENTS} clients (got {len(unique)})."})
    found = {c.slug: c for c in Client.objects.filter(slug__in=unique)}
    missing = [s for s in unique if s not in found]
    if missing:
        raise ValidationError({"clients": f"No client with slug {', '.join(repr(s[:64]) for s in missing[:5])}."})
    return [found[s] for s in unique]


def _features(client: Client, data: CleanTargets):
    if not data.creative_ids:
        return None
    creatives = {c.id: c for c in creative_feature_rows(client=client, creative_ids=data.creative_ids)}
    return creative_features(creatives=[creatives[i] for i in data.creative_ids])


def _row(model_client: Client, clients: list[Client], data: dict, features: dict) -> TransferRow:
    version = ModelVersion.objects.filter(client=model_client, is_active=True).first()
    if version is None:
        return TransferRow(model_client, None, [TransferCell(c) for c in clients], note="no active model")
    if version.hyperparameters.get("text_encoder", text_encoder_name()) != text_encoder_name():
        return TransferRow(model_client, version.version, [TransferCell(c) for c in clients],
                           note=f"v{version.version} used another text encoder; it cannot score these features")
    try:
        checkpoint = artifact_load(version=version)
    except ArtifactError as exc:
        return TransferRow(model_client, version.version, [TransferCell(c) for c in clients], note=str(exc))
    model_names = dict(criterion_list(client=model_client).values_list("id", "name"))
    trained = {criterion_key(model_names[cid]): (k, model_names[cid])
               for k, cid in enumerate(checkpoint.spec.criterion_ids) if cid in model_names}
    cells = []
    for data_client in clients:
        if data_client.id == model_client.id:
            cells.append(_own_cell(version, data_client, model_names))
            continue
        cells.append(_cross_cell(checkpoint, trained, data_client, data[data_client.id], features[data_client.id]))
    return TransferRow(model_client, version.version, cells)


def _own_cell(version: ModelVersion, client: Client, names: dict[int, str]) -> TransferCell:
    """The diagonal: the model on its own held-out creatives, as stored when it was trained."""
    new, base = (version.metrics or {}).get("new") or {}, (version.metrics or {}).get("baseline") or {}
    by_key = {str(cid): name for cid, name in names.items()}
    rows = [TransferCriterion(by_key[key], by_key[key], value.get("mae"), (base.get(key) or {}).get("mae"),
                              value.get("n", 0))
            for key, value in new.items() if key in by_key]
    return TransferCell(client, rows, note="its own held-out creatives", own=True)


def _cross_cell(checkpoint, trained: dict, client: Client, data: CleanTargets, features) -> TransferCell:
    matched = [(k, c, trained[criterion_key(c.name)]) for k, c in enumerate(data.criteria)
               if criterion_key(c.name) in trained]
    if not matched:
        return TransferCell(client, note="no criterion matches by name")
    if features is None:
        return TransferCell(client, note="no clean labels")
    matrix = build_feature_matrix(features.text, features.image, metadata_features(features.metadata, checkpoint.spec))
    normalised = predict_normalised(checkpoint.model, matrix).clip(0.0, 1.0)
    rows = []
    for k, criterion, (j, model_name) in matched:
        target = data.targets[:, k]
        known = ~np.isnan(target)
        if not known.any():
            rows.append(TransferCriterion(criterion.name, model_name, None, None, 0))
            continue
        # The model's 0..1 output is read on the data client's scale, so 1-5 and 1-7 rubrics compare.
        low, high = float(criterion.scale_min), float(criterion.scale_max)
        pred = low + normalised[known, j] * (high - low)
        truth = target[known]
        rows.append(TransferCriterion(criterion.name, model_name, float(np.mean(np.abs(pred - truth))),
                                      float(np.mean(np.abs(truth - truth.mean()))), int(known.sum())))
    return TransferCell(client, rows)
