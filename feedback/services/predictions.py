"""Store a model's predictions on creatives; the training side calls this, never the models."""
from dataclasses import dataclass

from django.db import transaction

from feedback.models import Client, Creative, CreativePrediction


@dataclass(frozen=True)
class PredictionInput:
    """One predicted score with its uncertainty."""

    creative_id: int
    criterion_id: int
    mean: float
    std: float


@transaction.atomic
def predictions_replace(
    *, client: Client, predictions: list[PredictionInput], model_version: str, out_of_fold: bool
) -> int:
    """Replace the client's stored predictions of this kind and re-rank the queue by uncertainty."""
    CreativePrediction.objects.filter(creative__client=client, out_of_fold=out_of_fold).delete()
    rows = _own_rows(client=client, predictions=predictions, model_version=model_version, out_of_fold=out_of_fold)
    CreativePrediction.objects.bulk_create(rows, batch_size=2000)
    if not out_of_fold:
        _set_queue_priority(client=client, rows=rows)
    return len(rows)


def _set_queue_priority(*, client: Client, rows: list[CreativePrediction]) -> None:
    """Priority = the model's mean uncertainty over criteria: unsure items get rated first."""
    by_creative: dict[int, list[float]] = {}
    for row in rows:
        by_creative.setdefault(row.creative_id, []).append(row.std)
    updates = [Creative(id=cid, queue_priority=sum(stds) / len(stds)) for cid, stds in by_creative.items()]
    Creative.objects.filter(client=client).update(queue_priority=0.0)
    Creative.objects.bulk_update(updates, ["queue_priority"], batch_size=2000)


@transaction.atomic
def predictions_upsert(*, client: Client, predictions: list[PredictionInput], model_version: str) -> int:
    """Store on-demand scores of a few creatives (not out-of-fold) without touching the others."""
    rows = _own_rows(client=client, predictions=predictions, model_version=model_version, out_of_fold=False)
    CreativePrediction.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["creative", "criterion", "out_of_fold"],
        update_fields=["mean", "std", "model_version", "predicted_at"],
    )
    return len(rows)


def _own_rows(
    *, client: Client, predictions: list[PredictionInput], model_version: str, out_of_fold: bool
) -> list[CreativePrediction]:
    """Rows for the predictions whose creative belongs to `client`; others are dropped, never stored."""
    wanted = {p.creative_id for p in predictions}
    own_ids = set(Creative.objects.filter(client=client, id__in=wanted).values_list("id", flat=True))
    return [
        CreativePrediction(
            creative_id=p.creative_id, criterion_id=p.criterion_id, mean=p.mean, std=p.std,
            out_of_fold=out_of_fold, model_version=model_version,
        )
        for p in predictions
        if p.creative_id in own_ids
    ]
