"""Create clients and manage who belongs to them."""
from django.contrib.auth import get_user_model
from django.db import transaction

from feedback.models import Client, Membership, Role


def client_create(*, slug: str, name: str, **settings) -> tuple[Client, bool]:
    """Create a client, or return the existing one with that slug (idempotent)."""
    client, created = Client.objects.get_or_create(slug=slug, defaults={"name": name, **settings})
    if created:
        client.full_clean()
    return client, created


@transaction.atomic
def membership_set(
    *, client: Client, username: str, role: str, password: str | None = None, email: str = ""
) -> tuple[Membership, bool]:
    """Give `username` the `role` in `client`, creating the user when missing (idempotent)."""
    Role(role)  # raises ValueError on an unknown role
    user_model = get_user_model()
    user, user_created = user_model.objects.get_or_create(
        username=username, defaults={"email": email}
    )
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    elif user_created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, created = Membership.objects.update_or_create(
        user=user, client=client, defaults={"role": role}
    )
    return membership, created

