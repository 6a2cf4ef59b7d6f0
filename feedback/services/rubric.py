"""Create and change the client's rubric; anchors are checked against the scale.

Every write validates with `full_clean()` before it saves; what only the database can see (another
request taking the name, or a rating using the scale, at the same moment) comes back as a
ValidationError too, never an IntegrityError.
"""
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.models import Client, Criterion
from feedback.services.audit import audit_changes, audit_record

# Every point needs an anchor up to this many points; wider scales (0..100) need their ends.
ANCHOR_EVERY_POINT_UP_TO = 11
EDITABLE_FIELDS = ("name", "question", "scale_min", "scale_max", "anchors", "level", "order", "active")
# Error messages list at most this many offending points, so a huge input gets a short answer.
LISTED_POINTS = 10


def criterion_create(*, client: Client, actor: AbstractBaseUser | None = None, **fields: Any) -> Criterion:
    """Add a criterion to the client's rubric; audited as `criterion.created`."""
    _editable(fields)
    criterion = Criterion(client=client, **fields)
    _validate(criterion)
    with _database_refusal_as_validation_error():
        criterion.save()
        audit_record(action="criterion.created", actor=actor, client=client, target=f"criterion:{criterion.id}",
                     after=_audited(criterion, EDITABLE_FIELDS))
    return criterion


def criterion_update(
    *, criterion: Criterion, data: dict[str, Any], actor: AbstractBaseUser | None = None
) -> Criterion:
    """Change a criterion; its scale is frozen once scores exist, so old labels keep their meaning.

    What changed is audited as `criterion.changed`, with the values before and after.
    """
    _editable(data)
    stored = _audited(criterion, EDITABLE_FIELDS)
    with _database_refusal_as_validation_error():
        scale_changes = {"scale_min", "scale_max"} & {
            name for name in data if data[name] != getattr(criterion, name)
        }
        if scale_changes and criterion.scores.exists():
            raise ValidationError(
                {name: ["The scale cannot change once ratings use it; add a new criterion."] for name in scale_changes}
            )
        for name in EDITABLE_FIELDS:
            if name in data:
                setattr(criterion, name, data[name])
        _validate(criterion)
        criterion.save()
        before, after = audit_changes(stored, _audited(criterion, EDITABLE_FIELDS))
        if after:
            audit_record(action="criterion.changed", actor=actor, client=criterion.client,
                         target=f"criterion:{criterion.id}", before=before, after=after)
    return criterion


def criterion_move(*, criterion: Criterion, direction: str, actor: AbstractBaseUser | None = None) -> Criterion:
    """Swap a criterion with its neighbour above ("up") or below ("down") in the rubric's order.

    The client's criteria are locked and numbered 0..n-1 first, so equal or sparse `order` values
    (the API lets a manager set any) still move one step; at either end nothing changes.
    """
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Must be up or down."]})
    with transaction.atomic():
        locked = Criterion.objects.select_for_update().filter(client_id=criterion.client_id)
        rubric = list(locked.order_by("order", "id"))
        ids = [c.id for c in rubric]
        index = ids.index(criterion.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rubric):
            return criterion
        rubric[index], rubric[other] = rubric[other], rubric[index]
        before = {"order": ids}
        for position, item in enumerate(rubric):
            item.order = position
        Criterion.objects.bulk_update(rubric, ["order"])
        audit_record(action="criterion.moved", actor=actor, client=criterion.client, target=f"criterion:{criterion.id}",
                     before=before, after={"order": [c.id for c in rubric]})
    return next(c for c in rubric if c.id == criterion.id)


@contextmanager
def _database_refusal_as_validation_error():
    """A transaction whose constraint failures (also the deferred ones, checked at commit) are a 400.

    full_clean() has checked everything already; this catches only what changed in between.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError(
            "Another change to this rubric got there first (the name was taken, or ratings now use "
            "the scale); reload and try again."
        ) from exc


def _audited(criterion: Criterion, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(criterion, name) for name in names}


def _editable(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not an editable field of a criterion."] for name in unknown})


def _validate(criterion: Criterion) -> None:
    criterion.full_clean()
    criterion.anchors = _normalised_anchors(criterion)


def _normalised_anchors(criterion: Criterion) -> dict[str, str]:
    anchors = criterion.anchors
    if not isinstance(anchors, dict):
        raise ValidationError({"anchors": ["anchors must be an object of scale point to text."]})
    points = {str(point) for point in range(criterion.scale_min, criterion.scale_max + 1)}
    unknown = sorted(set(map(str, anchors)) - points, key=_as_int)
    if unknown:
        raise ValidationError({"anchors": [
            f"Points outside the scale {criterion.scale_min}..{criterion.scale_max}: {_listed(unknown)}."
        ]})
    if criterion.scale_max - criterion.scale_min + 1 <= ANCHOR_EVERY_POINT_UP_TO:
        required = points
    else:
        required = {str(criterion.scale_min), str(criterion.scale_max)}
    missing = sorted(required - {str(k) for k, v in anchors.items() if str(v).strip()}, key=_as_int)
    if missing:
        raise ValidationError({"anchors": [f"Anchor text is missing for: {_listed(missing)}."]})
    return {str(k): str(v).strip() for k, v in sorted(anchors.items(), key=lambda kv: _as_int(kv[0]))}


def _listed(points: Iterable[str]) -> str:
    """The first few points, each short and ASCII-escaped (a key may hold any character)."""
    points = list(points)
    shown = ", ".join(ascii(point[:20])[1:-1] for point in points[:LISTED_POINTS])
    return shown + (f" and {len(points) - LISTED_POINTS} more" if len(points) > LISTED_POINTS else "")


def _as_int(point: str) -> int:
    try:
        return int(point)
    except (TypeError, ValueError):
        return 10**9
