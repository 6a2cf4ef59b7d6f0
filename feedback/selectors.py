"""Selectors: every read of the feedback domain, always scoped to one client or one user.

A selector that is asked for one object raises `feedback.errors.NotFound` when the client has no
such object (another client's object looks exactly the same), and each edge answers that with 404.
"""
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from xml.sax.saxutils import quoteattr

from botocore.exceptions import BotoCoreError, ClientError
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from feedback.errors import NotFound, Unavailable
from feedback.models import (
    AuditEvent,
    Client,
    Creative,
    CreativePrediction,
    Criterion,
    GoldReference,
    Lease,
    Membership,
    Rating,
    Role,
    Score,
    Skip,
)

CREATIVE_FILE_VARIANTS = ("image", "thumbnail")
# A filter <select> past this many values is no longer a choice anyone makes by scrolling.
FILTER_CHOICES_CAP = 500


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


def client_membership_require(
    *, user: AbstractBaseUser, slug: str, minimum_role: str = Role.RATER
) -> tuple[Client, Membership]:
    """The client behind a URL and the user's membership; NotFound for non-members, PermissionDenied below the role."""
    resolved = client_membership_get(user=user, slug=slug)
    if resolved is None:
        raise NotFound("No such client.")
    client, membership = resolved
    if not membership.has_role(minimum_role):
        raise PermissionDenied(f"This needs the {minimum_role} role in {client.slug}.")
    return client, membership


def client_get(*, slug: str) -> Client:
    """A client by slug, for agency admins' commands (no membership involved); NotFound when missing."""
    client = Client.objects.filter(slug=slug).first()
    if client is None:
        raise NotFound(f"No client with slug {slug[:64]!r}.")
    return client


def client_list_with_waiting(*, user: AbstractBaseUser) -> list[tuple[Client, str, int]]:
    """The user's clients with their role and how many creatives wait for them (capped, one count per client)."""
    return [
        (client, role, queue_waiting_count(client=client, rater=user))
        for client, role in client_list_for_user(user=user)
    ]


def client_user_get(*, client: Client, user_id: int) -> AbstractBaseUser:
    """A user who belongs to the client or has rated in it; NotFound for anyone else (another client's
    user and an id nobody has answer the same). By id: a username may contain anything."""
    members = Membership.objects.filter(client=client, user=OuterRef("pk"))
    raters = Rating.objects.filter(client=client, rater=OuterRef("pk"))
    user = get_user_model().objects.filter(pk=user_id).filter(Exists(members) | Exists(raters)).first()
    if user is None:
        raise NotFound("No such rater in this client.")
    return user


def creative_list(*, client: Client) -> QuerySet[Creative]:
    """All creatives of a client."""
    return Creative.objects.filter(client=client)


def creative_get(*, client: Client, creative_id: int) -> Creative:
    """One creative of the client; NotFound when the client has no creative with that id."""
    creative = Creative.objects.filter(client=client, id=creative_id).first()
    if creative is None:
        raise NotFound("No such creative.")
    return creative


@dataclass(frozen=True)
class CreativeFilters:
    """What the managers' list narrows creatives by; empty values and None filter nothing."""

    campaign: str = ""
    channel: str = ""
    format: str = ""
    tag: str = ""
    archived: bool | None = None


def creative_list_newest(*, client: Client, filters: CreativeFilters | None = None) -> QuerySet[Creative]:
    """The client's creatives newest first, filtered, with only what the managers' list shows."""
    queryset = Creative.objects.filter(client=client)
    filters = filters or CreativeFilters()
    for name in ("campaign", "channel", "format"):
        if getattr(filters, name):
            queryset = queryset.filter(**{name: getattr(filters, name)})
    if filters.tag:
        queryset = creative_filter_tag(queryset, filters.tag)
    if filters.archived is not None:
        queryset = queryset.filter(archived=filters.archived)
    return queryset.order_by("-id").only(
        "id", "external_id", "headline", "archived", "is_gold", "normal_rating_count",
        "campaign", "channel", "format", "tags", "thumbnail",
    )


def creative_file_open(*, client: Client, creative_id: int, variant: str) -> File:
    """A creative's image or thumbnail, opened for reading from whichever store holds it (a folder or
    an S3 bucket); NotFound for another client's creative or a file gone from the store, Unavailable
    when the store cannot be reached."""
    field = creative_file_get(client=client, creative_id=creative_id, variant=variant)
    try:
        return field.storage.open(field.name, "rb")
    except FileNotFoundError as exc:
        raise NotFound("No such file.") from exc
    except (OSError, BotoCoreError, ClientError) as exc:
        raise Unavailable("The file store cannot be reached; try again shortly.") from exc


def creative_filter_choices(*, client: Client) -> dict[str, list[str]]:
    """The distinct campaigns, channels, formats and tags the client's creatives use (for the filters)."""
    creatives = Creative.objects.filter(client=client).order_by()
    choices = {
        name: list(
            creatives.exclude(**{name: ""}).values_list(name, flat=True).distinct().order_by(name)[:FILTER_CHOICES_CAP]
        )
        for name in ("campaign", "channel", "format")
    }
    choices["tag"] = _distinct_tags(creatives)
    return choices


def _distinct_tags(creatives: QuerySet[Creative]) -> list[str]:
    if connection.vendor == "postgresql":
        tags = creatives.annotate(tag=Func(F("tags"), function="jsonb_array_elements_text", output_field=CharField()))
        return list(tags.values_list("tag", flat=True).distinct().order_by("tag")[:FILTER_CHOICES_CAP])
    # SQLite (make run): one read of the tag lists, folded here.
    found = {tag for tags in creatives.values_list("tags", flat=True) for tag in tags or [] if isinstance(tag, str)}
    return sorted(found)[:FILTER_CHOICES_CAP]


def creative_file_get(*, client: Client, creative_id: int, variant: str) -> FieldFile:
    """A creative's image or thumbnail file; NotFound for another client's creative or no file recorded."""
    if variant not in CREATIVE_FILE_VARIANTS:
        raise NotFound("No such file.")
    creative = Creative.objects.filter(client=client, id=creative_id).only(*CREATIVE_FILE_VARIANTS).first()
    field = getattr(creative, variant) if creative is not None else None
    if not field:
        raise NotFound("No such file.")
    return field


def creative_prediction_list(*, client: Client, creative: Creative) -> QuerySet[CreativePrediction]:
    """The stored model predictions of one of the client's creatives, in rubric order."""
    return (
        CreativePrediction.objects.filter(creative=creative, creative__client=client)
        .select_related("criterion")
        .order_by("criterion__order", "criterion_id", "out_of_fold")
    )


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


def rating_get(*, client: Client, membership: Membership, rating_id: int) -> Rating:
    """One rating this member may see (see rating_list); NotFound otherwise."""
    rating = rating_list(client=client, membership=membership).filter(id=rating_id).first()
    if rating is None:
        raise NotFound("No such rating.")
    return rating


# --- Reads for the training side (training/ never queries feedback's models itself). ---


def creative_feature_rows(*, client: Client, creative_ids: list[int] | None = None) -> list[Creative]:
    """The client's creatives with the fields the model's features read (all non-archived by default)."""
    queryset = Creative.objects.filter(client=client).only(
        "id", "image", "content_hash", "headline", "body", "channel", "format", "width", "height", "archived"
    )
    if creative_ids is None:
        return list(queryset.filter(archived=False))
    return list(queryset.filter(id__in=creative_ids))


# --- The rating queue (services/assignment.py leases from it). ---

# Counting a rater's whole queue would read every open creative; past this the page says "1000+".
QUEUE_COUNT_CAP = 1000


def creative_list_for_queue(
    *, client: Client, rater: AbstractBaseUser, now: datetime | None = None, include_held: bool = False
) -> QuerySet[Creative]:
    """Creatives the rater may still rate as normal, in queue order, with others' active leases counted.

    Order: fewest normal ratings (less the extra overlap a reviewer asked for), then the highest
    `queue_priority` (model uncertainty), then oldest; it is the partial index `creative_queue_order`.
    Items the rater already holds a lease on are left out unless `include_held` (for counting).
    """
    now = now or timezone.now()
    active_leases = Lease.objects.filter(creative=OuterRef("pk"), expires_at__gt=now)
    others = active_leases.exclude(rater=rater).order_by().values("creative").annotate(n=Count("*")).values("n")
    queryset = (
        Creative.objects.filter(client=client, archived=False, is_gold=False)
        .alias(deficit=F("normal_rating_count") - F("extra_overlap"))
        .filter(deficit__lt=client.overlap)
        .filter(~Exists(Rating.objects.filter(creative=OuterRef("pk"), rater=rater, kind=Rating.Kind.NORMAL)))
        .filter(~Exists(Skip.objects.filter(creative=OuterRef("pk"), rater=rater)))
    )
    if not include_held:
        queryset = queryset.filter(~Exists(active_leases.filter(rater=rater)))
    leased_by_others = Coalesce(Subquery(others, output_field=IntegerField()), Value(0))
    return (
        queryset.alias(taken=F("normal_rating_count") + leased_by_others)
        .filter(taken__lt=client.overlap + F("extra_overlap"))
        .order_by("deficit", "-queue_priority", "id")
    )


def rater_progress(*, client: Client, rater: AbstractBaseUser) -> tuple[int, int]:
    """(ratings the rater submitted today in this client, items left in their queue, capped)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    done_today = Rating.objects.filter(client=client, rater=rater, submitted_at__gte=midnight).count()
    return done_today, queue_waiting_count(client=client, rater=rater)


def queue_waiting_count(*, client: Client, rater: AbstractBaseUser) -> int:
    """How many creatives wait for this rater (those they hold included), counted up to QUEUE_COUNT_CAP + 1."""
    ids = creative_list_for_queue(client=client, rater=rater, include_held=True).values("id")[: QUEUE_COUNT_CAP + 1]
    return Creative.objects.filter(id__in=Subquery(ids)).count()


def gold_reference_scores(*, creative: Creative) -> dict[str, int]:
    """A gold creative's reference scores by criterion id (empty when it is not gold)."""
    rows = GoldReference.objects.filter(creative=creative).values_list("criterion_id", "value")
    return {str(criterion_id): value for criterion_id, value in rows}


def audit_event_list(*, client: Client | None = None, action_prefix: str = "") -> QuerySet:
    """Audit events, newest first: one client's, or (client None) every event, for agency admins."""
    queryset = AuditEvent.objects.select_related("client", "actor")
    if client is not None:
        queryset = queryset.filter(client=client)
    if action_prefix:
        queryset = queryset.filter(action__startswith=action_prefix)
    return queryset.order_by("-created_at", "-id")


# --- Label Studio export (the import is feedback.services.label_studio). ---


def label_studio_export(*, client: Client) -> list[dict]:
    """The client's creatives and ratings as a Label Studio JSON export (a list of tasks).

    One task per creative (archived ones only when rated), `data.image` a path relative to the
    export (`images/<file>`, see `label_studio_image_name`), one annotation per rating with one
    result per scored criterion: `rating` on scales that start at 1 (Label Studio's Rating tag is
    1..maxRating), else `choices` whose text is the point's anchor (when every point has a distinct
    one) or the number. Blind repeats are left out: Label Studio has one annotation per annotator
    and task, and the first rating is the one that counts.
    """
    criteria = {criterion.id: criterion for criterion in criterion_list(client=client)}
    ratings = (
        Rating.objects.filter(client=client)
        .exclude(kind=Rating.Kind.REPEAT)
        .select_related("rater")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.only("rating_id", "criterion_id", "value")))
        .order_by("creative_id", "submitted_at", "id")
    )
    by_creative: dict[int, list[Rating]] = {}
    for rating in ratings:
        by_creative.setdefault(rating.creative_id, []).append(rating)
    creatives = Creative.objects.filter(client=client).filter(
        Q(archived=False) | Q(id__in=list(by_creative))
    ).order_by("id")
    return [
        {
            "id": creative.id,
            "data": {
                "image": f"images/{label_studio_image_name(creative)}",
                "external_id": creative.external_id,
                "headline": creative.headline,
                "body": creative.body,
            },
            "annotations": [_label_studio_annotation(rating, criteria) for rating in by_creative.get(creative.id, [])],
        }
        for creative in creatives
    ]


def label_studio_image_name(creative: Creative) -> str:
    """The file name of a creative's image in an export: unique per creative, readable, safe."""
    stem = slugify(creative.external_id.replace("/", "-"))[:80] or "creative"
    suffix = PurePosixPath(creative.image.name).suffix.lower() or ".png"
    return f"{creative.id}-{stem}{suffix}"


def label_studio_config(*, client: Client) -> str:
    """A Label Studio labeling config (XML) for the client's active rubric, matching the export."""
    lines = ['<View>', '  <Image name="image" value="$image"/>', '  <Header value="$headline"/>']
    for criterion in criterion_list(client=client, active_only=True):
        name = quoteattr(criterion.name)
        lines.append(f"  <Header value={quoteattr(criterion.question or criterion.name)}/>")
        if _label_studio_uses_rating(criterion):
            lines.append(f'  <Rating name={name} toName="image" maxRating="{criterion.scale_max}" required="true"/>')
            continue
        lines.append(f'  <Choices name={name} toName="image" choice="single" required="true">')
        lines += [
            f"    <Choice value={quoteattr(_label_studio_choice(criterion, point))}/>"
            for point in range(criterion.scale_min, criterion.scale_max + 1)
        ]
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _label_studio_annotation(rating: Rating, criteria: dict[int, Criterion]) -> dict:
    result = []
    for score in sorted(rating.scores.all(), key=lambda s: (criteria[s.criterion_id].order, s.criterion_id)):
        criterion = criteria[score.criterion_id]
        if _label_studio_uses_rating(criterion):
            kind, value = "rating", {"rating": score.value}
        else:
            kind, value = "choices", {"choices": [_label_studio_choice(criterion, score.value)]}
        result.append({
            "id": f"r{rating.id}c{criterion.id}", "from_name": criterion.name, "to_name": "image",
            "type": kind, "value": value, "origin": "manual",
        })
    rater = rating.rater
    return {
        "id": rating.id,
        "completed_by": {"id": rater.pk, "email": rater.email, "username": rater.get_username()},
        "result": result,
        "was_cancelled": False,
        "ground_truth": rating.kind == Rating.Kind.GOLD,
        "created_at": rating.submitted_at.isoformat(),
        "lead_time": rating.duration_ms / 1000 if rating.duration_ms is not None else None,
    }


def _label_studio_uses_rating(criterion: Criterion) -> bool:
    return criterion.scale_min == 1 and criterion.level != Criterion.Level.NOMINAL


def _label_studio_choice(criterion: Criterion, point: int) -> str:
    """A point's anchor when every point of the scale has a distinct one, else the number."""
    anchors = criterion.anchors or {}
    texts = [str(anchors.get(str(p), "")).strip() for p in range(criterion.scale_min, criterion.scale_max + 1)]
    distinct = len({text.lower() for text in texts}) == len(texts)
    usable = all(texts) and distinct and not any(text.lstrip("+-").isdigit() for text in texts)
    return texts[point - criterion.scale_min] if usable else str(point)
# --- Setup pages: the rubric editor, members, and the agency's list of clients. ---


def criterion_list_for_editor(*, client: Client) -> QuerySet[Criterion]:
    """The whole rubric in display order, each criterion marked `has_scores` (its scale is then locked)."""
    return criterion_list(client=client).annotate(has_scores=Exists(Score.objects.filter(criterion=OuterRef("pk"))))


def criterion_get(*, client: Client, criterion_id: int) -> Criterion:
    """One criterion of the client, marked `has_scores`; NotFound when the client has no such criterion."""
    criterion = criterion_list_for_editor(client=client).filter(id=criterion_id).first()
    if criterion is None:
        raise NotFound("No such criterion.")
    return criterion


def membership_list(*, client: Client) -> QuerySet[Membership]:
    """The client's members with their users, managers first, then by username."""
    order = {Role.MANAGER: 0, Role.REVIEWER: 1, Role.RATER: 2}
    rank = Case(*(When(role=role, then=Value(n)) for role, n in order.items()), output_field=IntegerField())
    return (
        Membership.objects.filter(client=client).select_related("user")
        .annotate(role_rank=rank).order_by("role_rank", "user__username")
    )


def client_list_with_label_counts() -> QuerySet[Client]:
    """Every client with its number of ratings (`label_count`), in one query; for agency admins."""
    return Client.objects.annotate(label_count=Count("ratings")).order_by("name")


def rating_count_since(*, client: Client, since: datetime) -> int:
    """How many ratings the client received since `since` (every kind and status): the rating pace."""
    return Rating.objects.filter(client=client, submitted_at__gte=since).count()
