"""Gold creatives: a manager's reference scores, used for gold checks and new raters' calibration."""
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from feedback.models import Client, Creative, Criterion, GoldReference
from feedback.services.ratings import scores_validate


@transaction.atomic
def gold_set(*, client: Client, creative: Creative, scores: dict[str, int], by: AbstractBaseUser) -> dict[int, int]:
    """Make `creative` gold with these reference scores (one per active criterion), replacing earlier ones."""
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
    GoldReference.objects.filter(client=client, creative=creative).delete()
    Creative.objects.filter(id=creative.id).update(is_gold=False)
    creative.is_gold = False
