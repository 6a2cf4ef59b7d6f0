"""Celery tasks of the feedback app: thin, named, time-limited; each loads ids and calls one service."""
from celery import shared_task

from feedback.models import Client
from review.services.recompute import (
    quality_debounce_defer,
    quality_recompute,
    quality_sweep,
    quality_training_notify,
)


@shared_task(name="review.quality_recompute", acks_late=True, soft_time_limit=900, time_limit=960)
def quality_recompute_task(client_id: int) -> int | None:
    """Recompute one client's label quality, once ratings stop streaming in; duplicates are harmless."""
    client = Client.objects.filter(id=client_id).first()
    if client is None or quality_debounce_defer(client=client):
        return None
    run = quality_recompute(client=client)
    if run.status == run.Status.DONE:
        quality_training_notify(client_id=client_id)
    return run.id


@shared_task(name="review.quality_sweep", acks_late=True, soft_time_limit=60, time_limit=90)
def quality_sweep_task() -> dict[str, int]:
    """Re-send lost quality runs and fail the ones whose worker died."""
    return quality_sweep()
