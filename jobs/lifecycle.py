"""One lifecycle for every run: request, hand to the broker, claim, heartbeat, finish, and the sweep.

Guarantees, and what gives them:
- one queued-or-running run per client and kind: the partial unique constraint of `jobs.models.Run`.
  A request inserts with ON CONFLICT DO NOTHING, so a burst of a thousand requests queues one run
  in two statements each and raises nothing;
- a request never waits on the broker: the row is committed first, the message is sent on commit,
  and a failed send is only logged (`jobs.dispatch`); the sweep re-sends;
- a worker owns a run by (id, attempts): claiming increments `attempts`, and every write the worker
  makes is filtered on both, so once the sweep has re-queued or failed its run, a slow or revived
  worker can neither overwrite the next attempt's progress nor finish the run (`RunLost`);
- a dead worker is noticed by its silent heartbeat, not by the broker's visibility timeout; after
  the kind's `max_attempts` lost attempts the run fails instead of looping forever.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jobs.contract import RunKind
from jobs.dispatch import task_send
from jobs.metrics import run_finished
from jobs.models import Run, RunStatus


class RunLost(Exception):
    """This worker's attempt no longer owns the run (re-queued or failed by the sweep, or cancelled)."""


@dataclass(frozen=True)
class RunRequest:
    """What a request did: `run_id` of the run it queued, or None when one was already active."""

    run_id: int | None
    created: bool


def run_model(kind: RunKind) -> type[Run]:
    """The concrete run model of a kind."""
    return apps.get_model(kind.model)


def run_request(kind: RunKind, *, client_id: int, send: bool = True, **fields) -> RunRequest:
    """Make sure a run of `kind` will happen for the client; `fields` initialise a new run.

    A running run of a `rerun_when_running` kind is marked to be followed by another (it may have
    read its input before this request); otherwise a queued run is inserted unless one is active.
    The new run is handed to the broker after commit (unless `send` is False: the caller runs it).
    """
    model = run_model(kind)
    if kind.rerun_when_running and connection.vendor == "postgresql":
        # One statement: mark the running run, or else insert a queued one unless one is active.
        run_id = _insert_unless_active(model, mark_running=True, client_id=client_id, **fields)
    else:
        if kind.rerun_when_running:
            running = model.objects.filter(client_id=client_id, status=RunStatus.RUNNING)
            if running.update(rerun_requested=True):
                return RunRequest(None, False)
        run_id = _insert_unless_active(model, client_id=client_id, **fields)
    if run_id is None:
        return RunRequest(None, False)
    if send:
        transaction.on_commit(lambda: run_enqueue(kind, run_id=run_id))
    return RunRequest(run_id, True)


def run_enqueue(kind: RunKind, *, run_id: int, countdown: float | None = None) -> bool:
    """Send a queued run's task; False (logged, never raised) when the broker could not take it."""
    message_id = task_send(kind.task, kwargs={"run_id": run_id}, countdown=countdown)
    if message_id is None:
        return False
    run_model(kind).objects.filter(id=run_id, status=RunStatus.QUEUED).update(
        enqueued_at=timezone.now(), message_id=message_id
    )
    return True


def run_claim(kind: RunKind, *, run_id: int | None = None, client_id: int | None = None) -> "OwnedRun | None":
    """Take a queued run for this worker, by id (a task's message) or the client's queued one.

    None when there is nothing queued to take: already done, cancelled, or another worker's.
    """
    model = run_model(kind)
    with transaction.atomic():
        queued = model.objects.select_for_update(skip_locked=True).filter(status=RunStatus.QUEUED)
        queued = queued.filter(id=run_id) if run_id is not None else queued.filter(client_id=client_id)
        run = queued.only("id", "attempts").first()
        if run is None:
            return None
        now = timezone.now()
        model.objects.filter(id=run.id).update(
            status=RunStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now,
            finished_at=None, rerun_requested=False, error="",
        )
    return OwnedRun(kind=kind, run_id=run.id, attempt=run.attempts + 1)


@dataclass(frozen=True)
class OwnedRun:
    """A run claimed by this worker, for as long as the sweep has not taken it back."""

    kind: RunKind
    run_id: int
    attempt: int

    def update(self, **fields) -> None:
        """Write progress fields and beat; RunLost when this attempt no longer owns the run."""
        if not self._owned().update(heartbeat_at=timezone.now(), **fields):
            raise RunLost(f"{self.kind.model} {self.run_id} attempt {self.attempt} is no longer ours")

    def heartbeat(self) -> None:
        """Tell the sweep this worker is alive."""
        self.update()

    def current(self, *fields: str) -> dict | None:
        """The run's `fields` as stored now, or None when this attempt no longer owns it."""
        return self._owned().values(*fields).first() if fields else self._owned().values("id").first()

    def finish(self, status: str, **fields) -> None:
        """End the run with a final status; a successor is requested when input arrived meanwhile.

        Runs under the run's row lock, so a concurrent request either still sees it running (and
        marks it) or sees it finished (and queues a new run): no request is lost in between.
        """
        with transaction.atomic():
            row = self._owned().select_for_update().values("client_id", "rerun_requested").first()
            if row is None:
                raise RunLost(f"{self.kind.model} {self.run_id} attempt {self.attempt} is no longer ours")
            self.update(status=status, finished_at=timezone.now(), **fields)
            if row["rerun_requested"] and status == RunStatus.SUCCEEDED:
                run_request(self.kind, client_id=row["client_id"])
            transaction.on_commit(lambda: run_finished(model=self.kind.model, outcome=status))

    def _owned(self):
        model = run_model(self.kind)
        return model.objects.filter(id=self.run_id, status=RunStatus.RUNNING, attempts=self.attempt)


def run_sweep(kind: RunKind, *, resend_after: timedelta, stale_after: timedelta) -> dict[str, int]:
    """Recover what crashes and outages leave behind; safe to run any time, from anywhere.

    A running run whose heartbeat is older than `stale_after` lost its worker: it is queued again,
    or failed once it used up the kind's attempts. A queued run not handed to the broker within
    `resend_after` may have lost its message: it is sent again (a duplicate finds it claimed and
    does nothing).
    """
    model, now = run_model(kind), timezone.now()
    summary = {"resent": 0, "requeued": 0, "failed": 0, "unchanged": 0}
    stale_before = now - stale_after
    silent = model.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale_before)
    for run_id in silent.values_list("id", flat=True):
        summary[_requeue_or_fail(kind, run_id=run_id, stale_before=stale_before)] += 1
    resend_before = now - resend_after
    lost = model.objects.filter(status=RunStatus.QUEUED, requested_at__lt=resend_before).exclude(
        enqueued_at__gte=resend_before
    )
    for run_id in lost.values_list("id", flat=True):
        summary["resent"] += run_enqueue(kind, run_id=run_id)
    return summary


def _requeue_or_fail(kind: RunKind, *, run_id: int, stale_before) -> str:
    model = run_model(kind)
    with transaction.atomic():
        run = model.objects.select_for_update().filter(id=run_id).only("status", "heartbeat_at", "attempts").first()
        if run is None or run.status != RunStatus.RUNNING or run.heartbeat_at >= stale_before:
            return "unchanged"  # it beat or finished meanwhile
        silent_s = int((timezone.now() - run.heartbeat_at).total_seconds())
        if run.attempts >= kind.max_attempts:
            model.objects.filter(id=run_id).update(
                status=RunStatus.FAILED, finished_at=timezone.now(),
                error=f"The worker stopped answering {run.attempts} times; giving up.",
            )
            transaction.on_commit(lambda: run_finished(model=kind.model, outcome=RunStatus.FAILED))
            return "failed"
        model.objects.filter(id=run_id).update(
            status=RunStatus.QUEUED, enqueued_at=None,
            error=f"Attempt {run.attempts} lost its worker (no heartbeat for {silent_s} s); queued again.",
        )
        transaction.on_commit(lambda: run_enqueue(kind, run_id=run_id))
    return "requeued"


def _insert_unless_active(model: type[Run], *, mark_running: bool = False, **values) -> int | None:
    """INSERT a queued run unless the client has an active one (the partial unique index says no).

    Built from the model's own fields and defaults; one statement and no exception on conflict,
    because it runs after every rating. With `mark_running` (PostgreSQL) the same statement first
    sets `rerun_requested` on the client's running run and inserts only when it marked none. A run
    already marked is not written again (a burst of ratings takes no row lock on it): the insert then
    meets it in the one-active-run index and does nothing, and that run is followed by another anyway.
    """
    run = model(status=RunStatus.QUEUED, **values)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(run, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING {pk}"  # noqa: S608
    if mark_running:
        client_column = quote(model._meta.get_field("client").column)
        sql = (
            f"WITH marked AS (UPDATE {table} SET rerun_requested = true WHERE {client_column} = %s "  # noqa: S608
            f"AND status = %s AND NOT rerun_requested RETURNING {pk}) "
            f"INSERT INTO {table} ({columns}) SELECT {placeholders} WHERE NOT EXISTS (SELECT 1 FROM marked) "
            f"ON CONFLICT DO NOTHING RETURNING {pk}"
        )
        params = [values["client_id"], RunStatus.RUNNING, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None
