"""From a report to training labels: rating statuses, the clean consensus and training weights.

The service decides nothing numeric itself: it loads the ratings, runs `assess_quality`, asks
these functions what each rating's status is and what the clean labels agree on, and stores
the answers. Training reads the stored clean consensus; where the checker has stored none for
a cell yet (labels accepted since the last run), it asks `clean_consensus` here too, so there
is one consensus of clean labels, computed one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from review.quality.consensus import consensus_estimate
from review.quality.report import CriterionSpec
from review.quality.table import KIND_NORMAL, KIND_REPEAT

# The order of these codes is the order of the service's Rating.Status choices.
RATING_STATUSES: tuple[str, ...] = ("pending", "clean", "flagged", "accepted", "rejected")
PENDING, CLEAN, FLAGGED, ACCEPTED, REJECTED = range(len(RATING_STATUSES))
DECIDED = (ACCEPTED, REJECTED)
TRAINABLE = (CLEAN, ACCEPTED)


@dataclass(frozen=True)
class CleanConsensus:
    """Consensus of the clean and accepted labels per cell (key = item * n_criteria + criterion)."""

    value: np.ndarray  # NaN where the cell has no clean label
    uncertainty: np.ndarray
    count: np.ndarray  # clean labels in the cell
    n_criteria: int

    def key(self, item: np.ndarray, criterion: np.ndarray) -> np.ndarray:
        """Cell keys of (item, criterion) code pairs."""
        return np.asarray(item, dtype=np.int64) * self.n_criteria + np.asarray(criterion)


def rating_statuses(*, creative: np.ndarray, kind: np.ndarray, status: np.ndarray,
                    excluded: np.ndarray, flagged: np.ndarray, overlap: int) -> np.ndarray:
    """Status code per rating: pending below the overlap, else flagged or clean.

    A creative reaches its overlap with normal ratings that were not rejected, from raters who
    are not excluded. Reviewer decisions (accepted, rejected) are kept; an excluded rater's
    ratings are rejected.
    """
    creative, status = np.asarray(creative), np.asarray(status)
    excluded, flagged = np.asarray(excluded, dtype=bool), np.asarray(flagged, dtype=bool)
    counts_toward = (np.asarray(kind) == KIND_NORMAL) & (status != REJECTED) & ~excluded
    creative_ids, code = np.unique(creative, return_inverse=True)
    raters_per_creative = np.bincount(code[counts_toward], minlength=creative_ids.size)
    result = np.where(flagged, FLAGGED, CLEAN)
    result = np.where(raters_per_creative[code] < overlap, PENDING, result)
    result = np.where(excluded, REJECTED, result)
    return np.where(np.isin(status, DECIDED), status, result).astype(np.int8)


def clean_consensus(*, item: np.ndarray, rater: np.ndarray, criterion: np.ndarray,
                    value: np.ndarray, kind: np.ndarray | None, status: np.ndarray,
                    specs: Sequence[CriterionSpec], n_items: int,
                    n_raters: int) -> CleanConsensus:
    """The consensus of each cell from its clean and accepted labels only (repeats left out).

    Rows are the labels (one per rating and criterion, as in a RatingTable), `status` the
    rating status code of each row and `specs` the criteria by code; the consensus method is
    the criterion's, as in the full report.
    """
    item, rater = np.asarray(item, dtype=np.int64), np.asarray(rater, dtype=np.int64)
    criterion, value = np.asarray(criterion, dtype=np.int64), np.asarray(value, dtype=float)
    n_criteria = len(specs)
    size = max(n_items * n_criteria, 1)
    result = CleanConsensus(np.full(size, np.nan), np.full(size, np.nan),
                            np.zeros(size, dtype=np.int64), n_criteria)
    usable = np.isin(status, TRAINABLE) & np.isfinite(value)
    if kind is not None:
        usable &= np.asarray(kind) != KIND_REPEAT
    for code, spec in enumerate(specs):
        rows = np.flatnonzero(usable & (criterion == code))
        if not rows.size:
            continue
        item_ids, local = np.unique(item[rows], return_inverse=True)
        estimate = consensus_estimate(items=local, raters=rater[rows], values=value[rows],
                                      n_items=item_ids.size, n_raters=n_raters,
                                      level=spec.level, method=spec.consensus)
        keys = result.key(item_ids, np.full(item_ids.size, code))
        result.value[keys], result.uncertainty[keys] = estimate.value, estimate.uncertainty
        result.count[keys] = np.bincount(local, minlength=item_ids.size)
    return result


def training_weights(*, n_clean: np.ndarray, uncertainty: np.ndarray, criterion: np.ndarray,
                     specs: Sequence[CriterionSpec], overlap: int) -> np.ndarray:
    """Weight 0..1 of each cell as a training target: the overlap filled and a tight consensus.

    The consensus uncertainty is scaled by half the criterion's range (nominal: it already is a
    1 - max probability), so an sd of half the scale or more leaves no confidence.
    """
    criterion = np.asarray(criterion, dtype=np.int64)
    n_clean = np.asarray(n_clean, dtype=float)
    half_span = np.array([_half_span(spec) for spec in specs] or [1.0])[criterion]
    nominal = np.array([spec.level == "nominal" for spec in specs] or [False])[criterion]
    uncertainty = np.asarray(uncertainty, dtype=float)
    spread = np.where(nominal, uncertainty, uncertainty / half_span)
    with np.errstate(invalid="ignore"):
        weight = np.minimum(1.0, n_clean / max(overlap, 1)) * np.clip(1.0 - spread, 0.0, 1.0)
    return np.where((n_clean > 0) & np.isfinite(weight), weight, 0.0)


def _half_span(spec: CriterionSpec) -> float:
    if spec.scale is None:
        return 1.0
    low, high = spec.scale
    return max((float(high) - float(low)) / 2.0, 1.0)
