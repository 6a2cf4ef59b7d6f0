"""Create and change the client's rubric; anchors are checked against the scale."""
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from feedback.models import Client, Criterion

# Every point needs an anchor up to this many points; wider scales (0..100) need their ends.
ANCHOR_EVERY_POINT_UP_TO = 11
EDITABLE_FIELDS = ("name", "question", "scale_min", "scale_max", "anchors", "level", "order", "active")


def criterion_create(*, client: Client, **fields: Any) -> Criterion:
    """Add a criterion to the client's rubric."""
    criterion = Criterion(client=client, **fields)
    _validate(criterion)
    criterion.save()
    return criterion


@transaction.atomic
def criterion_update(*, criterion: Criterion, data: dict[str, Any]) -> Criterion:
    """Change a criterion; its scale is frozen once scores exist, so old labels keep their meaning."""
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
    return criterion


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
        raise ValidationError({"anchors": [f"Points outside the scale: {', '.join(unknown)}."]})
    if criterion.scale_max - criterion.scale_min + 1 <= ANCHOR_EVERY_POINT_UP_TO:
        required = points
    else:
        required = {str(criterion.scale_min), str(criterion.scale_max)}
    missing = sorted(required - {str(k) for k, v in anchors.items() if str(v).strip()}, key=_as_int)
    if missing:
        raise ValidationError({"anchors": [f"Anchor text is missing for: {', '.join(missing)}."]})
    return {str(k): str(v).strip() for k, v in sorted(anchors.items(), key=lambda kv: _as_int(kv[0]))}


def _as_int(point: str) -> int:
    try:
        return int(point)
    except (TypeError, ValueError):
        return 10**9
