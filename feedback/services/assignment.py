"""Assignment: which creative a rater sees next, under a short lease.

Order of the normal queue (`selectors.creative_list_for_queue`): active, non-gold creatives this
rater has not rated, skipped or holds, fewest normal ratings first (less any extra overlap a
reviewer asked for), then the highest `queue_priority` (the hook the training side raises with
model uncertainty, see services/predictions.py), then oldest. That ORDER BY is the partial index
`creative_queue_order`, so picking an item reads a few index entries whatever the client's size.

Over-filling: a creative is offered only while `normal ratings + active leases < target`. Two
raters racing for the same row are kept apart by `SELECT ... FOR UPDATE SKIP LOCKED`; because a
lease is an insert in another table (which the locking statement's snapshot may predate), the
candidates are re-counted in a fresh statement after the rows are locked. A lease is only granted
while its creative's row lock is held, and the rating service releases a lease in the same
transaction that bumps the count, so that re-count is exact. (SQLite ignores the row locks; it
serialises writers anyway.) A pick never waits on a row lock: when every open item is locked by
concurrent picks it pauses and looks again (for up to LOCKED_WAIT_MAX), because waiting while
holding rows is how two picks and a rating deadlock.

Consistency items: a share of picks (`repeat_rate`) re-serves, blind, a creative this rater rated
at least `REPEAT_MIN_DISTANCE` ratings ago; another share (`gold_rate`) serves a gold creative the
rater has not seen; a rater with no normal rating yet first gets up to `CALIBRATION_SIZE` gold
creatives as calibration and sees their reference scores after each.
"""
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from feedback.models import Client, Creative, GoldReference, Lease, Rating, Skip, lease_token
from feedback.selectors import creative_list_for_queue

REPEAT_MIN_DISTANCE = 20
# Repeats are drawn from this many of the rater's older ratings, so the pick stays an index range.
REPEAT_WINDOW = 200
CALIBRATION_SIZE = 5
# Rows locked per attempt: enough that one lost race rarely needs another round trip.
CANDIDATES_PER_ATTEMPT = 4
# Each failed attempt means another rater took the last slot of those rows; a few rounds suffice.
ATTEMPTS = 10
# Leases abandoned (page closed) are deleted lazily, long after they stopped counting.
STALE_LEASE_AGE = timedelta(hours=1)
# When every open item is locked by concurrent picks: pause (doubling up to the cap) and look again,
# for up to LOCKED_WAIT_MAX seconds in all before answering "nothing for you".
LOCKED_RETRY_PAUSE = 0.005
LOCKED_RETRY_PAUSE_MAX = 0.1
LOCKED_WAIT_MAX = 3.0

Kind = Rating.Kind


@dataclass(frozen=True)
class Assignment:
    """The creative to show, why it is shown (its kind), and the lease holding it."""

    creative: Creative
    kind: str
    lease: Lease

    @property
    def lease_expires(self) -> datetime:
        return self.lease.expires_at


def queue_next_for_rater(
    *,
    client: Client,
    rater: AbstractBaseUser,
    exclude_creative_ids: Iterable[int] = (),
    rng: random.Random | None = None,
) -> Assignment | None:
    """The rater's next creative under a lease, or None when nothing is left for them.

    A lease the rater already holds (outside `exclude_creative_ids`, the items their page already
    shows) is returned again, so asking twice does not take two slots.
    """
    now = timezone.now()
    held_id, rated_normal = _held_and_rated(client=client, rater=rater, now=now, exclude=list(exclude_creative_ids))
    if held_id is not None:
        held = Lease.objects.select_related("creative").filter(id=held_id).first()
        if held is not None:
            return Assignment(creative=held.creative, kind=held.kind, lease=held)
    rng = rng or random.Random()  # noqa: S311 - sampling, not security
    special = _consistency_item(client=client, rater=rater, rng=rng, rated_normal=rated_normal)
    if special is not None:
        creative, kind = special
        return Assignment(creative=creative, kind=kind, lease=_lease(client, creative, rater, kind, now))
    return _next_normal(client=client, rater=rater, now=now)


@transaction.atomic
def queue_skip(*, client: Client, rater: AbstractBaseUser, creative_id: int, reason: str = "") -> Skip:
    """Pass on a creative: it is not served to this rater again, and their lease on it is released."""
    creative = Creative.objects.filter(client=client, id=creative_id).only("id").first()
    if creative is None:
        raise ValidationError({"creative": [f"Creative {creative_id} does not exist in this client."]})
    skip, _ = Skip.objects.get_or_create(
        rater=rater, creative=creative, defaults={"client": client, "reason": reason[:500]}
    )
    Lease.objects.filter(rater=rater, creative=creative).delete()
    return skip


def _held_and_rated(
    *, client: Client, rater: AbstractBaseUser, now: datetime, exclude: list[int]
) -> tuple[int | None, bool]:
    """In one query: the id of a lease the rater still holds (outside `exclude`), and whether they
    have rated a normal item here yet (past calibration)."""
    leases = Lease.objects.filter(client=client, rater=rater, expires_at__gt=now).exclude(creative_id__in=exclude)
    rated = Rating.objects.filter(client=client, rater=rater, kind=Kind.NORMAL)
    row = (
        Client.objects.filter(id=client.id)
        .annotate(held=Subquery(leases.order_by("created_at", "id").values("id")[:1]), rated=Exists(rated))
        .values_list("held", "rated")
        .first()
    )
    return row if row is not None else (None, False)


def _consistency_item(
    *, client: Client, rater: AbstractBaseUser, rng: random.Random, rated_normal: bool
) -> tuple[Creative, str] | None:
    """A calibration, repeat or gold item when this pick calls for one (at most two small queries)."""
    if not rated_normal:
        calibrated = Rating.objects.filter(client=client, rater=rater, kind=Kind.CALIBRATION).count()
        if calibrated < CALIBRATION_SIZE:
            gold = _unseen_gold(client=client, rater=rater, rng=rng)
            if gold is not None:
                return gold, Kind.CALIBRATION
        return None
    draw = rng.random()
    if draw < client.repeat_rate:
        creative = _repeat_candidate(client=client, rater=rater, rng=rng)
        return (creative, Kind.REPEAT) if creative else None
    if draw < client.repeat_rate + client.gold_rate:
        creative = _unseen_gold(client=client, rater=rater, rng=rng)
        return (creative, Kind.GOLD) if creative else None
    return None


def _repeat_candidate(*, client: Client, rater: AbstractBaseUser, rng: random.Random) -> Creative | None:
    """A creative this rater rated (normal) at least REPEAT_MIN_DISTANCE ratings ago, not yet repeated."""
    offset = REPEAT_MIN_DISTANCE + rng.randrange(REPEAT_WINDOW)
    older = (
        Rating.objects.filter(client=client, rater=rater)
        .order_by("-submitted_at", "-id")
        .values("creative_id", "kind")[REPEAT_MIN_DISTANCE:offset + 1]
    )
    rows = list(older)
    repeated = {row["creative_id"] for row in rows if row["kind"] == Kind.REPEAT}
    normal = [row["creative_id"] for row in rows if row["kind"] == Kind.NORMAL and row["creative_id"] not in repeated]
    if not normal:
        return None
    # The farthest back of the window, so the rater is least likely to remember it.
    return Creative.objects.filter(client=client, id=normal[-1], archived=False).first()


def _unseen_gold(*, client: Client, rater: AbstractBaseUser, rng: random.Random) -> Creative | None:
    gold = (
        Creative.objects.filter(client=client, is_gold=True, archived=False)
        .filter(Exists(GoldReference.objects.filter(creative=OuterRef("pk"))))
        .filter(~Exists(Rating.objects.filter(creative=OuterRef("pk"), rater=rater)))
        .filter(~Exists(Skip.objects.filter(creative=OuterRef("pk"), rater=rater)))
        .filter(~Exists(Lease.objects.filter(creative=OuterRef("pk"), rater=rater, expires_at__gt=timezone.now())))
        .order_by("id")
    )
    # Gold sets are small (tens of items): reading their ids to pick one at random is cheap.
    ids = list(gold.values_list("id", flat=True)[:500])
    return gold.filter(id=rng.choice(ids)).first() if ids else None


def _next_normal(*, client: Client, rater: AbstractBaseUser, now: datetime) -> Assignment | None:
    queue = creative_list_for_queue(client=client, rater=rater, now=now)
    lost, waits, waited = 0, 0, 0.0
    while lost < ATTEMPTS:
        outcome = _attempt_normal(client=client, rater=rater, now=now, queue=queue)
        if outcome is _EMPTY:
            return None
        if outcome is _ALL_LOCKED:
            # The attempt ended holding nothing; concurrent picks hold their rows for milliseconds.
            if waited >= LOCKED_WAIT_MAX:
                return None
            pause = min(LOCKED_RETRY_PAUSE * 2**waits, LOCKED_RETRY_PAUSE_MAX)
            time.sleep(pause)
            waits, waited = waits + 1, waited + pause
        elif outcome is None:
            lost += 1
        else:
            return outcome
    return None


_EMPTY, _ALL_LOCKED = object(), object()


@transaction.atomic
def _attempt_normal(*, client: Client, rater: AbstractBaseUser, now: datetime, queue) -> object:
    """One locked pick: an Assignment, None (lost the race for those rows), _EMPTY or _ALL_LOCKED.

    Never waits on a row lock. Waiting could deadlock: SKIP LOCKED keeps the locks on rows it took
    and then found full, so a waiting pick would hold rows that a rating (or another waiting pick)
    needs. Open items that are all locked are reported instead, and the caller retries.
    """
    candidates = list(queue.select_for_update(skip_locked=True, of=("self",))[:CANDIDATES_PER_ATTEMPT])
    if not candidates:
        # SQLite takes no row locks: an empty pick there is an empty queue.
        return _ALL_LOCKED if connection.vendor == "postgresql" and queue.exists() else _EMPTY
    if connection.vendor == "postgresql":
        return _grant_first_open(client=client, rater=rater, candidates=candidates, now=now)
    creative = _first_still_open(client=client, candidates=candidates, now=now)
    if creative is None:
        return None
    Lease.objects.filter(rater=rater, client=client, expires_at__lt=now - STALE_LEASE_AGE).delete()
    lease = _lease(client, creative, rater, Kind.NORMAL, now)
    return Assignment(creative=creative, kind=Kind.NORMAL, lease=lease)


# PostgreSQL: the re-count of the locked candidates, the lease on the first with room and the
# clean-up of the rater's stale leases, in one statement. It is a statement of its own after the
# locking one, so its snapshot sees every lease committed before the rows were locked. The clean-up
# skips a stale lease that another transaction holds (a rating releasing it): a pick never waits.
_GRANT_SQL = """
WITH stale AS (
    DELETE FROM feedback_lease WHERE id IN (
        SELECT id FROM feedback_lease
        WHERE rater_id = %(rater)s AND client_id = %(client)s AND expires_at < %(stale)s
        FOR UPDATE SKIP LOCKED
    )
), open AS (
    SELECT c.id FROM feedback_creative c
    WHERE c.id = ANY(%(candidates)s)
      AND c.normal_rating_count + (
          SELECT count(*) FROM feedback_lease l WHERE l.creative_id = c.id AND l.expires_at > %(now)s
      ) < %(overlap)s + c.extra_overlap
    ORDER BY array_position(%(candidates)s, c.id)
    LIMIT 1
)
INSERT INTO feedback_lease (token, client_id, creative_id, rater_id, kind, created_at, expires_at)
SELECT %(token)s, %(client)s, open.id, %(rater)s, %(kind)s, %(now)s, %(expires)s FROM open
RETURNING id, creative_id
"""


def _grant_first_open(
    *, client: Client, rater: AbstractBaseUser, candidates: list[Creative], now: datetime
) -> Assignment | None:
    """Lease the first locked candidate that still has room (a fresh count); None when none has."""
    ids = [c.id for c in candidates]
    expires = now + timedelta(seconds=client.lease_seconds)
    params = {
        "rater": rater.pk, "client": client.id, "stale": now - STALE_LEASE_AGE, "candidates": ids, "now": now,
        "overlap": client.overlap, "token": lease_token(), "kind": Kind.NORMAL, "expires": expires,
    }
    with connection.cursor() as cursor:
        cursor.execute(_GRANT_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    creative = next(c for c in candidates if c.id == row[1])
    lease = Lease(id=row[0], token=params["token"], client=client, creative=creative, rater=rater,
                  kind=Kind.NORMAL, created_at=now, expires_at=expires)
    lease._state.adding = False
    return Assignment(creative=creative, kind=Kind.NORMAL, lease=lease)


def _first_still_open(*, client: Client, candidates: list[Creative], now: datetime) -> Creative | None:
    """Re-count ratings and leases of the locked candidates in a fresh snapshot; the first with room wins."""
    ids = [c.id for c in candidates]
    fresh = (
        Creative.objects.filter(id__in=ids)
        .annotate(leased=Count("leases", filter=Q(leases__expires_at__gt=now)))
        .values_list("id", "normal_rating_count", "extra_overlap", "leased")
    )
    room = {cid: count + leased < client.overlap + extra for cid, count, extra, leased in fresh}
    return next((c for c in candidates if room.get(c.id)), None)


def _lease(client: Client, creative: Creative, rater: AbstractBaseUser, kind: str, now: datetime) -> Lease:
    return Lease.objects.create(
        client=client, creative=creative, rater=rater, kind=kind,
        created_at=now, expires_at=now + timedelta(seconds=client.lease_seconds),
    )
