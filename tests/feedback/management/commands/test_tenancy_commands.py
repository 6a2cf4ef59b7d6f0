"""create_client and add_member: what agency admins run from the command line."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from feedback.models import Client, Membership

pytestmark = pytest.mark.django_db


def test_create_client_twice_creates_one():
    call_command("create_client", "acme", "--name", "Acme Coffee")
    call_command("create_client", "acme", "--name", "Acme Coffee")
    assert Client.objects.filter(slug="acme").count() == 1


def test_add_member_creates_the_user_with_a_working_password():
    call_command("create_client", "acme", "--name", "Acme")
    call_command("add_member", "acme", "maya", "rater", "--password", "a-long-password")
    user = get_user_model().objects.get(username="maya")
    assert user.check_password("a-long-password")
    assert Membership.objects.get(user=user).role == "rater"


def test_add_member_again_changes_the_role_without_a_second_membership():
    call_command("create_client", "acme", "--name", "Acme")
    call_command("add_member", "acme", "maya", "rater")
    call_command("add_member", "acme", "maya", "manager")
    assert list(Membership.objects.values_list("role", flat=True)) == ["manager"]


def test_add_member_to_unknown_client_is_a_clear_error():
    with pytest.raises(CommandError, match="No client"):
        call_command("add_member", "nope", "maya", "rater")


def test_unknown_role_is_refused():
    call_command("create_client", "acme", "--name", "Acme")
    with pytest.raises(CommandError):
        call_command("add_member", "acme", "maya", "owner")


def test_create_client_with_an_out_of_range_setting_is_a_clear_error():
    with pytest.raises(CommandError, match="between 1 and 20"):
        call_command("create_client", "acme", "--name", "Acme", "--overlap", "0")
    assert not Client.objects.filter(slug="acme").exists()


def test_add_member_with_an_invalid_username_is_a_clear_error():
    call_command("create_client", "acme", "--name", "Acme")
    with pytest.raises(CommandError, match="username"):
        call_command("add_member", "acme", "not a valid name!", "rater")
