"""Selectors for label quality and review: stored checker results, flags, decisions, clean labels.

Kept beside `feedback/selectors.py` (same rules: always scoped to one client, no N+1) because the
review pages and the quality API read a family of their own. Nothing here recomputes: it reads
what the last quality run stored.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Avg, Count, Exists, F, Max, Min, OuterRef, Prefetch, QuerySet

from feedback.errors import NotFound
from feedback.models import Client, Creative, CreativePrediction, Criterion, Rating, Score
from feedback.selectors import creative_get, criterion_list
from review.models import (
    CriterionAgreement,
    Flag,
    ItemConsensus,
    QualityRun,
    RaterExclusion,
    RaterStats,
    ReviewDecision,
)

RATER_SORTS = ("reliability", "speed_ratio", "bias", "self_consistency", "gold_accuracy", "n_ratings", "n_flagged")


@dataclass(frozen=True)
class WeeklyAlpha:
    """One point of a criterion's agreement trend."""

    week: date
    alpha: float | None
    alpha_low: float | None
    alpha_high: float | None
    n_ratings: int


@dataclass(frozen=True)
class CriterionQualityRow:
    """Agreement of one criterion: overall with its interval, and per week."""

    criterion: Criterion
    overall: CriterionAgreement | None
    weeks: list[WeeklyAlpha]


@dataclass(frozen=True)
class QualitySummary:
    """What the dashboard and `GET .../quality/` show."""

    criteria: list[CriterionQualityRow]
    status_counts: dict[str, int]
    open_flags: int
    last_run: QualityRun | None
    last_computed: datetime | None


def quality_summary_get(*, client: Client) -> QualitySummary:
    """Stored agreement per criterion, label counts by status and the latest run, in five queries."""
    criteria = list(Criterion.objects.filter(client=client).order_by("order", "id"))
    agreements: dict[int, list[CriterionAgreement]] = {}
    for row in CriterionAgreement.objects.filter(client=client).order_by("criterion_id", "week"):
        agreements.setdefault(row.criterion_id, []).append(row)
    rows = []
    for criterion in criteria:
        stored = agreements.get(criterion.id, [])
        overall = next((a for a in stored if a.week is None), None)
        weeks = [WeeklyAlpha(a.week, a.alpha, a.alpha_low, a.alpha_high, a.n_ratings) for a in stored if a.week]
        rows.append(CriterionQualityRow(criterion, overall, weeks))
    counts = dict.fromkeys(Rating.Status.values, 0)
    counts.update(
        Rating.objects.filter(client=client).order_by().values_list("status").annotate(n=Count("id")).values_list(
            "status", "n"
        )
    )
    open_flags = Flag.objects.filter(client=client, status=Flag.Status.OPEN).count()
    runs = list(QualityRun.objects.filter(client=client).order_by("-requested_at", "-id")[:20])
    done = next((run for run in runs if run.status == QualityRun.Status.SUCCEEDED), None)
    return QualitySummary(rows, counts, open_flags, runs[0] if runs else None, done.finished_at if done else None)


def rater_stats_list(*, client: Client, sort: str = "-reliability") -> QuerySet[RaterStats]:
    """Stored rater statistics with the rater and whether they are excluded; unknown sorts fall back."""
    field = sort.lstrip("-")
    if field not in RATER_SORTS:
        sort, field = "-reliability", "reliability"
    order = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    excluded = RaterExclusion.objects.filter(client=client, rater=OuterRef("rater_id"), active=True)
    return (
        RaterStats.objects.filter(client=client)
        .select_related("rater")
        .annotate(excluded=Exists(excluded))
        .order_by(order, "rater__username")
    )


def flag_list(
    *,
    client: Client,
    reason: str | None = None,
    rater: str | None = None,
    criterion: int | str | None = None,
    status: str | None = None,
) -> QuerySet[Flag]:
    """The client's flags, most severe first, filtered by reason, rater username, criterion and status."""
    queryset = Flag.objects.filter(client=client).select_related("rater", "criterion")
    if reason:
        if connection.vendor == "postgresql":
            queryset = queryset.filter(reasons__contains=[reason])
        else:
            queryset = queryset.filter(reasons__icontains=f'"{reason}"')
    if rater:
        queryset = queryset.filter(rater__username=rater)
    if criterion:
        queryset = queryset.filter(criterion_id=criterion)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-severity", "-outlier_z", "id")


def flag_get(*, client: Client, flag_id: int) -> Flag:
    """One flag of the client, with its rater and criterion; NotFound otherwise."""
    flag = flag_list(client=client).filter(id=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    return flag


@dataclass(frozen=True)
class FlagQueue:
    """The flag queue page: the filtered flags and what its filters offer."""

    flags: QuerySet[Flag]
    criteria: QuerySet[Criterion]
    rater_names: list[str]


def flag_queue_get(
    *, client: Client, reason: str | None, rater: str | None, criterion: int | str | None, status: str | None
) -> FlagQueue:
    """Flags as `flag_list` filters them (with their creatives), the rubric, and the raters with stats."""
    flags = flag_list(client=client, reason=reason, rater=rater, criterion=criterion, status=status)
    return FlagQueue(
        flags=flags.select_related("creative"),
        criteria=criterion_list(client=client),
        rater_names=rater_username_list(client=client),
    )


def rater_username_list(*, client: Client) -> list[str]:
    """Usernames of the raters the checker has statistics for, alphabetically."""
    rows = RaterStats.objects.filter(client=client).order_by("rater__username")
    return list(rows.values_list("rater__username", flat=True))


@dataclass(frozen=True)
class ReviewDashboard:
    """The quality dashboard: stored agreement and counts, the rater table, recent rater decisions."""

    summary: QualitySummary
    raters: QuerySet[RaterStats]
    rater_decisions: list[ReviewDecision]


def review_dashboard_get(*, client: Client, sort: str = "-reliability", decisions: int = 10) -> ReviewDashboard:
    """Everything the dashboard shows, read from what the last quality run stored."""
    return ReviewDashboard(
        summary=quality_summary_get(client=client),
        raters=rater_stats_list(client=client, sort=sort),
        rater_decisions=rater_decisions_list(client=client, limit=decisions),
    )


def quality_run_active(*, client: Client) -> QualityRun | None:
    """The client's queued or running quality run, if any."""
    active = [QualityRun.Status.QUEUED, QualityRun.Status.RUNNING]
    return QualityRun.objects.filter(client=client, status__in=active).first()


@dataclass(frozen=True)
class CreativeReview:
    """Everything the item page shows about one creative."""

    creative: Creative
    criteria: list[Criterion]
    ratings: list[Rating]
    consensus: dict[int, ItemConsensus]
    predictions: dict[int, CreativePrediction]
    decisions: list[ReviewDecision]
    excluded_rater_ids: set[int]


def creative_review_get(*, client: Client, creative_id: int) -> CreativeReview:
    """A creative of this client with every rating, its scores and flags, consensus and decision log."""
    creative = creative_get(client=client, creative_id=creative_id)
    ratings = list(
        Rating.objects.filter(client=client, creative=creative)
        .select_related("rater")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.only("rating_id", "criterion_id", "value")),
            Prefetch("flags", queryset=Flag.objects.order_by("criterion_id")),
        )
        .order_by("submitted_at", "id")
    )
    consensus = {row.criterion_id: row for row in ItemConsensus.objects.filter(client=client, creative=creative)}
    predictions = {
        p.criterion_id: p for p in CreativePrediction.objects.filter(creative=creative, out_of_fold=False)
    }
    decisions = list(
        ReviewDecision.objects.filter(client=client, creative=creative).select_related("actor", "rater")[:200]
    )
    excluded = set(
        RaterExclusion.objects.filter(client=client, active=True, rater_id__in=[r.rater_id for r in ratings])
        .values_list("rater_id", flat=True)
    )
    criteria = list(Criterion.objects.filter(client=client).order_by("order", "id"))
    return CreativeReview(creative, criteria, ratings, consensus, predictions, decisions, excluded)


def rater_decisions_list(*, client: Client, limit: int = 50) -> list[ReviewDecision]:
    """The latest rater-level decisions (exclude/include) of this client."""
    actions = [ReviewDecision.Action.EXCLUDE_RATER, ReviewDecision.Action.INCLUDE_RATER]
    return list(
        ReviewDecision.objects.filter(client=client, action__in=actions).select_related("actor", "rater")[:limit]
    )


EXPORT_FIELDS = (
    "creative_id", "external_id", "criterion", "label", "weight", "uncertainty", "n_clean", "n_ratings", "computed_at",
)


def clean_labels_export(*, client: Client) -> Iterator[dict]:
    """One row per (creative, criterion) with a consensus of clean and accepted labels, streamed."""
    rows = (
        ItemConsensus.objects.filter(client=client, clean_consensus__isnull=False)
        .order_by("creative_id", "criterion__order", "criterion_id")
        .values_list(
            "creative_id", "creative__external_id", "criterion__name", "clean_consensus", "clean_weight",
            "uncertainty", "n_clean", "n_ratings", "computed_at",
        )
    )
    for row in rows.iterator(chunk_size=5000):
        record = dict(zip(EXPORT_FIELDS, row, strict=True))
        record["computed_at"] = record["computed_at"].isoformat()
        yield record


# --- Clean labels: what training learns from (training/ never queries these models itself). ---

CLEAN_STATUSES = (Rating.Status.CLEAN, Rating.Status.ACCEPTED)


def clean_label_rows(*, client: Client) -> list[dict]:
    """Every clean or accepted label of the client: rating, creative, criterion, value, rater, time."""
    return list(
        Score.objects.filter(rating__client=client, rating__status__in=CLEAN_STATUSES, criterion__active=True)
        .values(
            "rating_id", "value", "criterion_id", creative_id=F("rating__creative_id"),
            rater_id=F("rating__rater_id"), submitted_at=F("rating__submitted_at"),
            duration_ms=F("rating__duration_ms"),
        )
        .order_by("rating_id", "criterion_id")
    )


def clean_consensus_rows(*, client: Client) -> list[dict]:
    """The checker's consensus from clean labels per creative and criterion, with its 0..1 weight."""
    return list(
        ItemConsensus.objects.filter(client=client, clean_consensus__isnull=False, criterion__active=True)
        .values("creative_id", "criterion_id", "clean_consensus", "clean_weight", "n_clean")
    )


def clean_example_count_since(*, client: Client, after_rating_id: int) -> int:
    """Creatives with a clean or accepted rating newer (by id) than `after_rating_id`."""
    return (
        Rating.objects.filter(client=client, status__in=CLEAN_STATUSES, id__gt=after_rating_id)
        .values("creative_id").distinct().count()
    )


def criterion_agreement_overall(*, client: Client) -> dict[int, float | None]:
    """Krippendorff's alpha per criterion id over all time, as the checker last stored it."""
    rows = CriterionAgreement.objects.filter(client=client, week__isnull=True)
    return {row.criterion_id: row.alpha for row in rows}


def client_ids_with_clean_labels() -> list[int]:
    """Clients that have at least one clean or accepted label (candidates for a retrain check)."""
    return list(Rating.objects.filter(status__in=CLEAN_STATUSES).values_list("client_id", flat=True).distinct())


@dataclass(frozen=True)
class ClientAgreement:
    """A client's latest overall agreement: alpha over its active criteria, as the checker last stored it."""

    mean_alpha: float
    lowest_alpha: float
    criteria: int
    computed_at: datetime


def client_agreement_latest_by_client() -> dict[int, ClientAgreement]:
    """Every client's latest overall alpha (mean and lowest over active criteria), in one query; for agency admins."""
    rows = (
        CriterionAgreement.objects.filter(week__isnull=True, alpha__isnull=False, criterion__active=True)
        .values("client_id")
        .annotate(mean=Avg("alpha"), lowest=Min("alpha"), n=Count("id"), at=Max("computed_at"))
        .order_by()
    )
    return {
        row["client_id"]: ClientAgreement(mean_alpha=row["mean"], lowest_alpha=row["lowest"], criteria=row["n"],
                                          computed_at=row["at"])
        for row in rows
    }
