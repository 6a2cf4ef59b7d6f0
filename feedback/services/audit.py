"""The audit log: one call records who did what to what, from where, with the values before and after."""
from django.contrib.auth.models import AbstractBaseUser

from feedback.models import AuditEvent, Client

MAX_VALUE_CHARS = 2000


def audit_record(
    *, action: str, actor: AbstractBaseUser | None = None, client: Client | None = None, target: str = "",
    before: dict | None = None, after: dict | None = None, ip: str | None = None, actor_name: str = "",
) -> AuditEvent:
    """Add one event; values are stored as given, long strings cut so no event can be made huge."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        client=client, actor=actor if authenticated else None,
        actor_name=(actor_name or (actor.get_username() if authenticated else ""))[:150],
        action=action[:64], target=target[:200], before=_bounded(before or {}), after=_bounded(after or {}), ip=ip,
    )


def audit_changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after): what an audit row of an edit shows."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def _bounded(values: dict) -> dict:
    return {str(k)[:100]: (v[:MAX_VALUE_CHARS] if isinstance(v, str) else v) for k, v in list(values.items())[:50]}
