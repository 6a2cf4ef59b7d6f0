"""Tenancy services: settings and memberships validate before they write (ValidationError, never IntegrityError)."""
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from feedback.errors import NotFound
from feedback.models import AuditEvent, Client, Membership
from feedback.services.tenancy import (
    client_create,
    client_settings_update,
    membership_add,
    membership_remove,
    membership_role_change,
    membership_set,
)
from tests.factories import ClientFactory, MembershipFactory, UserFactory

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


def test_client_create_is_audited_with_its_actor_once():
    admin = UserFactory(is_superuser=True)
    client, created = client_create(slug="acme", name="Acme", actor=admin)
    again, created_again = client_create(slug="acme", name="Other", actor=admin)
    assert (created, created_again, again) == (True, False, client)
    event = AuditEvent.objects.get(action="client.created")
    assert (event.actor, event.client, event.after) == (admin, client, {"slug": "acme", "name": "Acme"})


def test_membership_add_finds_an_existing_user_by_username(tenant):
    maya = UserFactory(username="maya")
    membership = membership_add(client=tenant["client"], person="maya", role="rater", actor=tenant["manager"])
    assert (membership.user, membership.role) == (maya, "rater")
    event = AuditEvent.objects.get(action="membership.added")
    assert (event.actor, event.target, event.after) == (tenant["manager"], "user:maya", {"role": "rater"})


def test_membership_add_finds_an_existing_user_by_email_whatever_its_case(tenant):
    jonas = UserFactory(username="jonas", email="Jonas@Example.com")
    membership = membership_add(client=tenant["client"], person="jonas@example.COM", role="reviewer",
                                actor=tenant["manager"])
    assert membership.user == jonas


def test_membership_add_says_when_nobody_has_that_username_or_email_and_creates_no_one(tenant):
    users = get_user_model().objects.count()
    with pytest.raises(ValidationError) as caught:
        membership_add(client=tenant["client"], person="nobody@example.com", role="rater", actor=tenant["manager"])
    assert "No account has the username or email 'nobody@example.com'" in caught.value.message_dict["person"][0]
    assert get_user_model().objects.count() == users


def test_membership_add_refuses_an_email_shared_by_two_accounts(tenant):
    UserFactory(username="a1", email="shared@example.com")
    UserFactory(username="a2", email="shared@example.com")
    with pytest.raises(ValidationError) as caught:
        membership_add(client=tenant["client"], person="shared@example.com", role="rater", actor=tenant["manager"])
    assert "username instead" in caught.value.message_dict["person"][0]


def test_membership_add_refuses_someone_who_already_belongs(tenant):
    with pytest.raises(ValidationError) as caught:
        membership_add(client=tenant["client"], person=tenant["rater"].username, role="manager",
                       actor=tenant["manager"])
    assert "already belongs" in caught.value.message_dict["person"][0]
    assert Membership.objects.get(client=tenant["client"], user=tenant["rater"]).role == "rater"


def test_membership_role_change_is_audited_with_before_and_after(tenant):
    membership_role_change(client=tenant["client"], user_id=tenant["rater"].id, role="reviewer",
                           actor=tenant["manager"])
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.before, event.after) == ({"role": "rater"}, {"role": "reviewer"})


def test_the_last_manager_cannot_be_demoted(tenant):
    with pytest.raises(ValidationError) as caught:
        membership_role_change(client=tenant["client"], user_id=tenant["manager"].id, role="rater",
                               actor=tenant["manager"])
    assert "last manager" in caught.value.message_dict["role"][0]
    assert Membership.objects.get(client=tenant["client"], user=tenant["manager"]).role == "manager"


def test_a_manager_may_be_demoted_when_another_manager_remains(tenant):
    MembershipFactory(client=tenant["client"], role="manager")
    membership = membership_role_change(client=tenant["client"], user_id=tenant["manager"].id, role="rater",
                                        actor=tenant["manager"])
    assert membership.role == "rater"


def test_membership_remove_deletes_the_membership_keeps_the_user_and_is_audited(tenant):
    membership_remove(client=tenant["client"], user_id=tenant["rater"].id, actor=tenant["manager"])
    assert not Membership.objects.filter(client=tenant["client"], user=tenant["rater"]).exists()
    assert get_user_model().objects.filter(id=tenant["rater"].id).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.target, event.before) == (f"user:{tenant['rater'].username}", {"role": "rater"})


def test_the_last_manager_cannot_be_removed_not_even_by_themselves(tenant):
    with pytest.raises(ValidationError) as caught:
        membership_remove(client=tenant["client"], user_id=tenant["manager"].id, actor=tenant["manager"])
    assert "last manager" in caught.value.message_dict["user"][0]
    assert Membership.objects.filter(client=tenant["client"], user=tenant["manager"]).exists()


def test_removing_someone_of_another_client_is_not_found(tenant):
    stranger = MembershipFactory(client=ClientFactory()).user
    with pytest.raises(NotFound):
        membership_remove(client=tenant["client"], user_id=stranger.id, actor=tenant["manager"])
