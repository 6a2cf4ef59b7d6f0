"""Label quality: runs of the consistency checker, their stored results and reviewer decisions.

Everything here belongs to one client and is derived from (or decides about) that client's ratings
in `feedback`; nothing in `feedback` depends on it.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from feedback.models import Client, Creative, Criterion, Rating
from jobs.models import Run


class QualityRun(Run):
    """One recompute of a client's label quality; at most one is queued or running per client.

    The partial unique constraint (from `Run`) is the debounce's guarantee: a burst of ratings
    requests a run each, and all but the first find it queued. A run that is running when new
    ratings arrive gets `rerun_requested`, and requests its successor when it finishes.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="quality_runs")
    n_ratings = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta(Run.Meta):
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="quality_run_status_time"),
            models.Index(fields=["client", "-requested_at"], name="quality_run_client_time"),
        ]

    def __str__(self) -> str:
        return f"quality run {self.pk} of {self.client_id} ({self.status})"


class CriterionAgreement(models.Model):
    """Krippendorff's alpha of one criterion, overall (week is null) or for one ISO week."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="criterion_agreements")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="agreements")
    week = models.DateField(null=True, blank=True, help_text="Monday of the week; null for all time.")
    alpha = models.FloatField(null=True, blank=True)
    alpha_low = models.FloatField(null=True, blank=True)
    alpha_high = models.FloatField(null=True, blank=True)
    n_items = models.PositiveIntegerField(default=0)
    n_ratings = models.PositiveIntegerField(default=0)
    consensus_method = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["criterion_id", "week"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "week"], name="agreement_one_per_criterion_week"),
            models.UniqueConstraint(
                fields=["criterion"], condition=Q(week__isnull=True), name="agreement_one_overall_per_criterion"
            ),
        ]
        indexes = [models.Index(fields=["client", "criterion", "week"], name="agreement_client_week")]

    def __str__(self) -> str:
        return f"alpha {self.criterion_id}@{self.week or 'all'} = {self.alpha}"


class RaterStats(models.Model):
    """One rater's quality statistics in one client, pooled over criteria."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="rater_stats")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rater_stats")
    reliability = models.FloatField(null=True, blank=True, help_text="Agreement with the leave-one-out consensus.")
    bias = models.FloatField(null=True, blank=True, help_text="Mean offset from consensus (+ lenient).")
    mae = models.FloatField(null=True, blank=True)
    self_consistency = models.FloatField(null=True, blank=True)
    gold_accuracy = models.FloatField(null=True, blank=True)
    straight_lining = models.FloatField(null=True, blank=True, help_text="Share of labels at the rater's modal value.")
    entropy = models.FloatField(null=True, blank=True)
    speed_ratio = models.FloatField(null=True, blank=True, help_text="Median duration over the team's median.")
    n_ratings = models.PositiveIntegerField(default=0)
    n_repeats = models.PositiveIntegerField(default=0)
    n_gold = models.PositiveIntegerField(default=0)
    n_flagged = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "rater stats"
        constraints = [models.UniqueConstraint(fields=["client", "rater"], name="rater_stats_one_per_client_rater")]

    def __str__(self) -> str:
        return f"stats of {self.rater_id} in {self.client_id}"


class ItemConsensus(models.Model):
    """The consensus score of one creative on one criterion, and the one from clean labels only."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="item_consensus")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="consensus")
    consensus = models.FloatField(null=True, blank=True)
    uncertainty = models.FloatField(null=True, blank=True)
    n_ratings = models.PositiveIntegerField(default=0)
    mean = models.FloatField(null=True, blank=True)
    majority = models.FloatField(null=True, blank=True)
    clean_consensus = models.FloatField(
        null=True, blank=True, help_text="Consensus of clean and accepted labels only; null when there are none."
    )
    clean_weight = models.FloatField(default=0.0, help_text="0..1 confidence in clean_consensus, for training.")
    n_clean = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "item consensus"
        constraints = [
            models.UniqueConstraint(fields=["creative", "criterion"], name="consensus_one_per_creative_criterion"),
            models.CheckConstraint(
                condition=Q(clean_weight__gte=0, clean_weight__lte=1), name="consensus_weight_share"
            ),
        ]
        indexes = [models.Index(fields=["client", "criterion"], name="consensus_client_criterion")]

    def __str__(self) -> str:
        return f"consensus {self.creative_id}/{self.criterion_id} = {self.consensus}"


class Flag(models.Model):
    """The checker's doubt about one rating's score on one criterion, with its reasons.

    `rater` and `creative` copy the rating's so the review queue filters without joins.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="flags")
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="flags")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="flags")
    reasons = models.JSONField(default=list)
    severity = models.FloatField(default=1.0, help_text="1 low, 2 medium, 3 high.")
    outlier_z = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-severity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "criterion"], name="flag_one_per_rating_criterion"),
            models.CheckConstraint(condition=Q(status__in=["open", "accepted", "rejected"]), name="flag_status_valid"),
        ]
        indexes = [
            models.Index(fields=["client", "status", "severity"], name="flag_client_status"),
            models.Index(fields=["client", "rater", "status"], name="flag_client_rater"),
            models.Index(fields=["client", "criterion", "status"], name="flag_client_criterion"),
            models.Index(fields=["client", "creative"], name="flag_client_creative"),
        ]

    def __str__(self) -> str:
        return f"flag {self.pk} on rating {self.rating_id}: {', '.join(self.reasons)}"


class ReviewDecision(models.Model):
    """An audited reviewer action: who did what to which rating, rater or creative, and when."""

    class Action(models.TextChoices):
        ACCEPT = "accept"
        REJECT = "reject"
        EXCLUDE_RATER = "exclude_rater"
        INCLUDE_RATER = "include_rater"
        REQUEST_MORE = "request_more"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="review_decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions")
    action = models.CharField(max_length=16, choices=Action.choices)
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["accept", "reject", "exclude_rater", "include_rater", "request_more"]),
                name="decision_action_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "creative", "created_at"], name="decision_client_creative"),
            models.Index(fields=["client", "created_at"], name="decision_client_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class RaterExclusion(models.Model):
    """A rater whose labels in one client are all rejected, until a reviewer includes them again.

    `accepted_rating_ids` remembers which labels a reviewer had accepted before the exclusion,
    so including the rater again restores them; the others go back to the checker.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="rater_exclusions")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exclusions")
    active = models.BooleanField(default=True)
    accepted_rating_ids = models.JSONField(default=list, blank=True)
    excluded_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "rater"], name="exclusion_one_per_client_rater"),
        ]

    def __str__(self) -> str:
        return f"{self.rater_id} excluded from {self.client_id}" if self.active else f"{self.rater_id} included"
