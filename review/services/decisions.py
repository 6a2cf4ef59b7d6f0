"""Reviewer decisions on labels: accept, reject, exclude or include a rater, ask for more ratings.

Every decision writes a ReviewDecision (who, what, when) in the same transaction as its effect,
and asks for a quality recompute so consensus and clean labels follow it. Ids from the caller are
always resolved inside the client, so another client's rating cannot be touched.
"""
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from feedback.errors import NotFound
from feedback.models import Client, Creative, Membership, Rating
from review.models import Flag, RaterExclusion, ReviewDecision
from review.services.recompute import quality_request

Action = ReviewDecision.Action
DECISION_STATUS = {
    Action.ACCEPT: (Rating.Status.ACCEPTED, Flag.Status.ACCEPTED),
    Action.REJECT: (Rating.Status.REJECTED, Flag.Status.REJECTED),
}


@transaction.atomic
def ratings_decide(
    *, client: Client, actor: AbstractBaseUser, rating_ids: list[int], action: str, note: str = ""
) -> list[int]:
    """Accept (keep) or reject (exclude) the given ratings of this client; returns the ids decided."""
    if action not in DECISION_STATUS:
        raise ValidationError({"action": [f"Unknown decision {action!r}; use accept or reject."]})
    rating_status, flag_status = DECISION_STATUS[action]
    decided = Rating.objects.select_for_update().filter(client=client, id__in=rating_ids)
    rows = list(decided.values_list("id", "rater_id", "creative_id"))
    ids = [row[0] for row in rows]
    Rating.objects.filter(id__in=ids).update(status=rating_status)
    Flag.objects.filter(client=client, rating_id__in=ids).update(status=flag_status)
    ReviewDecision.objects.bulk_create(
        ReviewDecision(
            client=client, actor=actor, action=action, rating_id=rid, rater_id=rater, creative_id=cid, note=note
        )
        for rid, rater, cid in rows
    )
    _request_recompute(client)
    return ids


def flags_decide(
    *, client: Client, actor: AbstractBaseUser, flag_ids: list[int], action: str, note: str = ""
) -> list[int]:
    """Decide the ratings behind the given flags of this client (a decision is about the whole rating)."""
    flags = Flag.objects.filter(client=client, id__in=flag_ids)
    rating_ids = list(flags.values_list("rating_id", flat=True).distinct())
    return ratings_decide(client=client, actor=actor, rating_ids=rating_ids, action=action, note=note)


@transaction.atomic
def rater_exclude(*, client: Client, actor: AbstractBaseUser, rater_id: int, note: str = "") -> RaterExclusion:
    """Reject all of a rater's labels in this client, remembering the accepted ones (reversible)."""
    _member_rater(client=client, rater_id=rater_id)
    exclusion, _ = RaterExclusion.objects.select_for_update().get_or_create(
        client=client, rater_id=rater_id, defaults={"active": False, "excluded_at": timezone.now()}
    )
    if exclusion.active:
        return exclusion
    ratings = Rating.objects.filter(client=client, rater_id=rater_id)
    exclusion.accepted_rating_ids = list(ratings.filter(status=Rating.Status.ACCEPTED).values_list("id", flat=True))
    exclusion.active, exclusion.excluded_at = True, timezone.now()
    exclusion.save(update_fields=["active", "accepted_rating_ids", "excluded_at", "updated_at"])
    ratings.exclude(status=Rating.Status.REJECTED).update(status=Rating.Status.REJECTED)
    Flag.objects.filter(client=client, rater_id=rater_id).update(status=Flag.Status.REJECTED)
    ReviewDecision.objects.create(client=client, actor=actor, action=Action.EXCLUDE_RATER, rater_id=rater_id, note=note)
    _request_recompute(client)
    return exclusion


@transaction.atomic
def rater_include(*, client: Client, actor: AbstractBaseUser, rater_id: int, note: str = "") -> RaterExclusion | None:
    """Undo an exclusion: accepted labels come back accepted, the rest go back to the checker.

    Labels a reviewer had rejected one by one before the exclusion stay rejected.
    """
    exclusion = RaterExclusion.objects.select_for_update().filter(client=client, rater_id=rater_id, active=True).first()
    if exclusion is None:
        return None
    ratings = Rating.objects.filter(client=client, rater_id=rater_id)
    kept_rejected = ReviewDecision.objects.filter(
        client=client, action=Action.REJECT, rating__rater_id=rater_id, created_at__lt=exclusion.excluded_at
    ).values("rating_id")
    ratings.filter(id__in=exclusion.accepted_rating_ids).update(status=Rating.Status.ACCEPTED)
    restored = (
        ratings.filter(status=Rating.Status.REJECTED).exclude(id__in=exclusion.accepted_rating_ids).exclude(id__in=kept_rejected)
    )
    restored.update(status=Rating.Status.PENDING)
    flags = Flag.objects.filter(client=client, rater_id=rater_id)
    flags.filter(rating__status=Rating.Status.ACCEPTED).update(status=Flag.Status.ACCEPTED)
    flags.filter(rating__status=Rating.Status.PENDING).update(status=Flag.Status.OPEN)
    exclusion.active = False
    exclusion.save(update_fields=["active", "updated_at"])
    ReviewDecision.objects.create(client=client, actor=actor, action=Action.INCLUDE_RATER, rater_id=rater_id, note=note)
    _request_recompute(client)
    return exclusion


@transaction.atomic
def creative_request_more(
    *, client: Client, actor: AbstractBaseUser, creative_id: int, extra: int = 1, note: str = ""
) -> Creative:
    """Raise a creative's overlap so the rating queue asks `extra` more raters for it."""
    if not 1 <= extra <= 10:
        raise ValidationError({"extra": ["Ask for 1 to 10 more ratings at a time."]})
    if not Creative.objects.filter(client=client, id=creative_id).update(extra_overlap=F("extra_overlap") + extra):
        raise NotFound("No such creative.")
    ReviewDecision.objects.create(
        client=client, actor=actor, action=Action.REQUEST_MORE, creative_id=creative_id, note=note or f"+{extra}"
    )
    return Creative.objects.get(client=client, id=creative_id)


def _member_rater(*, client: Client, rater_id: int) -> None:
    known = (
        Membership.objects.filter(client=client, user_id=rater_id).exists()
        or Rating.objects.filter(client=client, rater_id=rater_id).exists()
    )
    if not known:
        raise NotFound("No such rater in this client.")


def _request_recompute(client: Client) -> None:
    transaction.on_commit(lambda client_id=client.id: quality_request(client_id=client_id))
