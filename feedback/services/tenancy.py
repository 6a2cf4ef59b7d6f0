"""Create clients, change their settings, and manage who belongs to them.

Every write here validates with `full_clean()` first, so a bad value is a ValidationError naming
its field (400 at the API), never a database CHECK failing (500).
"""
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.errors import NotFound
from feedback.models import CLIENT_SETTING_RANGES, Client, Membership, Role
from feedback.services.audit import audit_changes, audit_record

CLIENT_SETTINGS = tuple(CLIENT_SETTING_RANGES)


def client_create(
    *, slug: str, name: str, actor: AbstractBaseUser | None = None, **settings: Any
) -> tuple[Client, bool]:
    """Create a client, or return the existing one with that slug (idempotent); a creation is audited."""
    _known_settings(settings)
    existing = Client.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    client = Client(slug=slug, name=name, **settings)
    client.full_clean()
    try:
        with transaction.atomic():
            client.save()
            audit_record(action="client.created", actor=actor, client=client, target=f"client:{client.slug}",
                         after={"slug": client.slug, "name": client.name})
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
    # NO KEY UPDATE serialises setting changes without stalling ratings and leases, whose foreign
    # keys take KEY SHARE on this row.
    locked = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
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


@transaction.atomic
def membership_add(
    *, client: Client, person: str, role: str, actor: AbstractBaseUser, ip: str | None = None
) -> Membership:
    """Give an existing user, named by username or email, a role in the client; audited.

    Nobody is created here (accounts come from an agency admin): a name that matches no user, an
    email shared by several users, or someone who already belongs is a ValidationError on `person`.
    """
    user = _existing_user(person)
    if Membership.objects.filter(client=client, user=user).exists():
        raise ValidationError({"person": [
            f"{user.get_username()} already belongs to {client.name}; change their role in the list below."
        ]})
    membership = Membership(user=user, client=client, role=role)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise ValidationError({"person": [f"{user.get_username()} was added by someone else just now."]}) from exc
    membership_change_record(membership=membership, previous_role=None, actor=actor, ip=ip)
    return membership


@transaction.atomic
def membership_role_change(
    *, client: Client, user_id: int, role: str, actor: AbstractBaseUser, ip: str | None = None
) -> Membership:
    """Change a member's role; the client's last manager cannot be demoted. Audited when it changes."""
    membership = _membership_locked(client=client, user_id=user_id)
    previous = membership.role
    membership.role = role
    membership.full_clean(validate_unique=False, validate_constraints=False)
    if previous == Role.MANAGER and role != Role.MANAGER:
        _keep_a_manager(client=client, leaving=membership, field="role")
    if previous != role:
        membership.save(update_fields=["role"])
        membership_change_record(membership=membership, previous_role=previous, actor=actor, ip=ip)
    return membership


@transaction.atomic
def membership_remove(*, client: Client, user_id: int, actor: AbstractBaseUser, ip: str | None = None) -> None:
    """Take a member out of the client (their ratings stay); never the last manager. Audited."""
    membership = _membership_locked(client=client, user_id=user_id)
    if membership.role == Role.MANAGER:
        _keep_a_manager(client=client, leaving=membership, field="user")
    username = membership.user.get_username()
    membership.delete()
    audit_record(action="membership.removed", actor=actor, client=client, target=f"user:{username}",
                 before={"role": membership.role}, ip=ip)


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


def _existing_user(person: str) -> AbstractBaseUser:
    """The one user whose username is `person`, or else whose email is (case-insensitive)."""
    person = person.strip()
    user_model = get_user_model()
    user = user_model.objects.filter(username=person).first()
    if user is not None:
        return user
    by_email = list(user_model.objects.filter(email__iexact=person)[:2]) if "@" in person else []
    if len(by_email) == 1:
        return by_email[0]
    if by_email:
        raise ValidationError({"person": ["Several accounts share this email; give the username instead."]})
    raise ValidationError({"person": [
        f"No account has the username or email {person[:100]!r}. Check the spelling, or ask an agency "
        "admin to create the account (manage.py add_member)."
    ]})


def _membership_locked(*, client: Client, user_id: int) -> Membership:
    """The member's row, with the client's row locked so two removals cannot both leave no manager."""
    Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
    membership = Membership.objects.select_related("user").filter(client=client, user_id=user_id).first()
    if membership is None:
        raise NotFound("No such member in this client.")
    return membership


def _keep_a_manager(*, client: Client, leaving: Membership, field: str) -> None:
    others = Membership.objects.filter(client=client, role=Role.MANAGER).exclude(pk=leaving.pk)
    if not others.exists():
        raise ValidationError({field: [
            f"{leaving.user.get_username()} is the last manager of {client.name}; make someone else a manager first."
        ]})


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
