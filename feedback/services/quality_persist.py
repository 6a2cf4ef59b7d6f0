"""Store the checker's report: rating statuses, flags, consensus, rater stats and agreement.

Runs inside the recompute's transaction, so pages and the API see the whole previous report or
the whole new one. Reviewer decisions (accepted, rejected) are never overwritten, here or by a
concurrent decision: every status update excludes them in its WHERE clause.
"""
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from feedback.models import (
    Client,
    CriterionAgreement,
    Flag,
    ItemConsensus,
    RaterExclusion,
    RaterStats,
    Rating,
)
from feedback.quality import KINDS, QualityReport, alpha_bootstrap_ci, consensus_estimate
from feedback.services.quality_table import STATUS_CODE, STATUS_CODES, LoadedRatings, week_start

KIND_NORMAL, KIND_REPEAT = KINDS.index("normal"), KINDS.index("repeat")
DECIDED = (Rating.Status.ACCEPTED, Rating.Status.REJECTED)
BATCH = 5000


def quality_report_store(
    *, client: Client, loaded: LoadedRatings, report: QualityReport | None,
    heartbeat: Callable[[], None] = lambda: None,
) -> np.ndarray:
    """Persist everything the report says about the client; returns the new status code per rating.

    `report` is None when the client has no usable scores: statuses are still brought up to date.
    """
    client_id, now = client.id, timezone.now()
    flagged_rating = np.zeros(loaded.n_ratings, dtype=bool)
    if report is not None:
        flagged_rating[loaded.row_rating[report.ratings.flagged]] = True
    status = _rating_statuses(loaded, flagged_rating)
    _store_statuses(loaded, status)
    heartbeat()
    if report is None:
        return status
    _store_flags(client_id, loaded, report, status, now)
    heartbeat()
    _store_consensus(client_id, loaded, report, status, now)
    _store_rater_stats(client_id, loaded, report, flagged_rating, now)
    _store_agreement(client_id, loaded, report, now)
    return status


# --- rating statuses -----------------------------------------------------------------------------


def _rating_statuses(loaded: LoadedRatings, flagged: np.ndarray) -> np.ndarray:
    """pending below the overlap, else flagged or clean; decisions and excluded raters win."""
    ratings = loaded.ratings
    counts_toward = (
        (ratings.kind == KIND_NORMAL) & (ratings.status != STATUS_CODE[Rating.Status.REJECTED]) & ~ratings.excluded
    )
    creative_ids, creative_code = np.unique(ratings.creative, return_inverse=True)
    raters_per_creative = np.bincount(creative_code[counts_toward], minlength=creative_ids.size)
    status = np.where(flagged, STATUS_CODE[Rating.Status.FLAGGED], STATUS_CODE[Rating.Status.CLEAN])
    status = np.where(raters_per_creative[creative_code] < loaded.overlap, STATUS_CODE[Rating.Status.PENDING], status)
    status = np.where(ratings.excluded, STATUS_CODE[Rating.Status.REJECTED], status)
    decided = np.isin(ratings.status, [STATUS_CODE[s] for s in DECIDED])
    return np.where(decided, ratings.status, status).astype(np.int8)


def _store_statuses(loaded: LoadedRatings, status: np.ndarray) -> None:
    changed = status != loaded.ratings.status
    for code, name in enumerate(STATUS_CODES):
        ids = loaded.ratings.id[changed & (status == code)].tolist()
        if ids:
            _update_status(ids, name)


def _update_status(ids: list[int], status: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE feedback_rating SET status = %s WHERE id = ANY(%s) AND status NOT IN (%s, %s)",
                [status, ids, *DECIDED],
            )
        return
    for start in range(0, len(ids), 500):
        Rating.objects.filter(id__in=ids[start : start + 500]).exclude(status__in=DECIDED).update(status=status)


# --- flags ---------------------------------------------------------------------------------------

FLAG_STATUS = {
    STATUS_CODE[Rating.Status.ACCEPTED]: Flag.Status.ACCEPTED,
    STATUS_CODE[Rating.Status.REJECTED]: Flag.Status.REJECTED,
}


def _store_flags(client_id: int, loaded: LoadedRatings, report: QualityReport, status: np.ndarray, now) -> None:
    """Upsert one flag per flagged (rating, criterion); open flags the checker no longer raises go."""
    flags = report.ratings
    rows = np.flatnonzero(flags.flagged)
    rating_index = loaded.row_rating[rows]
    names: dict[int, list[str]] = {}
    objects = []
    for row, index in zip(rows.tolist(), rating_index.tolist(), strict=True):
        mask = int(flags.reasons[row])
        if mask not in names:
            names[mask] = flags.reason_names(row)
        z = float(flags.outlier_z[row])
        objects.append(
            Flag(
                client_id=client_id, rating_id=int(loaded.ratings.id[index]),
                criterion_id=loaded.criteria[int(loaded.table.criterion[row])].id,
                rater_id=int(loaded.ratings.rater[index]), creative_id=int(loaded.ratings.creative[index]),
                reasons=names[mask], severity=float(flags.severity[row]),
                outlier_z=z if np.isfinite(z) else None,
                status=FLAG_STATUS.get(int(status[index]), Flag.Status.OPEN), computed_at=now,
            )
        )
    Flag.objects.bulk_create(
        objects, batch_size=BATCH, update_conflicts=True, unique_fields=["rating", "criterion"],
        update_fields=["reasons", "severity", "outlier_z", "status", "computed_at"],
    )
    Flag.objects.filter(client_id=client_id, status=Flag.Status.OPEN, computed_at__lt=now).delete()


# --- consensus -----------------------------------------------------------------------------------


def _store_consensus(client_id: int, loaded: LoadedRatings, report: QualityReport, status: np.ndarray, now) -> None:
    items = report.items
    clean_value, clean_uncertainty, clean_count = _clean_consensus(loaded, report, status)
    key = items.item * len(loaded.criteria) + items.criterion
    objects = []
    for i, (item, code) in enumerate(zip(items.item.tolist(), items.criterion.tolist(), strict=True)):
        criterion = loaded.criteria[code]
        n_clean = int(clean_count[key[i]])
        objects.append(
            ItemConsensus(
                client_id=client_id, creative_id=int(loaded.creative_ids[item]), criterion_id=criterion.id,
                consensus=_number(items.consensus[i]), uncertainty=_number(items.uncertainty[i]),
                n_ratings=int(items.n_ratings[i]), mean=_number(items.mean[i]), majority=_number(items.majority[i]),
                clean_consensus=_number(clean_value[key[i]]) if n_clean else None,
                clean_weight=_clean_weight(criterion, n_clean, clean_uncertainty[key[i]], loaded.overlap),
                n_clean=n_clean, computed_at=now,
            )
        )
    ItemConsensus.objects.filter(client_id=client_id).delete()
    ItemConsensus.objects.bulk_create(objects, batch_size=BATCH)


def _clean_consensus(loaded: LoadedRatings, report: QualityReport, status: np.ndarray):
    """Consensus per (item, criterion) key from clean and accepted labels only."""
    table, n_criteria = loaded.table, len(loaded.criteria)
    size = (len(loaded.creative_ids) * n_criteria) or 1
    value, uncertainty, count = np.full(size, np.nan), np.full(size, np.nan), np.zeros(size, dtype=np.int64)
    row_status = status[loaded.row_rating]
    clean = np.isin(row_status, [STATUS_CODE[Rating.Status.CLEAN], STATUS_CODE[Rating.Status.ACCEPTED]])
    clean &= (np.asarray(table.kind) != KIND_REPEAT) & np.isfinite(table.value)
    for code, criterion in enumerate(loaded.criteria):
        rows = np.flatnonzero(clean & (table.criterion == code))
        if not rows.size:
            continue
        item_ids, local = np.unique(table.item[rows], return_inverse=True)
        estimate = consensus_estimate(
            items=local, raters=table.rater[rows], values=table.value[rows], n_items=item_ids.size,
            n_raters=len(loaded.rater_ids), level=criterion.level,
        )
        keys = item_ids * n_criteria + code
        value[keys], uncertainty[keys] = estimate.value, estimate.uncertainty
        count[keys] = np.bincount(local, minlength=item_ids.size)
    return value, uncertainty, count


def _clean_weight(criterion, n_clean: int, uncertainty: float, overlap: int) -> float:
    """Training weight: full overlap of clean labels and a tight consensus give 1, none gives 0."""
    if n_clean == 0 or not np.isfinite(uncertainty):
        return 0.0
    half_span = (criterion.scale_max - criterion.scale_min) / 2 or 1.0
    spread = uncertainty if criterion.level == "nominal" else uncertainty / half_span
    return float(min(1.0, n_clean / overlap) * min(1.0, max(0.0, 1.0 - spread)))


# --- raters and agreement ------------------------------------------------------------------------


def _store_rater_stats(client_id: int, loaded: LoadedRatings, report: QualityReport, flagged, now) -> None:
    columns = report.raters.columns
    n_flagged = np.bincount(
        np.searchsorted(loaded.rater_ids, loaded.ratings.rater[flagged]), minlength=len(loaded.rater_ids)
    )
    objects = [
        RaterStats(
            client_id=client_id, rater_id=int(rater_id), reliability=_number(columns["reliability"][code]),
            bias=_number(columns["bias"][code]), mae=_number(columns["mae"][code]),
            self_consistency=_number(columns["self_consistency"][code]),
            gold_accuracy=_number(columns["gold_accuracy"][code]),
            straight_lining=_number(columns["modal_share"][code]), entropy=_number(columns["entropy"][code]),
            speed_ratio=_number(columns["speed_ratio"][code]), n_ratings=int(columns["n_ratings"][code]),
            n_repeats=int(np.nan_to_num(columns["n_repeats"][code])),
            n_gold=int(np.nan_to_num(columns["n_gold"][code])),
            n_flagged=int(n_flagged[code]), computed_at=now,
        )
        for code, rater_id in enumerate(loaded.rater_ids.tolist())
    ]
    # Excluded raters are not in the table: their last stats stay, so reviewers still see why.
    excluded = RaterExclusion.objects.filter(client_id=client_id, active=True).values("rater_id")
    RaterStats.objects.filter(client_id=client_id).exclude(rater_id__in=excluded).delete()
    RaterStats.objects.filter(client_id=client_id, rater_id__in=loaded.rater_ids.tolist()).delete()
    RaterStats.objects.bulk_create(objects, batch_size=BATCH)


def _store_agreement(client_id: int, loaded: LoadedRatings, report: QualityReport, now) -> None:
    table = loaded.table
    used = (np.asarray(table.kind) != KIND_REPEAT) & np.isfinite(table.value)
    objects = []
    for code, criterion in enumerate(loaded.criteria):
        summary = report.criteria.get(str(criterion.id))
        if summary is None or summary.n_ratings == 0:
            continue
        objects.append(
            CriterionAgreement(
                client_id=client_id, criterion=criterion, week=None, alpha=_number(summary.alpha),
                alpha_low=_number(summary.alpha_ci[0]), alpha_high=_number(summary.alpha_ci[1]),
                n_items=summary.n_items, n_ratings=summary.n_ratings, consensus_method=summary.consensus_method,
                computed_at=now,
            )
        )
        rows = np.flatnonzero(used & (table.criterion == code))
        for week, alpha in summary.alpha_by_week.items():
            in_week = rows[table.week[rows] == week]
            low, high = alpha_bootstrap_ci(
                table.item[in_week], table.value[in_week], level=criterion.level,
                n_boot=settings.QUALITY_WEEKLY_BOOTSTRAP_SAMPLES, seed=week,
            )
            objects.append(
                CriterionAgreement(
                    client_id=client_id, criterion=criterion, week=week_start(week), alpha=_number(alpha),
                    alpha_low=_number(low), alpha_high=_number(high), n_items=int(np.unique(table.item[in_week]).size),
                    n_ratings=int(in_week.size), consensus_method=summary.consensus_method, computed_at=now,
                )
            )
    CriterionAgreement.objects.filter(client_id=client_id).delete()
    CriterionAgreement.objects.bulk_create(objects, batch_size=BATCH)


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
