"""Logins: the caller's address, the lockout answer (429 with Retry-After), and the audit of logins.

django-axes counts failed logins per username and per address in the shared cache and refuses a
locked one before its password is checked (settings: AXES_*). This module is what the project adds:
which address a request comes from behind the proxies, the answer a locked-out caller gets (JSON
on the API, a page elsewhere), audit events for failed and locked logins, and revoking a user's
API tokens when they log out.
"""
from axes.helpers import get_cache, get_client_cache_keys, get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from feedback.api.authentication import client_ip, lockout_message, lockout_seconds
from feedback.services.audit import audit_record
from feedback.services.tokens import api_tokens_revoke_for_user

MAX_USERNAME_IN_AUDIT = 150


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers a locked-out login with: 429 and Retry-After, as JSON on the API."""
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the API's token view answered already, in the API's own shape
    seconds = lockout_seconds(request)
    message = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@receiver(user_login_failed, dispatch_uid="tastemaker-audit-login-failed")
def audit_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """A failed login is audited; a lock once per locked username or address per cool-off (`login.locked`).

    Attempts while locked write nothing more, so a guessing run from many addresses at one account
    adds one row, not one per guess. (django-axes' own receiver runs first, being installed first:
    it has counted this failure and marked the request if it is locked.)
    """
    username = str(credentials.get("username", ""))[:MAX_USERNAME_IN_AUDIT]
    ip = client_ip(request) if request is not None else None
    path = request.path[:200] if request is not None else ""
    if request is None or not getattr(request, "axes_locked_out", False):
        audit_record(action="login.failed", actor_name=username, target=f"user:{username}", ip=ip,
                     after={"path": path})
        return
    locked = _newly_locked(request, credentials)
    if locked:
        failures = getattr(request, "axes_failures_since_start", None)
        audit_record(action="login.locked", actor_name=username, target=f"user:{username}", ip=ip,
                     after={"path": path, "locked": locked, "failures": failures})


def _newly_locked(request: HttpRequest, credentials: dict) -> list[str]:
    """Which of this request's counters (username, address) are locked and not yet audited in this cool-off."""
    limit = get_failure_limit(request, credentials)
    names = ["username" if parameter == "username" else "address" for parameter in settings.AXES_LOCKOUT_PARAMETERS]
    locked = []
    for name, key in zip(names, get_client_cache_keys(request, credentials), strict=True):
        if get_cache().get(key, 0) >= limit and cache.add(
            f"login-locked-audited:{key}", 1, timeout=max(1, lockout_seconds(request))
        ):
            locked.append(name)
    return locked


@receiver(user_logged_out, dispatch_uid="tastemaker-revoke-tokens-on-logout")
def revoke_tokens_on_logout(sender, request: HttpRequest, user, **kwargs) -> None:
    """Logging out of the site ends the user's API tokens too."""
    if user is not None:
        api_tokens_revoke_for_user(user=user, ip=client_ip(request) if request is not None else None)
