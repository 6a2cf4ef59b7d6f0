"""Store the checker's report: rating statuses, flags, consensus, rater stats and agreement.

Every number stored here is computed by the checker's core (`review.quality`: the report, the
rating statuses, the clean consensus, training weights, weekly agreement); this module only maps
codes back to ids and writes, with COPY on PostgreSQL.

Runs inside the recompute's transaction, so pages and the API see the whole previous report or
the whole new one. Reviewer decisions (accepted, rejected) are never overwritten, here or by a
concurrent decision: every status update excludes them in its WHERE clause.
"""
import itertools
import json
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from feedback.models import Client, Rating
from review.models import CriterionAgreement, Flag, ItemConsensus, RaterExclusion, RaterStats
from review.quality import (
    KINDS,
    CriterionSpec,
    QualityReport,
    clean_consensus,
    rating_statuses,
    training_weights,
    weekly_agreement,
)
from review.services.rating_table import STATUS_CODE, STATUS_CODES, LoadedRatings, week_start

KIND_REPEAT = KINDS.index("repeat")
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
    ratings = loaded.ratings
    return rating_statuses(creative=ratings.creative, kind=ratings.kind, status=ratings.status,
                           excluded=ratings.excluded, flagged=flagged, overlap=loaded.overlap)


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
                f"UPDATE {Rating._meta.db_table} SET status = %s WHERE id = ANY(%s) AND status NOT IN (%s, %s)",  # noqa: S608
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
    index = loaded.row_rating[rows]
    names: dict[int, str] = {}
    for mask in np.unique(flags.reasons[rows]).tolist():
        names[mask] = json.dumps(flags.reason_names(int(np.flatnonzero(flags.reasons == mask)[0])))
    z = flags.outlier_z[rows]
    records = zip(
        loaded.ratings.id[index].tolist(),
        [loaded.criteria[c].id for c in loaded.table.criterion[rows].tolist()],
        loaded.ratings.rater[index].tolist(), loaded.ratings.creative[index].tolist(),
        [names[m] for m in flags.reasons[rows].tolist()], flags.severity[rows].astype(float).tolist(),
        [v if np.isfinite(v) else None for v in z.tolist()],
        [FLAG_STATUS.get(code, Flag.Status.OPEN) for code in status[index].tolist()],
        strict=True,
    )
    if connection.vendor == "postgresql":
        _copy_upsert_flags(client_id, records, now)
    else:
        Flag.objects.bulk_create(
            [
                Flag(client_id=client_id, rating_id=r, criterion_id=c, rater_id=u, creative_id=cr,
                     reasons=json.loads(reasons), severity=sev, outlier_z=oz, status=st, computed_at=now)
                for r, c, u, cr, reasons, sev, oz, st in records
            ],
            batch_size=BATCH, update_conflicts=True, unique_fields=["rating", "criterion"],
            update_fields=["reasons", "severity", "outlier_z", "status", "computed_at"],
        )
    Flag.objects.filter(client_id=client_id, status=Flag.Status.OPEN, computed_at__lt=now).delete()


def _copy_upsert_flags(client_id: int, records, now) -> None:
    """COPY into a temporary table, then one INSERT .. ON CONFLICT: Django's bulk_create is ~50x slower."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE quality_flag_in (rating_id bigint, criterion_id bigint, rater_id bigint, "
            "creative_id bigint, reasons jsonb, severity double precision, outlier_z double precision, "
            "status varchar(16)) ON COMMIT DROP"
        )
        _copy("quality_flag_in", records)
        cursor.execute(
            f"INSERT INTO {Flag._meta.db_table} (client_id, rating_id, criterion_id, rater_id, creative_id, "  # noqa: S608
            "reasons, severity, outlier_z, status, created_at, computed_at) "
            "SELECT %s, rating_id, criterion_id, rater_id, creative_id, reasons, severity, outlier_z, status, %s, %s "
            "FROM quality_flag_in ON CONFLICT ON CONSTRAINT flag_one_per_rating_criterion DO UPDATE SET "
            "reasons = EXCLUDED.reasons, severity = EXCLUDED.severity, outlier_z = EXCLUDED.outlier_z, "
            "status = EXCLUDED.status, computed_at = EXCLUDED.computed_at",
            [client_id, now, now],
        )
        cursor.execute("DROP TABLE quality_flag_in")


def _copy(table: str, records, columns: tuple[str, ...] = ()) -> None:
    """COPY rows of plain Python values into `table` on the current (PostgreSQL) connection."""
    target = f"{table} ({', '.join(columns)})" if columns else table
    with connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for record in records:
            copy.write_row(record)


# --- consensus -----------------------------------------------------------------------------------


def _store_consensus(client_id: int, loaded: LoadedRatings, report: QualityReport, status: np.ndarray, now) -> None:
    items, table = report.items, loaded.table
    specs = _specs(loaded)
    clean = clean_consensus(
        item=table.item, rater=table.rater, criterion=table.criterion, value=table.value, kind=table.kind,
        status=status[loaded.row_rating], specs=specs, n_items=len(loaded.creative_ids),
        n_raters=len(loaded.rater_ids),
    )
    key = clean.key(items.item, items.criterion)
    n_clean = clean.count[key]
    weights = training_weights(n_clean=n_clean, uncertainty=clean.uncertainty[key], criterion=items.criterion,
                               specs=specs, overlap=loaded.overlap)
    records = zip(
        itertools.repeat(client_id), loaded.creative_ids[items.item].tolist(),
        [loaded.criteria[c].id for c in items.criterion.tolist()],
        _numbers(items.consensus), _numbers(items.uncertainty), items.n_ratings.tolist(), _numbers(items.mean),
        _numbers(items.majority), _numbers(np.where(n_clean > 0, clean.value[key], np.nan)), weights.tolist(),
        n_clean.tolist(), itertools.repeat(now),
        strict=False,
    )
    columns = ("client_id", "creative_id", "criterion_id", "consensus", "uncertainty", "n_ratings", "mean",
               "majority", "clean_consensus", "clean_weight", "n_clean", "computed_at")
    ItemConsensus.objects.filter(client_id=client_id).delete()
    if connection.vendor == "postgresql":
        _copy(ItemConsensus._meta.db_table, records, columns)
    else:
        ItemConsensus.objects.bulk_create(
            [ItemConsensus(**dict(zip(columns, record, strict=True))) for record in records], batch_size=BATCH
        )


def _specs(loaded: LoadedRatings) -> list[CriterionSpec]:
    """The criteria's specs by criterion code, as the report was computed with."""
    return [loaded.specs[str(criterion.id)] for criterion in loaded.criteria]


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
        weeks = weekly_agreement(table.item[rows], table.value[rows], table.week[rows], level=criterion.level,
                                 n_boot=settings.QUALITY_WEEKLY_BOOTSTRAP_SAMPLES)
        objects.extend(
            CriterionAgreement(
                client_id=client_id, criterion=criterion, week=week_start(week.week), alpha=_number(week.alpha),
                alpha_low=_number(week.low), alpha_high=_number(week.high), n_items=week.n_items,
                n_ratings=week.n_ratings, consensus_method=summary.consensus_method, computed_at=now,
            )
            for week in weeks
        )
    CriterionAgreement.objects.filter(client_id=client_id).delete()
    CriterionAgreement.objects.bulk_create(objects, batch_size=BATCH)


def _numbers(values: np.ndarray) -> list[float | None]:
    return [v if np.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
