"""The audit log records who did what to what, with bounded values, and lists per client."""
import pytest

from feedback.selectors import audit_event_list
from feedback.services.audit import audit_changes, audit_record
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_event_keeps_actor_target_values_and_address():
    client, actor = ClientFactory(), UserFactory(username="maya")
    event = audit_record(action="client.settings_changed", actor=actor, client=client, target=f"client:{client.slug}",
                         before={"overlap": 3}, after={"overlap": 5}, ip="10.0.0.7")
    event.refresh_from_db()
    assert (event.actor_name, event.before, event.after) == ("maya", {"overlap": 3}, {"overlap": 5})
    assert event.ip == "10.0.0.7"


def test_an_event_without_a_user_keeps_the_name_given():
    event = audit_record(action="login.failed", actor_name="nobody-like-this", ip="10.0.0.8")
    assert event.actor is None and event.actor_name == "nobody-like-this" and event.client is None


def test_values_are_bounded_so_no_event_can_be_made_huge():
    event = audit_record(action="x", after={f"k{i}": "v" * 10_000 for i in range(500)})
    assert len(event.after) == 50 and all(len(v) == 2000 for v in event.after.values())


def test_changes_keep_only_the_keys_that_differ():
    assert audit_changes({"overlap": 3, "gold_rate": 0.05}, {"overlap": 4, "gold_rate": 0.05}) == (
        {"overlap": 3}, {"overlap": 4}
    )


def test_a_clients_list_holds_only_its_own_events_newest_first():
    mine, theirs = ClientFactory(), ClientFactory()
    first = audit_record(action="a", client=mine)
    second = audit_record(action="b", client=mine)
    audit_record(action="c", client=theirs)
    assert list(audit_event_list(client=mine)) == [second, first]
