"""Rubric service: bad criteria are ValidationErrors with short messages, never database errors."""
import pytest
from django.core.exceptions import ValidationError

from feedback.models import AuditEvent, Criterion
from feedback.services.rubric import criterion_create, criterion_move, criterion_update
from tests.factories import CriterionFactory

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


def _names(client):
    return list(Criterion.objects.filter(client=client).order_by("order", "id").values_list("name", flat=True))


def test_criterion_move_up_swaps_it_with_the_one_above(tenant):
    first, second = tenant["criteria"]
    criterion_move(criterion=second, direction="up", actor=tenant["manager"])
    assert _names(tenant["client"]) == [second.name, first.name]


def test_criterion_move_steps_once_even_when_orders_are_equal(tenant):
    third = CriterionFactory(client=tenant["client"], order=0)
    Criterion.objects.filter(client=tenant["client"]).update(order=7)
    criterion_move(criterion=third, direction="up")
    assert _names(tenant["client"]) == [tenant["criteria"][0].name, third.name, tenant["criteria"][1].name]


def test_criterion_move_past_the_end_changes_nothing(tenant):
    before = _names(tenant["client"])
    criterion_move(criterion=tenant["criteria"][0], direction="up")
    assert _names(tenant["client"]) == before
    assert not AuditEvent.objects.filter(action="criterion.moved").exists()


def test_criterion_move_refuses_an_unknown_direction(tenant):
    with pytest.raises(ValidationError) as caught:
        criterion_move(criterion=tenant["criteria"][0], direction="sideways")
    assert "direction" in caught.value.message_dict


def test_criterion_move_is_audited_with_the_order_before_and_after(tenant):
    first, second = tenant["criteria"]
    criterion_move(criterion=first, direction="down", actor=tenant["manager"])
    event = AuditEvent.objects.get(action="criterion.moved")
    assert (event.actor, event.before, event.after) == (
        tenant["manager"], {"order": [first.id, second.id]}, {"order": [second.id, first.id]}
    )


def test_a_criterion_change_is_audited_with_only_what_changed(tenant):
    criterion = tenant["criteria"][0]
    criterion_update(criterion=criterion, data={"active": False, "question": criterion.question},
                     actor=tenant["manager"])
    event = AuditEvent.objects.get(action="criterion.changed")
    assert (event.actor, event.before, event.after) == (tenant["manager"], {"active": True}, {"active": False})


def test_a_new_criterion_is_audited_with_its_anchors(tenant):
    criterion = criterion_create(client=tenant["client"], actor=tenant["manager"], name="clarity",
                                 question="Is it clear?", scale_min=1, scale_max=3,
                                 anchors={"1": "muddled", "2": "fair", "3": "crisp"})
    event = AuditEvent.objects.get(action="criterion.created")
    assert event.target == f"criterion:{criterion.id}"
    assert event.after["anchors"] == {"1": "muddled", "2": "fair", "3": "crisp"}
