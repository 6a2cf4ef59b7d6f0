"""Page-side tenancy: resolve a client through membership once, 404 for strangers."""
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from feedback.models import Client, Membership, Role
from feedback.selectors import client_membership_get


def client_for_page(*, user: AbstractBaseUser, slug: str, minimum_role: str = Role.RATER) -> tuple[Client, Membership]:
    """The client behind a page URL, or 404 when the user is not a member, 403 when the role is too low."""
    resolved = client_membership_get(user=user, slug=slug)
    if resolved is None:
        raise Http404("No such client.")
    client, membership = resolved
    if not membership.has_role(minimum_role):
        raise PermissionDenied(f"This page needs the {minimum_role} role.")
    return client, membership
