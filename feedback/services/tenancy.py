"""Create clients, change their settings, and manage who belongs to them.

Every write here validates with `full_clean()` first, so a bad value is a ValidationError naming
its field (400 at the API), never a database CHECK failing (500).
"""
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.models import CLIENT_SETTING_RANGES, Client, Membership
from feedback.services.audit import audit_changes, audit_record

CLIENT_SETTINGS = tuple(CLIENT_SETTING_RANGES)


def client_create(*, slug: str, name: str, **settings: Any) -> tuple[Client, bool]:
    """Create a client, or return the existing one with that slug (idempotent)."""
    _known_settings(settings)
    existing = Client.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    client = Client(slug=slug, name=name, **settings)
    client.full_clean()
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        # Another process created the same slug between the look-up and the insert.
        return Client.objects.get(slug=slug), False
    return client, True


@transaction.atomic
def client_settings_update(*, client: Client, actor: AbstractBaseUser, **fields: Any) -> Client:
    """Change some of a client's settings (overlap, rates, lease, retrain threshold); returns the saved client.

    The row is locked while it is checked, so two managers changing repeat_rate and gold_rate at the
    same time cannot together pass their combined limit. A change is audited with its actor.
    """
    _known_settings(fields)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    stored = {name: getattr(locked, name) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()  # also turns the values into their field's type
    before, after = audit_changes(stored, {name: getattr(locked, name) for name in fields})
    if after:
        locked.save(update_fields=list(after))
        audit_record(action="client.settings_changed", actor=actor, client=locked, target=f"client:{locked.slug}",
                     before=before, after=after)
    return locked


@transaction.atomic
def membership_set(
    *, client: Client, username: str, role: str, password: str | None = None, email: str = "",
    actor: AbstractBaseUser | None = None, ip: str | None = None,
) -> tuple[Membership, bool]:
    """Give `username` the `role` in `client`, creating the user when missing (idempotent).

    A new membership is audited as `membership.added`, a changed role as `membership.role_changed`.
    """
    user = _user_get_or_create(username=username, email=email)
    # Field checks only: whether the membership exists already is what update_or_create settles.
    Membership(user=user, client=client, role=role).full_clean(validate_unique=False, validate_constraints=False)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    previous = Membership.objects.select_for_update().filter(user=user, client=client).values_list("role", flat=True)
    before = previous.first()
    membership, created = Membership.objects.update_or_create(user=user, client=client, defaults={"role": role})
    membership_change_record(membership=membership, previous_role=before, actor=actor, ip=ip)
    return membership, created


def membership_change_record(
    *, membership: Membership, previous_role: str | None, actor: AbstractBaseUser | None = None,
    ip: str | None = None,
) -> None:
    """Audit a membership that was added (`previous_role` None) or whose role changed; nothing otherwise.

    For writes that do not go through `membership_set`, such as the Django admin's forms.
    """
    if previous_role == membership.role:
        return
    target = f"user:{membership.user.get_username()}"
    if previous_role is None:
        audit_record(action="membership.added", actor=actor, client=membership.client, target=target,
                     after={"role": membership.role}, ip=ip)
    else:
        audit_record(action="membership.role_changed", actor=actor, client=membership.client, target=target,
                     before={"role": previous_role}, after={"role": membership.role}, ip=ip)


def _user_get_or_create(*, username: str, email: str) -> AbstractBaseUser:
    """The user with this username, or a new one without a usable password, validated before insert."""
    user_model = get_user_model()
    try:  # before any query: a NUL or an over-long name must be a 400/CommandError, not a DataError
        user_model._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        return user
    candidate = user_model(username=username, email=email)
    candidate.set_unusable_password()
    candidate.full_clean(validate_unique=False)
    defaults = {"email": email, "password": candidate.password}
    user, _ = user_model.objects.get_or_create(username=username, defaults=defaults)
    return user


def _known_settings(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(CLIENT_SETTINGS))
    if unknown:
        raise ValidationError({name: ["Not a client setting."] for name in unknown})
