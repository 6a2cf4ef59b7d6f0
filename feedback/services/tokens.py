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
from functools import cache as once

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from feedback.errors import Unauthenticated
from feedback.models import ApiToken, Client, Membership
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
    # The one-query join is PostgreSQL's (its driver gives typed values); SQLite (`make run`) hands raw
    # SQL back as text, so it takes the ORM's two reads and tenancy's own membership query.
    joined = client_slug and connection.vendor == "postgresql"
    token = _token_with_membership(digest=digest, client_slug=client_slug) if joined else None
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


def _token_with_membership(*, digest: str, client_slug: str) -> ApiToken | None:
    """One query: the token, its user, and the user's membership of `client_slug` with the client.

    Plain SQL built once from the four models' columns (the ORM's compile of this join cost more
    CPU than the rest of a rating); each row part becomes its model instance as the ORM would.
    """
    with connection.cursor() as cursor:
        cursor.execute(_membership_sql(), [client_slug, digest])
        row = cursor.fetchone()
    if row is None:
        return None
    parts, offset = {}, 0
    for alias, model in _JOINED:
        fields = model._meta.concrete_fields
        values = [
            f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
            for f, v in zip(fields, row[offset:offset + len(fields)], strict=True)
        ]
        parts[alias] = model.from_db(connection.alias, [f.attname for f in fields], values)
        offset += len(fields)
    membership, token = parts["m"], parts["t"]
    membership.client, membership.user = parts["c"], parts["u"]
    token.user, token.membership = parts["u"], membership
    return token


_JOINED = (("m", Membership), ("c", Client), ("u", get_user_model()), ("t", ApiToken))


@once
def _membership_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{quote(f.column)}" for alias, model in _JOINED for f in model._meta.concrete_fields
    )
    table = {alias: quote(model._meta.db_table) for alias, model in _JOINED}
    user_fk = quote(Membership._meta.get_field("user").column)
    client_fk = quote(Membership._meta.get_field("client").column)
    token_user = quote(ApiToken._meta.get_field("user").column)
    return (
        f"SELECT {columns} FROM {table['m']} m "  # noqa: S608 - names from the models, values are parameters
        f"JOIN {table['c']} c ON c.id = m.{client_fk} "
        f"JOIN {table['u']} u ON u.id = m.{user_fk} "
        f"JOIN {table['t']} t ON t.{token_user} = u.id "
        "WHERE c.slug = %s AND t.digest = %s"
    )


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
