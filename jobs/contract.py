"""The task contract: every Celery task's name and queue, and the run each kind of task executes.

Apps declare their tasks with these names (`@shared_task(name=...)`), send them through
`jobs.dispatch`, and `config` builds CELERY_TASK_ROUTES and the beat schedule from here, so a task
name or queue is written once. Pure Python: importable from settings.
"""
from dataclasses import dataclass

QUEUE_DEFAULT = "default"
QUEUE_QUALITY = "quality"
QUEUE_TRAINING = "training"


@dataclass(frozen=True)
class Task:
    """A Celery task as the broker knows it."""

    name: str
    queue: str


QUALITY_RECOMPUTE = Task("review.quality_recompute", QUEUE_QUALITY)
TRAINING_EXECUTE = Task("training.execute_run", QUEUE_TRAINING)
TRAINING_CHECK = Task("training.check_retrain", QUEUE_TRAINING)
# Sweeps go to `default` on purpose: they must still run when every quality or training worker is
# dead or busy with a long run, since noticing that is their job.
QUALITY_SWEEP = Task("review.quality_sweep", QUEUE_DEFAULT)
TRAINING_SWEEP = Task("training.sweep", QUEUE_DEFAULT)

TASKS = (QUALITY_RECOMPUTE, QUALITY_SWEEP, TRAINING_EXECUTE, TRAINING_CHECK, TRAINING_SWEEP)


@dataclass(frozen=True)
class RunKind:
    """A kind of run row (`jobs.models.Run` subclass) and the task that executes one, by run id.

    `model` is an "app_label.ModelName" reference, resolved lazily like a ForeignKey target, so
    an app may request another app's runs without importing it. `rerun_when_running`: a request
    that meets a running run marks it to be followed by another (new input arrived after it read
    its data) instead of being ignored.
    """

    model: str
    task: Task
    max_attempts: int = 3
    rerun_when_running: bool = False
    # How pages and the API name a run of this kind, and what a person does when one failed.
    label: str = "run"
    retry_hint: str = "request a new run to try again"


QUALITY_RUN = RunKind(
    "review.QualityRun", QUALITY_RECOMPUTE, rerun_when_running=True, label="quality check",
    retry_hint="recompute now to try again (the next rating also asks for one)",
)
TRAINING_RUN = RunKind(
    "training.TrainingRun", TRAINING_EXECUTE, label="training run",
    retry_hint="start a run on the training page to try again (automatic retraining waits 10 minutes after a failure)",
)
RUN_KINDS = (QUALITY_RUN, TRAINING_RUN)


def task_routes() -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES: each task to its queue."""
    return {task.name: {"queue": task.queue} for task in TASKS}


def beat_schedule(*, quality_sweep_s: float, training_sweep_s: float) -> dict[str, dict]:
    """CELERY_BEAT_SCHEDULE: the periodic sweeps that recover lost messages and dead workers."""
    return {
        "quality-sweep": {"task": QUALITY_SWEEP.name, "schedule": quality_sweep_s},
        "training-sweep": {"task": TRAINING_SWEEP.name, "schedule": training_sweep_s},
    }
