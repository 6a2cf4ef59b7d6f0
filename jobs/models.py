"""The fields and states every background run shares; quality and training runs extend it.

Abstract, so each app keeps its own table; a concrete run declares its `client` foreign key and
inherits the two invariants below, which the database enforces.
"""
from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    """queued → running → succeeded | failed | cancelled; running may go back to queued (retry)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class Run(models.Model):
    """One unit of background work for one client, owned by at most one worker attempt at a time.

    `attempts` is the ownership token: claiming a queued run increments it, and every later write
    of the worker is filtered on (id, running, attempts), so a worker the sweep gave up on can no
    longer change the run.
    """

    Status = RunStatus
    ACTIVE_STATUSES = ACTIVE_STATUSES
    FINISHED_STATUSES = FINISHED_STATUSES

    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last hand-over to the broker.")
    message_id = models.CharField(max_length=64, blank=True, help_text="The broker message of that hand-over.")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Workers that claimed it so far.")
    rerun_requested = models.BooleanField(
        default=False, help_text="New input arrived while it ran: a successor is requested when it ends."
    )
    error = models.TextField(blank=True)

    class Meta:
        abstract = True
        constraints = [
            # One queued-or-running run per client: what makes "exactly one at a time" true under
            # concurrent requests, not timing.
            models.UniqueConstraint(
                fields=["client"], condition=Q(status__in=ACTIVE_STATUSES),
                name="%(app_label)s_%(class)s_one_active_per_client",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WorkerHeartbeat(models.Model):
    """One row per live Celery worker, rewritten every TASTEMAKER_WORKER_HEARTBEAT_S by the worker itself.

    Not a client's object: it says which worker processes are up (health checks, the pages' "no
    worker is alive" notice) and carries no client data. A worker deletes its row on warm shutdown;
    a killed one leaves a row that simply ages.
    """

    hostname = models.CharField(max_length=255, unique=True, help_text="Celery node name, e.g. celery@host.")
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255, help_text="Comma-separated queues it consumes.")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid})"
