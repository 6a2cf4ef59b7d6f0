"""Tenancy services: settings and memberships validate before they write (ValidationError, never IntegrityError)."""
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from feedback.models import AuditEvent, Client, Membership
from feedback.services.tenancy import client_create, client_settings_update, membership_set
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_settings_update_saves_values_in_range(tenant):
    client = client_settings_update(client=tenant["client"], actor=tenant["manager"], overlap=4, lease_seconds=600)
    assert Client.objects.values_list("overlap", "lease_seconds").get(id=client.id) == (4, 600)


def test_a_settings_change_is_audited_with_its_actor_and_only_the_changed_values(tenant):
    client_settings_update(client=tenant["client"], actor=tenant["manager"], overlap=4, lease_seconds=120)
    event = AuditEvent.objects.get(action="client.settings_changed")
    assert (event.actor, event.client, event.before, event.after) == (
        tenant["manager"], tenant["client"], {"overlap": 3}, {"overlap": 4}
    )


def test_settings_update_names_the_field_and_range_and_saves_nothing(tenant):
    with pytest.raises(ValidationError) as caught:
        client_settings_update(client=tenant["client"], actor=tenant["manager"], overlap=0, lease_seconds=600)
    assert caught.value.message_dict == {"overlap": ["Must be between 1 and 20."]}
    assert Client.objects.values_list("overlap", "lease_seconds").get(id=tenant["client"].id) == (3, 120)


def test_settings_update_refuses_nan(tenant):
    with pytest.raises(ValidationError) as caught:
        client_settings_update(client=tenant["client"], actor=tenant["manager"], gold_rate=float("nan"))
    assert "gold_rate" in caught.value.message_dict


def test_settings_update_refuses_a_field_that_is_not_a_setting(tenant):
    with pytest.raises(ValidationError) as caught:
        client_settings_update(client=tenant["client"], actor=tenant["manager"], slug="renamed")
    assert "slug" in caught.value.message_dict


def test_client_create_with_a_bad_setting_is_a_validation_error_and_creates_nothing():
    with pytest.raises(ValidationError):
        client_create(slug="acme", name="Acme", overlap=0)
    assert not Client.objects.filter(slug="acme").exists()


def test_membership_with_an_unknown_role_is_a_validation_error_and_creates_no_user():
    client = ClientFactory()
    with pytest.raises(ValidationError) as caught:
        membership_set(client=client, username="maya", role="owner")
    assert "role" in caught.value.message_dict
    assert not get_user_model().objects.filter(username="maya").exists()


def test_membership_for_an_invalid_username_is_a_validation_error():
    with pytest.raises(ValidationError) as caught:
        membership_set(client=ClientFactory(), username="no spaces/allowed" + "x" * 200, role="rater")
    assert "username" in caught.value.message_dict
    assert not Membership.objects.exists()


def test_adding_a_member_and_changing_their_role_are_audited():
    client, admin = ClientFactory(), UserFactory(username="agency-admin")
    membership_set(client=client, username="maya", role="rater", actor=admin, ip="10.0.0.9")
    membership_set(client=client, username="maya", role="manager", actor=admin)
    membership_set(client=client, username="maya", role="manager", actor=admin)  # no change, no event
    events = list(AuditEvent.objects.filter(client=client).order_by("id").values_list("action", "before", "after"))
    assert events == [
        ("membership.added", {}, {"role": "rater"}),
        ("membership.role_changed", {"role": "rater"}, {"role": "manager"}),
    ]
