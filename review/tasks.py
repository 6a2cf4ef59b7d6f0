"""Celery tasks of the review app: thin, named by the contract, time-limited; each calls one service."""
from celery import shared_task

from jobs.contract import QUALITY_RECOMPUTE, QUALITY_SWEEP
from review.services.recompute import quality_run_execute, quality_sweep


@shared_task(name=QUALITY_RECOMPUTE.name, acks_late=True, soft_time_limit=900, time_limit=960)
def quality_recompute_task(run_id: int) -> str | None:
    """Recompute one client's label quality for this queued run; a duplicate message does nothing."""
    run = quality_run_execute(run_id=run_id)
    return run.status if run else None


@shared_task(name=QUALITY_SWEEP.name, acks_late=True, soft_time_limit=60, time_limit=90)
def quality_sweep_task() -> dict[str, int]:
    """Re-send lost quality runs and re-queue the ones whose worker died."""
    return quality_sweep()
