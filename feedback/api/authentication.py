"""Who is calling: API tokens (`Authorization: Token <key>`, feedback.models.ApiToken) and the caller's address.

`client_ip` is also django-axes' (AXES_CLIENT_IP_CALLABLE): logins are counted per address with it.
"""
import ipaddress
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from feedback.errors import Unauthenticated
from feedback.services.tokens import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing (keyword `Token`), with expiring, revocable tokens stored as digests."""

    def authenticate(self, request):
        self._ip = client_ip(request)
        # On a client-scoped URL the token's query also reads the caller's membership there
        # (ClientScopedMixin takes it from request.auth instead of asking again).
        kwargs = (getattr(request, "parser_context", None) or {}).get("kwargs") or {}
        self._client_slug = kwargs.get("client_slug")
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        try:
            token = api_token_authenticate(
                key=key, ip=getattr(self, "_ip", None), client_slug=getattr(self, "_client_slug", None)
            )
        except Unauthenticated as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return token.user, token


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or with TASTEMAKER_TRUSTED_PROXIES = n the n-th X-Forwarded-For
    entry from the right (the one the outermost trusted proxy appended; entries left of it are the caller's
    to invent). None when that is not an IP address."""
    meta = request.META
    proxies = settings.TASTEMAKER_TRUSTED_PROXIES
    candidate = meta.get("REMOTE_ADDR", "")
    if proxies > 0:
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def lockout_seconds(request: HttpRequest | None = None) -> int:
    """How long a locked-out caller waits: every refused attempt starts the cool-off again."""
    return int((get_cool_off(request) or timedelta()).total_seconds())


def lockout_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"Too many failed logins for this account or from this address: try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}."
    )
