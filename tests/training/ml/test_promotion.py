"""The per-criterion promotion rule on paired absolute errors (no database)."""
import numpy as np

from training.ml import RELATIVE_MAE_MARGIN, compare_criteria, compare_errors, held_back_for, promotion_allowed


def _errors(mae: float, n: int = 40, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).uniform(-0.05, 0.05, n)
    return np.abs(mae + noise)


def test_an_error_more_than_the_margin_above_is_worse() -> None:
    result = compare_errors(_errors(0.927), _errors(0.863))
    assert result["verdict"] == "worse" and result["relative"] > RELATIVE_MAE_MARGIN


def test_a_difference_within_the_margin_is_unchanged() -> None:
    assert compare_errors(_errors(0.88), _errors(0.863))["verdict"] == "unchanged"


def test_an_error_more_than_the_margin_below_is_better() -> None:
    assert compare_errors(_errors(0.70), _errors(0.863))["verdict"] == "better"


def test_creatives_unlabelled_on_either_side_are_left_out_and_none_left_is_untested() -> None:
    new, other = np.array([0.5, np.nan, 0.1]), np.array([0.5, 0.2, np.nan])
    assert compare_errors(new, other)["n"] == 1
    assert compare_errors(np.array([np.nan]), np.array([0.3]))["verdict"] == "untested"


def test_a_consistent_gap_is_significant_and_noise_is_not() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 2, 60)
    assert compare_errors(base + 0.3, base)["significant"]
    shuffled = compare_errors(rng.permutation(base), base)
    assert shuffled["ci"][0] < 0 < shuffled["ci"][1] and not shuffled["significant"]


def test_held_back_for_names_each_criterion_and_reference_it_loses_to() -> None:
    new = {"1": _errors(0.5), "2": _errors(0.927)}
    baseline = {"1": _errors(0.8), "2": _errors(0.863)}
    active = {"1": _errors(0.6)}
    comparisons = compare_criteria(new, baseline, active)
    assert held_back_for(comparisons) == [("2", "baseline")]
    assert comparisons["2"]["vs_active"] is None  # the active model did not know criterion 2
    assert not promotion_allowed(better_overall=True, comparisons=comparisons)


def test_better_overall_and_worse_nowhere_is_promoted_but_not_better_overall_is_not() -> None:
    comparisons = compare_criteria({"1": _errors(0.5)}, {"1": _errors(0.8)}, None)
    assert promotion_allowed(better_overall=True, comparisons=comparisons)
    assert not promotion_allowed(better_overall=False, comparisons=comparisons)
