"""Selectors: every read of the feedback domain, always scoped to one client or one user."""
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Prefetch, QuerySet

from feedback.models import Client, Creative, Criterion, Membership, Rating, Role, Score


def client_list_for_user(*, user: AbstractBaseUser) -> list[tuple[Client, str]]:
    """The clients a user belongs to, with their role (agency admins see all as managers)."""
    if user.is_superuser:
        return [(client, Role.MANAGER.value) for client in Client.objects.order_by("name")]
    memberships = Membership.objects.filter(user=user).select_related("client").order_by("client__name")
    return [(m.client, m.role) for m in memberships]


def client_membership_get(*, user: AbstractBaseUser, slug: str) -> tuple[Client, Membership] | None:
    """Resolve a client slug through the user's membership in one query; None when not a member."""
    if user.is_superuser:
        client = Client.objects.filter(slug=slug).first()
        return (client, Membership(user=user, client=client, role=Role.MANAGER)) if client else None
    membership = (
        Membership.objects.filter(user=user, client__slug=slug).select_related("client").first()
    )
    return (membership.client, membership) if membership else None


def creative_list(*, client: Client) -> QuerySet[Creative]:
    """All creatives of a client."""
    return Creative.objects.filter(client=client)


def creative_filter_tag(queryset: QuerySet[Creative], tag: str) -> QuerySet[Creative]:
    """Creatives carrying `tag`; JSON containment on PostgreSQL, a text match on SQLite."""
    if connection.vendor == "postgresql":
        return queryset.filter(tags__contains=[tag])
    return queryset.filter(tags__icontains=f'"{tag}"')


def creative_duplicates(*, client: Client, content_hash: str, exclude_id: int | None = None) -> list[int]:
    """Ids of the client's other creatives with the same image bytes."""
    queryset = Creative.objects.filter(client=client, content_hash=content_hash)
    if exclude_id is not None:
        queryset = queryset.exclude(id=exclude_id)
    return list(queryset.values_list("id", flat=True))


def criterion_list(*, client: Client, active_only: bool = False) -> QuerySet[Criterion]:
    """The client's rubric in display order."""
    queryset = Criterion.objects.filter(client=client)
    return queryset.filter(active=True) if active_only else queryset


def rating_list(*, client: Client, membership: Membership) -> QuerySet[Rating]:
    """Ratings visible to this member: raters see their own, reviewers and managers see all."""
    queryset = (
        Rating.objects.filter(client=client)
        .select_related("rater")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.only("rating_id", "criterion_id", "value")))
    )
    if not membership.has_role(Role.REVIEWER):
        queryset = queryset.filter(rater=membership.user)
    return queryset
