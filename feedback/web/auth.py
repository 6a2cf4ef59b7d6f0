"""Logins: the caller's address, the lockout answer (429 with Retry-After), and the audit of logins.

django-axes counts failed logins per username and per address in the shared cache and refuses a
locked one before its password is checked (settings: AXES_*). This module is what the project adds:
which address a request comes from behind the proxies, the answer a locked-out caller gets (JSON
on the API, a page elsewhere), audit events for failed and locked logins, and revoking a user's
API tokens when they log out.
"""
import hashlib

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
    """A failed login is audited; once locked, one `login.locked` per username and address per cool-off.

    (django-axes' own receiver runs first, being installed first, and marks a request it locks.)
    """
    username = str(credentials.get("username", ""))[:MAX_USERNAME_IN_AUDIT]
    ip = client_ip(request) if request is not None else None
    path = request.path[:200] if request is not None else ""
    if request is not None and getattr(request, "axes_locked_out", False):
        key = hashlib.sha256(f"{username}\n{ip}".encode("utf-8", "surrogatepass")).hexdigest()
        if cache.add(f"login-locked-audited:{key}", 1, timeout=max(1, lockout_seconds(request))):
            audit_record(action="login.locked", actor_name=username, target=f"user:{username}", ip=ip,
                         after={"path": path, "failures": getattr(request, "axes_failures_since_start", None)})
        return
    audit_record(action="login.failed", actor_name=username, target=f"user:{username}", ip=ip, after={"path": path})


@receiver(user_logged_out, dispatch_uid="tastemaker-revoke-tokens-on-logout")
def revoke_tokens_on_logout(sender, request: HttpRequest, user, **kwargs) -> None:
    """Logging out of the site ends the user's API tokens too."""
    if user is not None:
        api_tokens_revoke_for_user(user=user, ip=client_ip(request) if request is not None else None)
