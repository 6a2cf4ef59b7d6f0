"""Celery tasks of the training side: thin, named by the contract, acks_late, idempotent by the run's state."""
from celery import shared_task

from jobs.contract import TRAINING_CHECK, TRAINING_EXECUTE, TRAINING_SWEEP
from training.services.execute import training_run_execute
from training.services.runs import retrain_check, training_sweep

# A run of 50k examples trains in minutes on CPU; an hour is a hang, not a slow run.
EXECUTE_SOFT_LIMIT_S = 3600


@shared_task(name=TRAINING_CHECK.name, acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def check_retrain(client_id: int) -> int | None:
    """Queue a run if the client's new clean examples reached its threshold (sent by the checker)."""
    run = retrain_check(client_id=client_id)
    return run.id if run else None


@shared_task(
    name=TRAINING_EXECUTE.name, acks_late=True, soft_time_limit=EXECUTE_SOFT_LIMIT_S,
    time_limit=EXECUTE_SOFT_LIMIT_S + 120, ignore_result=True,
)
def execute_run(run_id: int) -> str | None:
    """Train, evaluate and maybe promote; a redelivered message for a finished run does nothing."""
    run = training_run_execute(run_id=run_id)
    return run.status if run else None


@shared_task(name=TRAINING_SWEEP.name, acks_late=True, soft_time_limit=120, time_limit=180, ignore_result=True)
def sweep(heartbeat_timeout_s: int | None = None) -> dict:
    """Re-queue runs of dead workers, re-send lost messages, trigger clients past their threshold."""
    return training_sweep(heartbeat_timeout_s=heartbeat_timeout_s)
