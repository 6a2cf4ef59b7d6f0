"""The login page: locked after repeated failures (429, Retry-After, a page saying why), audited."""
import pytest
from django.test import Client as HttpClient

from feedback.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _post(username, password, address="10.7.0.1"):
    return HttpClient(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def test_a_wrong_password_shows_the_form_again_and_is_audited(db):
    user = UserFactory()
    assert _post(user.username, "wrong").status_code == 200
    assert AuditEvent.objects.filter(action="login.failed", actor_name=user.username).exists()


def test_the_login_page_locks_after_the_failure_limit(settings):
    user = UserFactory()
    codes = [_post(user.username, f"guess-{i}").status_code for i in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[-1] == 429 and set(codes[:-1]) == {200}
    locked = _post(user.username, PASSWORD, address="10.7.0.2")
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert "Too many failed logins" in locked.content.decode()


def test_the_right_password_logs_in_below_the_limit(settings):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(user.username, f"guess-{i}")
    assert _post(user.username, PASSWORD).status_code == 302


def test_failures_on_the_page_and_the_api_count_together(settings):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post(user.username, f"guess-{i}", address=f"10.8.0.{i}")
    api = HttpClient(REMOTE_ADDR="10.8.1.1").post(
        "/api/v1/auth/token/", {"username": user.username, "password": "one-more-guess"}
    )
    assert api.status_code == 429


def test_the_admin_login_is_locked_too(settings):
    user = UserFactory(is_staff=True)
    for i in range(settings.AXES_FAILURE_LIMIT):
        HttpClient(REMOTE_ADDR="10.9.0.1").post("/admin/login/", {"username": user.username, "password": f"g{i}"})
    response = HttpClient(REMOTE_ADDR="10.9.0.2").post(
        "/admin/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429
