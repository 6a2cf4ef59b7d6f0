"""The API's login: a new expiring token per login, revoked on logout and on a password change,
and locked after repeated failures per username and per address (429 with Retry-After)."""
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.models import ApiToken, AuditEvent
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def _login(username, password=PASSWORD, address="10.1.0.1"):
    return APIClient(REMOTE_ADDR=address).post(TOKEN_URL, {"username": username, "password": password}, format="json")


def _as(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


@pytest.fixture
def member():
    return MembershipFactory(role="manager").user


def test_login_answers_a_token_and_when_it_expires(member, settings):
    body = _login(member.username).json()
    assert set(body) == {"token", "expires"} and len(body["token"]) >= 40
    assert _as(body["token"]).get("/api/v1/clients/").status_code == 200
    stored = ApiToken.objects.get(user=member)
    assert stored.expires_at - stored.created_at == timedelta(hours=settings.TASTEMAKER_TOKEN_TTL_HOURS)


def test_every_login_issues_a_new_token(member):
    assert _login(member.username).json()["token"] != _login(member.username).json()["token"]


def test_only_a_digest_of_the_token_is_stored(member):
    token = _login(member.username).json()["token"]
    stored = ApiToken.objects.get(user=member)
    assert token not in (stored.digest, stored.prefix) and stored.digest != "" and token.startswith(stored.prefix)


def test_an_expired_token_answers_401_saying_so(member):
    token = _login(member.username).json()["token"]
    ApiToken.objects.filter(user=member).update(created_at=timezone.now() - timedelta(days=3),
                                                expires_at=timezone.now() - timedelta(seconds=1))
    response = _as(token).get("/api/v1/clients/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_api_logout_revokes_the_token_it_carries_only(member):
    first, second = _login(member.username).json()["token"], _login(member.username).json()["token"]
    assert _as(first).post("/api/v1/auth/logout/").status_code == 204
    assert _as(first).get("/api/v1/clients/").status_code == 401
    assert _as(second).get("/api/v1/clients/").status_code == 200


def test_api_logout_with_all_revokes_every_token(member):
    first, second = _login(member.username).json()["token"], _login(member.username).json()["token"]
    assert _as(first).post("/api/v1/auth/logout/", {"all": True}, format="json").status_code == 204
    assert _as(second).get("/api/v1/clients/").status_code == 401


def test_logging_out_of_the_site_revokes_the_users_tokens(member):
    token = _login(member.username).json()["token"]
    browser = HttpClient()
    browser.force_login(member)
    browser.post("/logout/")
    assert _as(token).get("/api/v1/clients/").status_code == 401


def test_a_password_change_ends_every_older_token(member):
    token = _login(member.username).json()["token"]
    member.set_password("a-new-password-42")
    member.save()
    response = _as(token).get("/api/v1/clients/")
    assert response.status_code == 401 and "password_changed" in ApiToken.objects.get(user=member).revoked_reason
    assert _as(_login(member.username, "a-new-password-42").json()["token"]).get("/api/v1/clients/").status_code == 200


def test_using_a_revoked_token_is_audited_once_per_window(member):
    token = _login(member.username).json()["token"]
    _as(token).post("/api/v1/auth/logout/")
    for _ in range(3):
        assert _as(token).get("/api/v1/clients/").status_code == 401
    events = AuditEvent.objects.filter(action="token.revoked_use")
    assert events.count() == 1 and events.get().actor == member


def test_revoking_is_audited(member):
    token = _login(member.username).json()["token"]
    _as(token).post("/api/v1/auth/logout/")
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.actor == member and event.after == {"tokens": 1, "reason": "logout"}


def test_past_the_per_user_limit_the_oldest_token_is_replaced(member, settings):
    settings.TASTEMAKER_TOKENS_PER_USER = 2
    oldest = _login(member.username).json()["token"]
    _login(member.username)
    _login(member.username)
    response = _as(oldest).get("/api/v1/clients/")
    assert response.status_code == 401 and "replaced" in response.json()["detail"]


def test_an_unknown_token_answers_401(db):
    assert _as("not-a-token-at-all").get("/api/v1/clients/").status_code == 401


def test_wrong_credentials_answer_400_and_are_audited(member):
    response = _login(member.username, "wrong")
    assert response.status_code == 400 and response.json() == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    event = AuditEvent.objects.get(action="login.failed")
    assert (event.actor_name, event.ip, event.after["path"]) == (member.username, "10.1.0.1", TOKEN_URL)


def test_an_account_locks_after_the_failure_limit_from_any_address(member, settings):
    limit = settings.AXES_FAILURE_LIMIT
    codes = [_login(member.username, f"guess-{i}", address=f"10.2.0.{i}").status_code for i in range(limit)]
    assert codes == [400] * (limit - 1) + [429]
    refused = _login(member.username, address="10.3.0.1")  # the right password, from a fresh address
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME * 3600))
    assert "try again in 15 minutes" in refused.json()["detail"]


def test_an_address_locks_after_the_failure_limit_across_usernames(member, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(f"someone-{i}", "guess", address="10.4.0.1")
    assert _login(member.username, address="10.4.0.1").status_code == 429
    assert _login(member.username, address="10.4.0.2").status_code == 200


def test_a_lockout_is_audited_once(member, settings):
    for i in range(settings.AXES_FAILURE_LIMIT + 3):
        _login(member.username, f"guess-{i}")
    assert AuditEvent.objects.filter(action="login.failed").count() == settings.AXES_FAILURE_LIMIT - 1
    assert AuditEvent.objects.filter(action="login.locked").count() == 1


def test_an_admin_lifts_a_lock_with_axes_reset_username(member, settings):
    from django.core.management import call_command

    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(member.username, f"guess-{i}", address=f"10.5.0.{i}")
    call_command("axes_reset_username", member.username)
    assert _login(member.username, address="10.5.1.1").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(member, settings):
    settings.TASTEMAKER_TRUSTED_PROXIES = 1
    for i in range(settings.AXES_FAILURE_LIMIT):
        APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 10.6.0.{i}").post(
            TOKEN_URL, {"username": f"x{i}", "password": "guess"}, format="json"
        )
    # Ten callers behind one proxy: none of their addresses reached the limit.
    ok = APIClient(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.6.1.1").post(
        TOKEN_URL, {"username": member.username, "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    assert set(AuditEvent.objects.filter(action="login.failed").values_list("ip", flat=True)) == {
        f"10.6.0.{i}" for i in range(settings.AXES_FAILURE_LIMIT)
    }


def test_inactive_users_get_no_token(db):
    user = UserFactory(is_active=False)
    assert _login(user.username).status_code == 400


def test_a_guessing_run_from_many_addresses_is_audited_as_one_lock(member, settings):
    for i in range(settings.AXES_FAILURE_LIMIT + 20):
        _login(member.username, f"guess-{i}", address=f"10.11.{i // 200}.{i % 200}")
    locks = AuditEvent.objects.filter(action="login.locked")
    assert locks.count() == 1 and locks.get().after["locked"] == ["username"]


def _end_by_logout(member, token):
    _as(token).post("/api/v1/auth/logout/")


def _end_by_expiry(member, token):
    ApiToken.objects.filter(user=member).update(created_at=timezone.now() - timedelta(days=3),
                                                expires_at=timezone.now() - timedelta(seconds=1))


def _end_by_password_change(member, token):
    member.set_password("a-new-password-42")
    member.save()


def _end_by_deactivation(member, token):
    member.is_active = False
    member.save()


@pytest.mark.parametrize("end", [_end_by_logout, _end_by_expiry, _end_by_password_change, _end_by_deactivation])
def test_an_ended_token_answers_401_on_a_client_url_too(member, end):
    """Client-scoped URLs read the token together with the membership: the same checks hold."""
    slug = member.memberships.get().client.slug
    token = _login(member.username).json()["token"]
    assert _as(token).get(f"/api/v1/clients/{slug}/").status_code == 200
    end(member, token)
    assert _as(token).get(f"/api/v1/clients/{slug}/").status_code == 401


def test_an_agency_admin_who_is_also_a_rater_acts_as_a_manager(member):
    membership = member.memberships.get()
    membership.role = "rater"
    membership.save()
    member.is_superuser = True
    member.save()
    token = _login(member.username).json()["token"]
    response = _as(token).patch(f"/api/v1/clients/{membership.client.slug}/", {"overlap": 4}, format="json")
    assert response.status_code == 200
