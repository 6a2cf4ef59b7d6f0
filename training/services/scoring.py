"""Score creatives with a client's active model: mean and MC-dropout spread per criterion.

The model knows its criteria by id; the answer names them as they are called now, so a criterion
renamed after training is answered under its new name.
"""
import threading

from django.core.exceptions import ValidationError

from feedback.errors import Conflict
from feedback.models import Client
from feedback.selectors import creative_feature_rows, criterion_list
from feedback.services.predictions import PredictionInput, predictions_upsert
from training.ml import MC_SAMPLES, Checkpoint, Prediction, predict_with_uncertainty
from training.models import ModelVersion
from training.services.artifacts import artifact_load
from training.services.datasets import feature_matrix_for

MAX_CREATIVES = 500
_loaded: dict[tuple[int, str], Checkpoint] = {}
_lock = threading.Lock()


class NoActiveModel(Conflict):
    """The client has no promoted model yet (409 at the edges)."""


def score_creatives(*, client: Client, creative_ids: list[int]) -> tuple[ModelVersion, list[dict]]:
    """Predicted scores of the client's creatives by its active model; stored for the creative pages.

    Each result has `scores` keyed by the criterion's current name (the public contract) and the
    same values in `scores_by_id`, keyed by criterion id, for callers that must survive renames.
    """
    if not creative_ids or len(creative_ids) > MAX_CREATIVES:
        raise ValidationError({"creatives": [f"Give between 1 and {MAX_CREATIVES} creative ids."]})
    version = ModelVersion.objects.filter(client=client, is_active=True).first()
    if version is None:
        raise NoActiveModel(f"{client.name} has no trained model yet.")
    checkpoint = _checkpoint(version, client)
    creatives = creative_feature_rows(client=client, creative_ids=list(dict.fromkeys(creative_ids)))
    unknown = sorted(set(creative_ids) - {c.id for c in creatives})
    if unknown:
        raise ValidationError({"creatives": [f"Not creatives of this client: {unknown}."]})
    features = feature_matrix_for(creatives=creatives, spec=checkpoint.spec)
    scored = predict_with_uncertainty(checkpoint.model, features, MC_SAMPLES, spec=checkpoint.spec)
    names = dict(criterion_list(client=client).values_list("id", "name"))
    # A model column whose criterion no longer exists has no name to answer under; it is left out.
    columns = [(j, cid) for j, cid in enumerate(checkpoint.spec.criterion_ids) if cid in names]
    predictions_upsert(
        client=client, model_version=f"v{version.version}",
        predictions=[
            PredictionInput(c.id, cid, float(scored.mean[i, j]), float(scored.std[i, j]))
            for i, c in enumerate(creatives) for j, cid in columns
        ],
    )
    return version, [_result(c.id, scored, i, columns, names) for i, c in enumerate(creatives)]


def _result(creative_id: int, scored: Prediction, row: int, columns: list[tuple[int, int]], names: dict) -> dict:
    """One creative's answer: by current criterion name (the public contract) and by criterion id."""
    by_id = {cid: {"mean": round(float(scored.mean[row, j]), 4), "std": round(float(scored.std[row, j]), 4)}
             for j, cid in columns}
    return {"creative": creative_id, "scores": {names[cid]: value for cid, value in by_id.items()},
            "scores_by_id": {str(cid): value for cid, value in by_id.items()}}


def _checkpoint(version: ModelVersion, client: Client) -> Checkpoint:
    # Scoring is called per request; a loaded model is kept per (version, artifact) in the process.
    key = (version.id, version.artifact)
    with _lock:
        if key not in _loaded:
            _loaded.clear()  # keep one model per process; a worker serves few clients at a time
            _loaded[key] = artifact_load(version=version)
        return _loaded[key]
