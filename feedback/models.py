"""Data model: every object belongs to exactly one client, reached through membership."""
import math
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual


class Role(models.TextChoices):
    """Roles are ordered: each one can do everything the lower ones can."""

    RATER = "rater", "Rater"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


ROLE_RANK = {Role.RATER: 1, Role.REVIEWER: 2, Role.MANAGER: 3}


# The allowed (low, high) of every client setting a manager may change, declared once: the field
# validators (what `full_clean()` reports, field by field) and the database CHECK constraints are
# both built from it. README lists them.
CLIENT_SETTING_RANGES = {
    "overlap": (1, 20),
    "repeat_rate": (0, 0.5),
    "gold_rate": (0, 0.5),
    "lease_seconds": (10, 3600),
    "retrain_threshold": (1, 100_000),
}
# Repeats and gold items together stay at most this share of what a rater is served, so most of
# a rater's time goes to new labels.
CLIENT_MAX_CHECK_SHARE = 0.5


def finite_number(value: float) -> None:
    """Refuse NaN and infinities, which slip past min/max comparisons (NaN compares false to all)."""
    if not math.isfinite(value):
        raise ValidationError("Must be a finite number.", code="not_finite")


def _allowed_range(name: str, unit: str = "") -> list:
    """Min and max validators for a client setting, both naming its whole allowed range."""
    low, high = CLIENT_SETTING_RANGES[name]
    message = f"Must be between {low} and {high}{unit}."
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def _range_text(name: str) -> str:
    low, high = CLIENT_SETTING_RANGES[name]
    return f"{low} to {high}"


def _range_constraint(name: str) -> models.CheckConstraint:
    low, high = CLIENT_SETTING_RANGES[name]
    return models.CheckConstraint(
        condition=Q(**{f"{name}__gte": low, f"{name}__lte": high}), name=f"client_{name}_range"
    )


class Client(models.Model):
    """One brand or account; the tenant every other object belongs to."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    overlap = models.PositiveSmallIntegerField(
        default=3,
        validators=_allowed_range("overlap"),
        help_text="Distinct raters each creative should reach before the queue stops serving it "
        f"({_range_text('overlap')}).",
    )
    repeat_rate = models.FloatField(
        default=0.05,
        validators=[finite_number, *_allowed_range("repeat_rate")],
        help_text="Share of picks that blindly re-serve an item the rater rated at least 20 items ago, "
        f"to measure self-consistency ({_range_text('repeat_rate')}; "
        f"with gold_rate at most {CLIENT_MAX_CHECK_SHARE}).",
    )
    gold_rate = models.FloatField(
        default=0.05,
        validators=[finite_number, *_allowed_range("gold_rate")],
        help_text="Share of picks that serve a gold item (a manager's reference scores), to measure accuracy "
        f"({_range_text('gold_rate')}; with repeat_rate at most {CLIENT_MAX_CHECK_SHARE}).",
    )
    lease_seconds = models.PositiveIntegerField(
        default=120,
        validators=_allowed_range("lease_seconds", " seconds"),
        help_text="Seconds a served item is held for its rater before others may be served it "
        f"({_range_text('lease_seconds')}).",
    )
    retrain_threshold = models.PositiveIntegerField(
        default=50,
        validators=_allowed_range("retrain_threshold"),
        help_text="New clean examples since the last model that queue a retraining run "
        f"({_range_text('retrain_threshold')}).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by a database trigger (migration 0010) on every insert, update or delete of one of the
    # client's criteria, in that write's transaction: the rating path caches the rubric by it.
    rubric_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            *(_range_constraint(name) for name in CLIENT_SETTING_RANGES),
            models.CheckConstraint(
                condition=LessThanOrEqual(F("repeat_rate") + F("gold_rate"), CLIENT_MAX_CHECK_SHARE),
                name="client_check_share_at_most_half",
                violation_error_message=(
                    f"repeat_rate and gold_rate together must be at most {CLIENT_MAX_CHECK_SHARE}."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one client; the only way to reach a client's data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RATER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="membership_one_per_user_client"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.client} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        """True when this membership's role is at least `minimum`."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]

    def kind_shown(self, kind: str) -> str:
        """A rating's or lease's kind as this member may see it: the checks stay blind to raters.

        Reviewers and managers see the true kind. A rater sees `calibration` (calibration items
        say so, and show their reference after rating) and `normal` for everything else, so gold
        items and repeats look like any other item, before rating and after.
        """
        if kind == Rating.Kind.CALIBRATION or self.has_role(Role.REVIEWER):
            return kind
        return Rating.Kind.NORMAL


def creative_image_path(instance: "Creative", filename: str) -> str:
    """Files live under their client, named by content hash so re-uploads do not pile up."""
    return f"clients/{instance.client_id}/creatives/{instance.content_hash}{_suffix(filename)}"


def creative_thumbnail_path(instance: "Creative", filename: str) -> str:
    """Thumbnails sit beside their image."""
    return f"clients/{instance.client_id}/thumbnails/{instance.content_hash}.webp"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot != -1 else ""


class Creative(models.Model):
    """An ad image with its copy, to be rated against the client's rubric."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="creatives")
    external_id = models.CharField(max_length=200)
    image = models.ImageField(upload_to=creative_image_path)
    thumbnail = models.ImageField(upload_to=creative_thumbnail_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, db_index=True)
    headline = models.TextField(blank=True)
    body = models.TextField(blank=True)
    channel = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=64, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    archived = models.BooleanField(default=False)
    # Raised by the active model's uncertainty/disagreement so the queue asks for useful labels.
    queue_priority = models.FloatField(default=0.0)
    # Raised by a reviewer's "ask for more ratings": the queue wants overlap + extra_overlap raters.
    extra_overlap = models.PositiveSmallIntegerField(default=0)
    # Kept by the rating service in the rating's transaction, so the queue reads it from an index.
    normal_rating_count = models.PositiveIntegerField(default=0)
    # Has a manager's reference scores (GoldReference): served as gold/calibration, not in the normal queue.
    is_gold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"], name="creative_external_id_unique_per_client"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "archived", "id"], name="creative_client_active"),
            models.Index(fields=["client", "content_hash"], name="creative_client_hash"),
            models.Index(fields=["client", "campaign"], name="creative_client_campaign"),
            models.Index(fields=["client", "channel"], name="creative_client_channel"),
            # The queue's ORDER BY: fewest normal ratings (relative to extra overlap asked for) first,
            # then the model's uncertainty, then oldest; partial, so it holds only servable items.
            models.Index(
                "client",
                F("normal_rating_count") - F("extra_overlap"),
                F("queue_priority").desc(),
                "id",
                name="creative_queue_order",
                condition=Q(archived=False, is_gold=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.headline[:40]}"


class Criterion(models.Model):
    """One question of the client's rubric, on an ordinal scale with an anchor per point."""

    class Level(models.TextChoices):
        ORDINAL = "ordinal"
        INTERVAL = "interval"
        NOMINAL = "nominal"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    question = models.TextField()
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    anchors = models.JSONField(default=dict, help_text='Anchor text per scale point: {"1": "..."}')
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.ORDINAL)
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="criterion_name_unique_per_client"),
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max")), name="criterion_scale_ordered"
            ),
            models.CheckConstraint(
                condition=Q(scale_max__lte=F("scale_min") + 100), name="criterion_scale_at_most_101_points"
            ),
            # Lets scores reference (id, scale_min, scale_max) so the database checks their range.
            models.UniqueConstraint(
                fields=["id", "scale_min", "scale_max"], name="criterion_id_scale_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """One rater's scores for one creative, submitted once (idempotent by client_uuid)."""

    class Kind(models.TextChoices):
        NORMAL = "normal"
        REPEAT = "repeat"
        GOLD = "gold"
        CALIBRATION = "calibration"

    class Status(models.TextChoices):
        PENDING = "pending"
        CLEAN = "clean"
        FLAGGED = "flagged"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ratings")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings"
    )
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    shown_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rater", "creative"],
                condition=Q(kind="normal"),
                name="rating_one_normal_per_rater_creative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["normal", "repeat", "gold", "calibration"]), name="rating_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "clean", "flagged", "accepted", "rejected"]),
                name="rating_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "rater", "submitted_at"], name="rating_client_rater_time"),
            models.Index(fields=["creative", "kind"], name="rating_creative_kind"),
            models.Index(fields=["client", "status"], name="rating_client_status"),
        ]

    def __str__(self) -> str:
        return f"rating {self.pk} of {self.creative_id} by {self.rater_id}"


class Score(models.Model):
    """The value one rating gives one criterion, checked against that criterion's scale."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.SmallIntegerField()
    # Copies of the criterion's scale, pinned to it by a composite foreign key (migration 0002),
    # so "scores within the criterion's scale" is a database invariant, not a hope.
    scale_min = models.SmallIntegerField()
    scale_max = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rating", "criterion"], name="score_one_per_rating_criterion"),
            models.CheckConstraint(
                condition=Q(value__gte=F("scale_min"), value__lte=F("scale_max")),
                name="score_within_scale",
            ),
        ]
        indexes = [models.Index(fields=["criterion", "rating"], name="score_criterion_rating")]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"


class CreativePrediction(models.Model):
    """A model's predicted score for one creative and criterion, written by the training side.

    `out_of_fold` marks predictions made by a model that did not train on this creative: only
    those may feed the checker's model-disagreement flag.
    """

    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="predictions")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="predictions")
    mean = models.FloatField()
    std = models.FloatField()
    out_of_fold = models.BooleanField(default=False)
    model_version = models.CharField(max_length=64, help_text="Which model version predicted it.")
    predicted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["creative", "criterion", "out_of_fold"], name="prediction_one_per_creative_criterion_kind"
            ),
            models.CheckConstraint(condition=Q(std__gte=0), name="prediction_std_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.creative_id}/{self.criterion_id}: {self.mean:.2f}±{self.std:.2f}"


def lease_token() -> str:
    """An unguessable handle for a lease: what the API shows instead of the row's sequential id."""
    return secrets.token_urlsafe(18)


class Lease(models.Model):
    """A creative handed to one rater for a short while, so assignment does not over-fill it."""

    token = models.CharField(max_length=32, unique=True, default=lease_token, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="leases")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="leases")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leases")
    kind = models.CharField(max_length=16, choices=Rating.Kind.choices, default=Rating.Kind.NORMAL)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["normal", "repeat", "gold", "calibration"]), name="lease_kind_valid"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="lease_expires_after_start"),
        ]
        indexes = [
            models.Index(fields=["creative", "expires_at"], name="lease_creative_expiry"),
            models.Index(fields=["rater", "client", "expires_at"], name="lease_rater_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} lease of {self.creative_id} to {self.rater_id} until {self.expires_at:%H:%M:%S}"


class Skip(models.Model):
    """A rater passed on a creative (with an optional reason); it is not served to them again."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="skips")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="skips")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skips")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rater", "creative"], name="skip_one_per_rater_creative"),
        ]
        indexes = [models.Index(fields=["client", "created_at"], name="skip_client_time")]

    def __str__(self) -> str:
        return f"{self.rater_id} skipped {self.creative_id}"


class GoldReference(models.Model):
    """A manager's reference score for one criterion of a gold creative."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="gold_references")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="gold_references")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="gold_references")
    value = models.SmallIntegerField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creative", "criterion"], name="gold_one_per_creative_criterion"),
        ]

    def __str__(self) -> str:
        return f"gold {self.creative_id}/{self.criterion_id}={self.value}"


class AuditEvent(models.Model):
    """One audited action: who did what to what, when, from where, and the values before and after.

    Written by `feedback.services.audit.audit_record` for security events (failed and locked
    logins, token revocations, role changes) and for changes to a client's setup (settings,
    members, rubric). `client` is null for events that belong to no client (a failed login).
    Rows are only ever added.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The name as given (a failed login's username may match no user; a deleted actor keeps a name).
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, help_text='Dotted, e.g. "login.failed", "membership.role_changed".')
    target = models.CharField(max_length=200, blank=True, help_text='What it was done to, e.g. "user:maya".')
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="audit_client_time"),
            models.Index(fields=["action", "-created_at"], name="audit_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_name or self.actor_id} on {self.target or '-'}"


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`): only the SHA-256 digest of the key is stored.

    A new token is issued on every login (`feedback.services.tokens`); it expires, is revoked on
    logout, and stops working when its user's password changes (it remembers the user's session
    hash, which changes with the password, as Django's sessions do). Revoked tokens are kept until
    they expire, so a later use of one is told apart from a guess and audited.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "logged out"
        PASSWORD_CHANGED = "password_changed", "the password changed"  # noqa: S105 - a reason, not a password
        REPLACED = "replaced", "replaced by newer tokens"
        ADMIN = "admin", "revoked by an admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    # The key's first characters, so a person can tell their tokens apart; not enough to use one.
    prefix = models.CharField(max_length=8)
    session_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="Where the login that issued it came from.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_issue"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False, revoked_reason__in=["logout", "password_changed", "replaced", "admin"]),
                name="api_token_revoked_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["user", "expires_at"], name="api_token_user_expiry")]

    def __str__(self) -> str:
        return f"token {self.prefix}… of {self.user_id}"
