"""promotion_decision: better overall and worse on no criterion, with the comparison it stores."""
import numpy as np

from training.services.evaluation import promotion_decision


def _side(errors: dict[str, float], n: int = 30) -> tuple[dict, dict]:
    """Metrics and per-creative errors of a model whose error on each criterion is constant."""
    arrays = {key: np.full(n, mae) for key, mae in errors.items()}
    criteria = {key: {"mae": mae, "spearman": 0.5, "n": n} for key, mae in errors.items()}
    return criteria, arrays


def _new(new: dict[str, float], baseline: dict[str, float]) -> dict:
    new_criteria, new_errors = _side(new)
    base_criteria, base_errors = _side(baseline)
    mean = float(np.mean(list(new.values())))
    return {"criteria": new_criteria, "baseline": base_criteria, "summary": {"mae": mean, "spearman": 0.5},
            "baseline_summary": {"mae": float(np.mean(list(baseline.values()))), "spearman": 0.5},
            "errors": {"new": new_errors, "baseline": base_errors}}


def test_a_model_better_on_the_mean_but_worse_than_the_baseline_on_one_criterion_is_held_back(settings):
    settings.TASTEMAKER_PROMOTION_MARGIN = 0.0
    new = _new({"1": 0.5, "2": 0.927}, {"1": 0.9, "2": 0.863})
    promote, reason, comparison = promotion_decision(new=new, active=None, active_note="no active model yet",
                                                     names={"2": "brand_fit"})
    assert not promote
    assert "brand_fit is worse than predict-the-mean (MAE 0.927 vs 0.863, +7.4%" in reason
    assert comparison["held_back_for"] == [{"criterion": "2", "against": "baseline"}]
    assert comparison["criteria"]["1"]["vs_baseline"]["verdict"] == "better"


def test_a_model_worse_than_the_active_one_on_a_criterion_is_held_back(settings):
    settings.TASTEMAKER_PROMOTION_MARGIN = 0.0
    new = _new({"1": 0.4, "2": 0.7}, {"1": 0.9, "2": 0.9})
    active_criteria, active_errors = _side({"1": 0.6, "2": 0.6})
    active = {"criteria": active_criteria, "summary": {"mae": 0.6, "spearman": 0.5}, "errors": active_errors}
    promote, reason, comparison = promotion_decision(new=new, active=active, active_note="active v1")
    assert not promote and "2 is worse than active v1" in reason
    assert comparison["criteria"]["1"]["vs_active"]["verdict"] == "better"


def test_a_model_better_everywhere_is_promoted(settings):
    settings.TASTEMAKER_PROMOTION_MARGIN = 0.0
    promote, reason, comparison = promotion_decision(new=_new({"1": 0.5, "2": 0.6}, {"1": 0.9, "2": 0.9}),
                                                     active=None, active_note="no active model yet")
    assert promote and reason.startswith("promoted") and comparison["held_back_for"] == []


def test_a_promoted_model_slightly_worse_on_a_criterion_says_so_in_its_reason(settings):
    settings.TASTEMAKER_PROMOTION_MARGIN = 0.0
    promote, reason, _ = promotion_decision(new=_new({"1": 0.5, "2": 0.89}, {"1": 0.9, "2": 0.863}),
                                            active=None, active_note="no active model yet", names={"2": "brand_fit"})
    assert promote and "within it: brand_fit +3.1% vs predict-the-mean" in reason
