"""Hand tasks to the broker by their contract name; an unreachable broker is logged, never raised.

The database row a task works on is always committed first and is the durable fact; the message
is only a nudge, which the sweeps re-send. So a web request or a rating never fails, or waits, on
the broker.
"""
import logging

from celery import current_app
from kombu.exceptions import OperationalError

from jobs.contract import Task

logger = logging.getLogger(__name__)


def task_send(task: Task, *, kwargs: dict, countdown: float | None = None) -> str | None:
    """Send `task` to its queue; the message id, or None when the broker could not take it."""
    try:
        result = current_app.send_task(
            task.name, kwargs=kwargs, queue=task.queue, countdown=countdown or None, retry=False
        )
    except (OperationalError, OSError) as exc:
        logger.warning("Broker unavailable, %s %s left to its sweep: %s", task.name, kwargs, exc)
        return None
    return result.id or ""
