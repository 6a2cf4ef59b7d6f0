"""A manager promotes a held-back version with a reason: it becomes active, and the audit log says why."""
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from feedback.errors import Conflict
from feedback.models import AuditEvent
from training.models import ModelVersion
from training.services.execute import training_run_execute
from training.services.overrides import model_version_override
from training.services.runs import training_run_request

REASON = "Brand fit matters less this quarter; the campaign needs the better CTA model."


def _train(client):
    run = training_run_request(client=client, requested_by=None, trigger="manual")
    return training_run_execute(run_id=run.id)


@pytest.fixture
def held_back(labelled, settings):
    """v1 promoted; v2 trained with a margin no model can meet, so the rule holds it back."""
    assert _train(labelled["client"]).outcome == "promoted"
    settings.TASTEMAKER_PROMOTION_MARGIN = 100.0
    assert _train(labelled["client"]).outcome == "kept_active"
    return {**labelled, "v2": ModelVersion.objects.get(client=labelled["client"], version=2)}


def test_override_makes_the_held_back_version_the_only_active_one(held_back):
    model_version_override(version=held_back["v2"], actor=held_back["manager"], reason=REASON)
    active = ModelVersion.objects.get(client=held_back["client"], is_active=True)
    assert active.version == 2 and active.promoted and active.override_reason == REASON
    assert active.overridden_by == held_back["manager"] and active.overridden_at is not None


def test_override_is_audited_with_who_the_reason_and_the_previous_version(held_back):
    model_version_override(version=held_back["v2"], actor=held_back["manager"], reason=REASON)
    event = AuditEvent.objects.get(action="model.override")
    assert event.actor == held_back["manager"] and event.client == held_back["client"]
    assert event.before["active_version"] == 1 and event.after["reason"] == REASON
    assert "does not beat" in event.after["held_back_because"]


def test_override_without_a_reason_is_refused_naming_the_field(held_back):
    with pytest.raises(ValidationError) as caught:
        model_version_override(version=held_back["v2"], actor=held_back["manager"], reason="  ok ")
    assert "reason" in caught.value.message_dict
    assert ModelVersion.objects.get(client=held_back["client"], is_active=True).version == 1


def test_a_promoted_version_cannot_be_overridden(held_back):
    v1 = ModelVersion.objects.get(client=held_back["client"], version=1)
    with pytest.raises(Conflict):
        model_version_override(version=v1, actor=held_back["manager"], reason=REASON)


def test_a_version_whose_file_is_missing_cannot_be_promoted(held_back):
    default_storage.delete(held_back["v2"].artifact)
    with pytest.raises(Conflict):
        model_version_override(version=held_back["v2"], actor=held_back["manager"], reason=REASON)
    assert not AuditEvent.objects.filter(action="model.override").exists()
