"""API tokens: issue one per login, authenticate a key, revoke on logout and on a password change.

Keys are 256-bit random strings shown once; the database keeps only their SHA-256 digest (a key
that long needs no slow hash), so a copy of the database holds no usable token. Each token stores
its user's session hash (`get_session_auth_hash()`, an HMAC of the password hash): when the
password changes, every older token stops working, on whichever path changed it (the admin,
`changepassword`, `set_password`), exactly as Django ends the user's sessions.
"""
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from feedback.errors import Unauthenticated
from feedback.models import ApiToken, Membership
from feedback.services.audit import audit_record

# A revoked token used again is audited at most once per this window, so replaying one cannot
# flood the audit log.
REVOKED_USE_AUDIT_WINDOW_S = 600
# last_used_at is written at most this often per token: no write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)
PREFIX_LENGTH = 6


def api_token_issue(*, user: AbstractBaseUser, ip: str | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` (a login); returns the row and the key, which is shown only now.

    Beyond TASTEMAKER_TOKENS_PER_USER live tokens, the oldest are revoked (reason "replaced").
    """
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, digest=_digest(key), prefix=key[:PREFIX_LENGTH], session_hash=user.get_session_auth_hash(),
            created_at=now, expires_at=now + timedelta(hours=settings.TASTEMAKER_TOKEN_TTL_HOURS), ip=ip,
            last_used_at=now,
        )
        live = _live(user=user, now=now).order_by("-created_at", "-id").values_list("id", flat=True)
        surplus = list(live[settings.TASTEMAKER_TOKENS_PER_USER:])
        if surplus:
            ApiToken.objects.filter(id__in=surplus).update(
                revoked_at=now, revoked_reason=ApiToken.RevokeReason.REPLACED
            )
    return token, key


def api_token_authenticate(*, key: str, ip: str | None = None, client_slug: str | None = None) -> ApiToken:
    """The live token with this key (its `user` loaded); Unauthenticated with the reason otherwise.

    With `client_slug` (a client-scoped URL), the caller's membership of that client and the client
    come in the same query and are kept on the token as `membership` (None when the query found no
    membership: a non-member or an agency admin, whom tenancy resolves as before).
    """
    digest = _digest(key)
    token = _token_with_membership(digest=digest, client_slug=client_slug) if client_slug else None
    if token is None:
        token = ApiToken.objects.select_related("user").filter(digest=digest).first()
        if token is not None:
            token.membership = None
    if token is None or not token.user.is_active:
        raise Unauthenticated("Invalid token.")
    now = timezone.now()
    if token.revoked_at is None and not constant_time_compare(token.session_hash, token.user.get_session_auth_hash()):
        _revoke(ApiToken.objects.filter(id=token.id), now=now, reason=ApiToken.RevokeReason.PASSWORD_CHANGED)
        token.revoked_at, token.revoked_reason = now, ApiToken.RevokeReason.PASSWORD_CHANGED
    if token.revoked_at is not None:
        _audit_revoked_use(token=token, ip=ip)
        raise Unauthenticated(f"This token was revoked ({token.get_revoked_reason_display()}); log in again.")
    if token.expires_at <= now:
        raise Unauthenticated("This token has expired; log in again for a new one.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token


_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]


def _token_with_membership(*, digest: str, client_slug: str) -> ApiToken | None:
    """One query: the membership (with its client and user) of the token's user in `client_slug`."""
    membership = (
        Membership.objects.select_related("client", "user")
        .filter(client__slug=client_slug, user__api_tokens__digest=digest)
        .annotate(**{f"token_{name}": F(f"user__api_tokens__{name}") for name in _TOKEN_FIELDS})
        .first()
    )
    if membership is None:
        return None
    token = ApiToken(**{name: getattr(membership, f"token_{name}") for name in _TOKEN_FIELDS})
    token._state.adding = False
    token.user = membership.user
    token.membership = membership
    return token


def api_token_revoke(*, token: ApiToken, actor: AbstractBaseUser, ip: str | None = None) -> None:
    """Revoke one token (API logout)."""
    revoked = _revoke(ApiToken.objects.filter(id=token.id), now=timezone.now(), reason=ApiToken.RevokeReason.LOGOUT)
    if revoked:
        audit_record(action="token.revoked", actor=actor, target=f"user:{token.user.get_username()}",
                     after={"tokens": revoked, "reason": ApiToken.RevokeReason.LOGOUT}, ip=ip)


def api_tokens_revoke_for_user(
    *, user: AbstractBaseUser, reason: str = ApiToken.RevokeReason.LOGOUT, actor: AbstractBaseUser | None = None,
    ip: str | None = None,
) -> int:
    """Revoke every live token of `user` (logout everywhere, an admin's revoke); returns how many."""
    now = timezone.now()
    revoked = _revoke(_live(user=user, now=now), now=now, reason=reason)
    if revoked:
        audit_record(action="token.revoked", actor=actor or user, target=f"user:{user.get_username()}",
                     after={"tokens": revoked, "reason": reason}, ip=ip)
    return revoked


def api_tokens_revoke_selected(*, token_ids: list[int], actor: AbstractBaseUser, ip: str | None = None) -> int:
    """An agency admin revokes these tokens (reason "admin"); one audit event per token owner."""
    now = timezone.now()
    tokens = ApiToken.objects.filter(id__in=token_ids, revoked_at__isnull=True).select_related("user")
    owners: dict[str, int] = {}
    for token in tokens:
        owners[token.user.get_username()] = owners.get(token.user.get_username(), 0) + 1
    revoked = _revoke(ApiToken.objects.filter(id__in=token_ids), now=now, reason=ApiToken.RevokeReason.ADMIN)
    for username, count in owners.items():
        audit_record(action="token.revoked", actor=actor, target=f"user:{username}",
                     after={"tokens": count, "reason": ApiToken.RevokeReason.ADMIN}, ip=ip)
    return revoked


def _live(*, user: AbstractBaseUser, now):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)


def _revoke(tokens, *, now, reason: str) -> int:
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_reason=reason)


def _audit_revoked_use(*, token: ApiToken, ip: str | None) -> None:
    if cache.add(f"token-revoked-use:{token.id}", 1, timeout=REVOKED_USE_AUDIT_WINDOW_S):
        audit_record(
            action="token.revoked_use", actor=token.user, target=f"token:{token.prefix}",
            after={"reason": token.revoked_reason, "revoked_at": token.revoked_at.isoformat()}, ip=ip,
        )


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
