"""Record ratings: validated against the active rubric, idempotent by the client's uuid.

The kind of a rating (normal, repeat, gold, calibration) is the server's: it comes from the lease
the queue handed the rater for that creative. A normal rating bumps the creative's
`normal_rating_count` and releases the lease in the same transaction, so the queue's count of
"ratings + active leases" never drops below what is really taken.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from feedback.models import Client, Creative, Criterion, Lease, Rating, Score
from jobs.contract import QUALITY_RUN
from jobs.lifecycle import run_request

UNDO_WINDOW = timedelta(seconds=60)
MAX_LISTED_ERRORS = 10
# A submitted shown_at is the rater's clock: allowed this far ahead of ours (skew), and at most
# as far back as the longest duration_ms the API takes (one day).
SHOWN_AT_SKEW = timedelta(minutes=5)
SHOWN_AT_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class RatingInput:
    """One submission as the rater's browser or API client sent it."""

    creative_id: int
    scores: dict[str, int]
    client_uuid: uuid.UUID
    duration_ms: int | None = None
    shown_at: datetime | None = None
    # Used only when the rater holds no lease for the creative (imports, scripts).
    kind: str = Rating.Kind.NORMAL
    # Imports only: when the rating was made in another tool (never ahead of our clock).
    submitted_at: datetime | None = None


def rating_create(
    *, client: Client, rater: AbstractBaseUser, data: RatingInput
) -> tuple[Rating, bool]:
    """Store one rating; the same client_uuid again returns the stored rating and False.

    A repeated uuid is rare, so it is not looked up first: the unique constraint on client_uuid
    catches it on insert (or a validation failure prompts the look-up, so a retry still gets its
    stored rating when, say, the creative was archived in between).
    """
    try:
        _check_shown_at(data.shown_at)
        _check_submitted_at(data.submitted_at)
        creative = _ratable_creative(client=client, creative_id=data.creative_id)
        criteria = list(Criterion.objects.filter(client=client, active=True))
        values = scores_validate(criteria, data.scores)
    except ValidationError:
        existing = _existing(client=client, rater=rater, client_uuid=data.client_uuid)
        if existing is not None:
            return existing, False
        raise
    lease = Lease.objects.filter(client=client, rater=rater, creative=creative).order_by("-created_at").first()
    kind = lease.kind if lease else data.kind
    shown_at = data.shown_at or (lease.created_at if lease else None)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                client=client,
                creative=creative,
                rater=rater,
                client_uuid=data.client_uuid,
                kind=kind,
                shown_at=shown_at,
                duration_ms=data.duration_ms,
            )
            Score.objects.bulk_create(
                Score(
                    rating=rating,
                    criterion=criterion,
                    value=values[criterion.id],
                    scale_min=criterion.scale_min,
                    scale_max=criterion.scale_max,
                )
                for criterion in criteria
            )
            if data.submitted_at is not None:
                # auto_now_add sets the insert's time; an imported rating keeps when it was made.
                Rating.objects.filter(pk=rating.pk).update(submitted_at=data.submitted_at)
                rating.submitted_at = data.submitted_at
            _after_rating(rating=rating, had_lease=lease is not None)
    except IntegrityError:
        # A concurrent request with the same uuid won the race: answer with its rating.
        existing = _existing(client=client, rater=rater, client_uuid=data.client_uuid)
        if existing is not None:
            return existing, False
        raise ValidationError({"creative": ["You have already rated this creative."]}) from None
    # The label-quality recompute (review's), debounced: a burst of ratings queues one run; a
    # rating never blocks or fails on it.
    transaction.on_commit(lambda: run_request(QUALITY_RUN, client_id=client.id))
    return rating, True


@transaction.atomic
def rating_undo(*, client: Client, rater: AbstractBaseUser, rating_id: int) -> Lease:
    """Delete the rater's own rating submitted under a minute ago; the creative is leased back to them.

    Its scores go with it (cascade). Returns the new lease, so the page can show the creative again.
    """
    rating = (
        Rating.objects.select_for_update()
        .filter(client=client, rater=rater, id=rating_id)
        .only("id", "creative_id", "kind", "submitted_at")
        .first()
    )
    if rating is None:
        raise ValidationError({"rating": ["No such rating of yours in this client."]})
    now = timezone.now()
    if now - rating.submitted_at > UNDO_WINDOW:
        raise ValidationError({"rating": ["Ratings can only be undone within 60 seconds."]})
    if rating.kind == Rating.Kind.NORMAL:
        # Never below zero, even where counts drifted (ratings loaded without normal_rating_counts_refresh).
        Creative.objects.filter(id=rating.creative_id).update(
            normal_rating_count=Greatest(F("normal_rating_count") - 1, Value(0))
        )
    rating.delete()
    transaction.on_commit(lambda: run_request(QUALITY_RUN, client_id=client.id))
    return Lease.objects.create(
        client=client, creative_id=rating.creative_id, rater=rater, kind=rating.kind,
        created_at=now, expires_at=now + timedelta(seconds=client.lease_seconds),
    )


def normal_rating_counts_refresh(*, client: Client) -> int:
    """Recount every creative's normal ratings; call after loading ratings in bulk (bypassing rating_create)."""
    counts = (
        Rating.objects.filter(creative=OuterRef("pk"), kind=Rating.Kind.NORMAL)
        .order_by()
        .values("creative")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Creative.objects.filter(client=client).update(
        normal_rating_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    )


def _after_rating(*, rating: Rating, had_lease: bool) -> None:
    """Count a normal rating on its creative and release the rater's lease, in the rating's transaction."""
    if rating.kind == Rating.Kind.NORMAL:
        Creative.objects.filter(id=rating.creative_id).update(normal_rating_count=F("normal_rating_count") + 1)
    if had_lease:
        Lease.objects.filter(rater_id=rating.rater_id, creative_id=rating.creative_id).delete()


def _existing(*, client: Client, rater: AbstractBaseUser, client_uuid: uuid.UUID) -> Rating | None:
    rating = Rating.objects.filter(client_uuid=client_uuid).select_related("rater").first()
    if rating is None:
        return None
    if rating.client_id != client.id or rating.rater_id != rater.pk:
        raise ValidationError({"client_uuid": ["This client_uuid was already used for another rating."]})
    return rating


def _check_shown_at(shown_at: datetime | None) -> None:
    if shown_at is None:
        return
    now = timezone.now()
    if not now - SHOWN_AT_MAX_AGE <= shown_at <= now + SHOWN_AT_SKEW:
        raise ValidationError({"shown_at": [
            "Must be when the item was shown: not in the future, and within the last 24 hours."
        ]})


def _check_submitted_at(submitted_at: datetime | None) -> None:
    if submitted_at is not None and submitted_at > timezone.now() + SHOWN_AT_SKEW:
        raise ValidationError({"submitted_at": ["Must not be in the future."]})


def _ratable_creative(*, client: Client, creative_id: int) -> Creative:
    creative = Creative.objects.filter(client=client, id=creative_id).only("id", "archived").first()
    if creative is None:
        raise ValidationError({"creative": [f"Creative {creative_id} does not exist in this client."]})
    if creative.archived:
        raise ValidationError({"creative": ["This creative is archived and cannot be rated."]})
    return creative


def scores_validate(criteria: list[Criterion], scores: dict[str, int]) -> dict[int, int]:
    """Check one score per active criterion, each an integer on its scale; map criterion id to value."""
    if not criteria:
        raise ValidationError({"scores": ["This client has no active criteria to rate."]})
    by_id = {str(criterion.id): criterion for criterion in criteria}
    unknown = [str(key) for key in scores if str(key) not in by_id]
    # Keys are the caller's text: shown ASCII-escaped and only the first few, so the answer stays short.
    errors = [f"Unknown or inactive criterion: {ascii(key[:20])[1:-1]}." for key in unknown[:MAX_LISTED_ERRORS]]
    if len(unknown) > MAX_LISTED_ERRORS:
        errors.append(f"... and {len(unknown) - MAX_LISTED_ERRORS} more unknown criteria.")
    errors += [f"Missing score for criterion {c.id} ({c.name})." for c in criteria if str(c.id) not in map(str, scores)]
    values = {}
    for key, value in scores.items():
        criterion = by_id.get(str(key))
        if criterion is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"Score for criterion {key} must be an integer.")
        elif not criterion.scale_min <= value <= criterion.scale_max:
            errors.append(
                f"Score {value} for criterion {key} ({criterion.name}) is outside "
                f"{criterion.scale_min}..{criterion.scale_max}."
            )
        else:
            values[criterion.id] = value
    if errors:
        raise ValidationError({"scores": errors})
    return values
