"""The core's answers the service stores: rating statuses, clean consensus, training weights, weekly alpha."""

import numpy as np
import pytest

from review.quality import (
    CriterionSpec,
    alpha_bootstrap_ci,
    clean_consensus,
    krippendorff_alpha_long,
    rating_statuses,
    training_weights,
    weekly_agreement,
)
from review.quality.clean import ACCEPTED, CLEAN, FLAGGED, PENDING, REJECTED
from review.quality.table import KIND_NORMAL, KIND_REPEAT

ORDINAL = CriterionSpec(level="ordinal", scale=(1.0, 5.0))


def _statuses(creative, *, kind=None, status=None, excluded=None, flagged=None, overlap=3):
    n = len(creative)
    return rating_statuses(
        creative=np.array(creative), kind=np.array(kind or [KIND_NORMAL] * n),
        status=np.array(status or [PENDING] * n), excluded=np.array(excluded or [False] * n),
        flagged=np.array(flagged or [False] * n), overlap=overlap).tolist()


def test_ratings_of_a_creative_below_the_overlap_are_pending():
    assert _statuses([1, 1, 2, 2, 2]) == [PENDING, PENDING, CLEAN, CLEAN, CLEAN]


def test_a_flagged_rating_of_a_full_creative_is_flagged():
    assert _statuses([1, 1, 1], flagged=[False, True, False]) == [CLEAN, FLAGGED, CLEAN]


def test_repeats_rejected_ratings_and_excluded_raters_do_not_fill_the_overlap():
    kind = [KIND_NORMAL, KIND_NORMAL, KIND_REPEAT, KIND_NORMAL, KIND_NORMAL]
    status = [PENDING, PENDING, PENDING, REJECTED, PENDING]
    excluded = [False, False, False, False, True]
    assert _statuses([1] * 5, kind=kind, status=status, excluded=excluded) == [
        PENDING, PENDING, PENDING, REJECTED, REJECTED]


def test_reviewer_decisions_are_kept_whatever_the_flags_say():
    status = [ACCEPTED, REJECTED, CLEAN, CLEAN]
    flagged = [True, False, True, False]
    assert _statuses([1] * 4, status=status, flagged=flagged) == [ACCEPTED, REJECTED, FLAGGED, CLEAN]


def _clean(status, *, value=(4, 4, 1, 2, 2), kind=None, specs=(ORDINAL,)):
    n = len(value)
    return clean_consensus(
        item=np.array([0, 0, 0, 1, 1][:n]), rater=np.arange(n) % 3, criterion=np.zeros(n, dtype=int),
        value=np.array(value, dtype=float), kind=None if kind is None else np.array(kind),
        status=np.array(status), specs=list(specs), n_items=3, n_raters=3)


def test_clean_consensus_leaves_flagged_pending_and_rejected_labels_out():
    clean = _clean([CLEAN, ACCEPTED, FLAGGED, PENDING, REJECTED])
    assert clean.count.tolist() == [2, 0, 0]
    assert clean.value[0] == pytest.approx(4.0)
    assert np.isnan(clean.value[1:]).all()


def test_clean_consensus_leaves_repeats_out():
    clean = _clean([CLEAN] * 5, kind=[KIND_NORMAL, KIND_NORMAL, KIND_REPEAT, KIND_NORMAL, KIND_NORMAL])
    assert clean.count.tolist() == [2, 2, 0]


def test_clean_consensus_of_one_criterion_is_the_full_consensus_of_its_clean_labels():
    from review.quality import consensus_estimate

    rng = np.random.default_rng(0)
    items, raters = np.repeat(np.arange(40), 3), np.tile(np.arange(3), 40) + rng.integers(0, 2, 120) * 3
    values = np.clip(np.rint(3 + rng.normal(0, 1, 40)[items] + rng.normal(0, 0.5, 120)), 1, 5)
    clean = clean_consensus(item=items, rater=raters, criterion=np.zeros(120, dtype=int), value=values,
                            kind=None, status=np.full(120, CLEAN), specs=[ORDINAL], n_items=40, n_raters=6)
    full = consensus_estimate(items=items, raters=raters, values=values, n_items=40, n_raters=6)
    np.testing.assert_allclose(clean.value, full.value)


def test_cells_are_keyed_by_item_and_criterion():
    # Two raters who agree on every cell: each cell's consensus is its value.
    item, criterion = np.repeat([0, 0, 1, 1], 2), np.repeat([0, 1, 0, 1], 2)
    value = np.repeat([2.0, 5.0, 3.0, 1.0], 2)
    clean = clean_consensus(item=item, rater=np.tile([0, 1], 4), criterion=criterion, value=value, kind=None,
                            status=np.full(8, CLEAN), specs=[ORDINAL, ORDINAL], n_items=2, n_raters=2)
    cells = clean.value[clean.key(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))]
    assert cells == pytest.approx([2, 5, 3, 1], abs=0.01)


def _weights(n_clean, uncertainty, *, spec=ORDINAL, overlap=3):
    return training_weights(n_clean=np.array(n_clean), uncertainty=np.array(uncertainty, dtype=float),
                            criterion=np.zeros(len(n_clean), dtype=int), specs=[spec], overlap=overlap).tolist()


def test_full_overlap_and_a_certain_consensus_weigh_one_and_no_clean_label_zero():
    assert _weights([3, 5, 0], [0.0, 0.0, np.nan]) == [1.0, 1.0, 0.0]


def test_weight_grows_with_the_clean_labels_up_to_the_overlap():
    assert _weights([1, 2], [0.0, 0.0]) == pytest.approx([1 / 3, 2 / 3])


def test_an_uncertainty_of_half_the_scale_leaves_no_weight():
    assert _weights([3, 3], [1.0, 2.0]) == pytest.approx([0.5, 0.0])


def test_a_nominal_uncertainty_is_already_a_share():
    assert _weights([3], [0.25], spec=CriterionSpec(level="nominal", scale=(0.0, 9.0))) == [0.75]


def _weeks(seed=0):
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(300), 3)
    values = np.clip(np.rint(3 + rng.normal(0, 1, 300)[units] + rng.normal(0, 0.6, 900)), 1, 5)
    weeks = np.where(units < 150, 2800, 2801)
    return units, values, weeks


def test_weekly_alpha_is_the_alpha_of_each_weeks_labels_with_its_counts():
    units, values, weeks = _weeks()
    result = weekly_agreement(units, values, weeks)
    assert [w.week for w in result] == [2800, 2801]
    first = weeks == 2800
    assert result[0].alpha == pytest.approx(krippendorff_alpha_long(units[first], values[first]))
    assert (result[0].n_items, result[0].n_ratings) == (150, 450)
    assert np.isnan(result[0].low) and np.isnan(result[0].high)


def test_weekly_interval_is_the_bootstrap_of_that_week_seeded_by_the_week():
    units, values, weeks = _weeks()
    week = weekly_agreement(units, values, weeks, n_boot=200)[1]
    rows = weeks == 2801
    assert (week.low, week.high) == alpha_bootstrap_ci(units[rows], values[rows], n_boot=200, seed=2801)
    assert week.low < week.alpha < week.high
