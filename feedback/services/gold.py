"""Gold creatives: a manager's reference scores, used for gold checks and new raters' calibration."""
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from feedback.errors import NotFound
from feedback.models import Client, Creative, Criterion, GoldReference
from feedback.services.ratings import scores_validate


@transaction.atomic
def gold_set(*, client: Client, creative: Creative, scores: dict[str, int], by: AbstractBaseUser) -> dict[int, int]:
    """Make `creative` gold with these reference scores (one per active criterion), replacing earlier ones.

    The creative's row is locked first, so two managers saving at once replace each other's
    references in turn instead of colliding on the one-reference-per-criterion constraint.
    """
    _lock_creative(client=client, creative=creative)
    criteria = list(Criterion.objects.filter(client=client, active=True))
    values = scores_validate(criteria, scores)
    GoldReference.objects.filter(creative=creative).delete()
    GoldReference.objects.bulk_create(
        GoldReference(client=client, creative=creative, criterion_id=cid, value=value, set_by=by)
        for cid, value in values.items()
    )
    Creative.objects.filter(id=creative.id).update(is_gold=True)
    creative.is_gold = True
    return values


@transaction.atomic
def gold_clear(*, client: Client, creative: Creative) -> None:
    """Unmark a gold creative: it goes back to the normal queue; ratings already given keep their kind."""
    _lock_creative(client=client, creative=creative)
    GoldReference.objects.filter(client=client, creative=creative).delete()
    Creative.objects.filter(id=creative.id).update(is_gold=False)
    creative.is_gold = False


def _lock_creative(*, client: Client, creative: Creative) -> None:
    if not Creative.objects.select_for_update().filter(client=client, id=creative.id).values_list("id", flat=True):
        raise NotFound("No such creative in this client.")
