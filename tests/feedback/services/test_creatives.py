"""Creative edits and archiving through the services: what changes, and what the audit log says."""
import pytest

from feedback.models import AuditEvent
from feedback.services.creatives import creative_archive, creative_unarchive, creative_update
from tests.factories import CreativeFactory

pytestmark = pytest.mark.django_db


def _events(creative):
    return list(AuditEvent.objects.filter(target=f"creative:{creative.id}").order_by("id"))


def test_an_edit_is_audited_with_only_the_changed_fields(tenant):
    creative = CreativeFactory(client=tenant["client"], headline="Old", body="Same")
    creative_update(creative=creative, data={"headline": "New", "body": "Same"}, actor=tenant["manager"])
    (event,) = _events(creative)
    assert (event.action, event.actor, event.client) == ("creative.updated", tenant["manager"], tenant["client"])
    assert (event.before, event.after) == ({"headline": "Old"}, {"headline": "New"})


def test_an_edit_that_changes_nothing_writes_no_audit_row(tenant):
    creative = CreativeFactory(client=tenant["client"], headline="Same")
    creative_update(creative=creative, data={"headline": "Same"}, actor=tenant["manager"])
    assert _events(creative) == []


def test_metadata_edit_sets_the_columns_and_is_audited(tenant):
    creative = CreativeFactory(client=tenant["client"])
    metadata = {"campaign": "spring", "tags": ["a"], "brand": "Acme"}
    creative_update(creative=creative, data={"metadata": metadata}, actor=tenant["manager"])
    creative.refresh_from_db()
    assert (creative.campaign, creative.tags, creative.metadata["brand"]) == ("spring", ["a"], "Acme")
    assert set(_events(creative)[0].after) == {"campaign", "tags", "metadata"}


def test_archive_then_unarchive_are_both_audited(tenant):
    creative = CreativeFactory(client=tenant["client"])
    creative_archive(creative=creative, actor=tenant["manager"])
    creative_unarchive(creative=creative, actor=tenant["manager"])
    creative.refresh_from_db()
    assert not creative.archived
    assert [(e.action, e.after) for e in _events(creative)] == [
        ("creative.archived", {"archived": True}), ("creative.unarchived", {"archived": False}),
    ]


def test_an_upsert_that_loses_the_race_to_create_updates_the_winners_row(tenant, png_bytes, monkeypatch):
    from feedback.services import creatives as service
    from feedback.services.creatives import CreativeInput, creative_upsert

    winner = CreativeFactory(client=tenant["client"], external_id="a", headline="first")
    real_lookup = service._existing_for_update
    calls = []

    def lookup_before_the_winner_committed(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(service, "_existing_for_update", lookup_before_the_winner_committed)
    result = creative_upsert(client=tenant["client"], data=CreativeInput(external_id="a", headline="second",
                                                                        image=png_bytes()))
    assert (result.creative.id, result.created, result.creative.headline) == (winner.id, False, "second")
    assert len(calls) == 2
