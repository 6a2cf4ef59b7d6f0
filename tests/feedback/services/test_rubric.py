"""Rubric service: bad criteria are ValidationErrors with short messages, never database errors."""
import pytest
from django.core.exceptions import ValidationError

from feedback.models import Criterion
from feedback.services.rubric import criterion_create, criterion_update

pytestmark = pytest.mark.django_db

ANCHORS = {str(p): f"point {p}" for p in range(1, 6)}


def test_a_field_that_is_not_editable_is_refused(tenant):
    with pytest.raises(ValidationError) as caught:
        criterion_update(criterion=tenant["criteria"][0], data={"client_id": 999})
    assert "client_id" in caught.value.message_dict


def test_a_scale_wider_than_101_points_is_a_validation_error(tenant):
    with pytest.raises(ValidationError):
        criterion_create(client=tenant["client"], name="wide", question="?", scale_min=0, scale_max=500,
                         anchors={"0": "low", "500": "high"})
    assert not Criterion.objects.filter(name="wide").exists()


def test_thousands_of_unknown_anchor_points_get_a_short_message(tenant):
    anchors = {**ANCHORS, **{f"p{i}\ud800": "x" for i in range(5000)}}
    with pytest.raises(ValidationError) as caught:
        criterion_create(client=tenant["client"], name="fit", question="?", anchors=anchors)
    message = caught.value.message_dict["anchors"][0]
    assert len(message) < 400 and "and 4990 more" in message and "\\ud800" in message
