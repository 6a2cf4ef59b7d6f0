"""Record ratings: validated against the active rubric, idempotent by the client's uuid."""
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.models import Client, Creative, Criterion, Rating, Score


@dataclass(frozen=True)
class RatingInput:
    """One submission as the rater's browser or API client sent it."""

    creative_id: int
    scores: dict[str, int]
    client_uuid: uuid.UUID
    duration_ms: int | None = None
    shown_at: datetime | None = None
    kind: str = Rating.Kind.NORMAL


def rating_create(
    *, client: Client, rater: AbstractBaseUser, data: RatingInput
) -> tuple[Rating, bool]:
    """Store one rating; the same client_uuid again returns the stored rating and False."""
    existing = _existing(client=client, rater=rater, client_uuid=data.client_uuid)
    if existing is not None:
        return existing, False
    creative = _ratable_creative(client=client, creative_id=data.creative_id)
    criteria = list(Criterion.objects.filter(client=client, active=True))
    values = _validated_scores(criteria, data.scores)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                client=client,
                creative=creative,
                rater=rater,
                client_uuid=data.client_uuid,
                kind=data.kind,
                shown_at=data.shown_at,
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
    except IntegrityError:
        # A concurrent request with the same uuid won the race: answer with its rating.
        existing = _existing(client=client, rater=rater, client_uuid=data.client_uuid)
        if existing is not None:
            return existing, False
        raise ValidationError({"creative": ["You have already rated this creative."]}) from None
    return rating, True


def _existing(*, client: Client, rater: AbstractBaseUser, client_uuid: uuid.UUID) -> Rating | None:
    rating = Rating.objects.filter(client_uuid=client_uuid).select_related("rater").first()
    if rating is None:
        return None
    if rating.client_id != client.id or rating.rater_id != rater.pk:
        raise ValidationError({"client_uuid": ["This client_uuid was already used for another rating."]})
    return rating


def _ratable_creative(*, client: Client, creative_id: int) -> Creative:
    creative = Creative.objects.filter(client=client, id=creative_id).only("id", "archived").first()
    if creative is None:
        raise ValidationError({"creative": [f"Creative {creative_id} does not exist in this client."]})
    if creative.archived:
        raise ValidationError({"creative": ["This creative is archived and cannot be rated."]})
    return creative


def _validated_scores(criteria: list[Criterion], scores: dict[str, int]) -> dict[int, int]:
    if not criteria:
        raise ValidationError({"scores": ["This client has no active criteria to rate."]})
    by_id = {str(criterion.id): criterion for criterion in criteria}
    errors = [f"Unknown or inactive criterion: {key}." for key in scores if str(key) not in by_id]
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
