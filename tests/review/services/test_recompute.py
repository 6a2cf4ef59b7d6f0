"""quality_recompute: statuses, flags, persisted results, idempotence, decisions left alone."""
import pytest

from feedback.models import CreativePrediction, GoldReference, Rating
from review.models import CriterionAgreement, Flag, ItemConsensus, QualityRun, RaterStats
from review.quality import RATING_STATUSES
from review.services.recompute import quality_recompute
from tests.factories import CreativeFactory, UserFactory
from tests.review.services.quality_data import agreeing_panel, rate

pytestmark = pytest.mark.django_db


def _status(rating) -> str:
    return Rating.objects.get(id=rating.id).status


def test_the_cores_status_codes_are_the_rating_statuses_in_their_order():
    assert tuple(Rating.Status.values) == RATING_STATUSES


def test_ratings_of_a_creative_below_overlap_stay_pending(tenant):
    creative = CreativeFactory(client=tenant["client"])
    first, second = rate(creative, UserFactory(), 3), rate(creative, UserFactory(), 3)
    quality_recompute(client=tenant["client"])
    assert (_status(first), _status(second)) == ("pending", "pending")


def test_far_off_rating_is_flagged_as_outlier_and_the_rest_are_clean(tenant):
    _, _, ratings = agreeing_panel(tenant["client"])
    run = quality_recompute(client=tenant["client"])
    outlier = ratings[(0, 3)]
    assert run.status == QualityRun.Status.SUCCEEDED and run.n_ratings == len(ratings)
    assert _status(outlier) == "flagged"
    flags = Flag.objects.filter(rating=outlier)
    assert flags.count() == 2 and all("outlier" in f.reasons for f in flags)
    others = Rating.objects.exclude(id=outlier.id)
    assert set(others.values_list("status", flat=True)) == {"clean"}


def test_results_are_persisted_per_criterion_creative_and_rater(tenant):
    creatives, raters, _ = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    assert ItemConsensus.objects.filter(client=tenant["client"]).count() == len(creatives) * 2
    assert RaterStats.objects.filter(client=tenant["client"]).count() == len(raters)
    overall = CriterionAgreement.objects.filter(client=tenant["client"], week__isnull=True)
    assert overall.count() == 2
    assert all(a.alpha_low <= a.alpha <= a.alpha_high for a in overall)
    assert CriterionAgreement.objects.filter(client=tenant["client"], week__isnull=False).exists()


def test_recompute_twice_gives_the_same_rows(tenant):
    agreeing_panel(tenant["client"])

    def snapshot():
        return (
            sorted(Rating.objects.values_list("id", "status")),
            sorted(Flag.objects.values_list("id", "rating_id", "criterion_id", "reasons", "severity", "status")),
            sorted(ItemConsensus.objects.values_list("creative_id", "criterion_id", "consensus", "clean_consensus")),
            sorted(RaterStats.objects.values_list("rater_id", "reliability", "bias", "n_flagged")),
            sorted(CriterionAgreement.objects.values_list("criterion_id", "week", "alpha", "alpha_low"), key=str),
        )

    quality_recompute(client=tenant["client"])
    first = snapshot()
    quality_recompute(client=tenant["client"])
    assert snapshot() == first
    assert QualityRun.objects.filter(status="succeeded").count() == 2


def test_reviewer_decisions_are_never_overwritten(tenant):
    _, _, ratings = agreeing_panel(tenant["client"])
    Rating.objects.filter(id=ratings[(0, 3)].id).update(status="accepted")
    Rating.objects.filter(id=ratings[(1, 0)].id).update(status="rejected")
    quality_recompute(client=tenant["client"])
    assert (_status(ratings[(0, 3)]), _status(ratings[(1, 0)])) == ("accepted", "rejected")
    assert set(Flag.objects.filter(rating=ratings[(0, 3)]).values_list("status", flat=True)) == {"accepted"}


def test_rejected_label_is_left_out_of_consensus(tenant):
    creatives, _, ratings = agreeing_panel(tenant["client"])
    criterion = tenant["criteria"][0]
    quality_recompute(client=tenant["client"])
    before = ItemConsensus.objects.get(creative=creatives[0], criterion=criterion)
    Rating.objects.filter(id=ratings[(0, 3)].id).update(status="rejected")
    quality_recompute(client=tenant["client"])
    after = ItemConsensus.objects.get(creative=creatives[0], criterion=criterion)
    assert (before.n_ratings, after.n_ratings) == (4, 3)
    assert after.mean < before.mean


def test_clean_consensus_uses_clean_labels_only_and_weighs_them(tenant):
    creatives, _, _ = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    criterion = tenant["criteria"][0]
    flagged_item = ItemConsensus.objects.get(creative=creatives[0], criterion=criterion)
    clean_item = ItemConsensus.objects.get(creative=creatives[1], criterion=criterion)
    assert (flagged_item.n_clean, clean_item.n_clean) == (3, 4)
    assert flagged_item.clean_consensus == pytest.approx(1.0, abs=0.5)
    assert 0 < clean_item.clean_weight <= 1


def test_pending_creatives_have_no_clean_consensus(tenant):
    creative = CreativeFactory(client=tenant["client"])
    rate(creative, UserFactory(), 3)
    quality_recompute(client=tenant["client"])
    row = ItemConsensus.objects.get(creative=creative, criterion=tenant["criteria"][0])
    assert row.clean_consensus is None and row.clean_weight == 0


def test_confident_out_of_fold_prediction_far_from_a_label_flags_model_disagreement(tenant):
    creatives, _, ratings = agreeing_panel(tenant["client"], outlier=False)
    criterion = tenant["criteria"][0]
    CreativePrediction.objects.create(
        creative=creatives[1], criterion=criterion, mean=5.0, std=0.05, out_of_fold=True, model_version="v1"
    )
    quality_recompute(client=tenant["client"])
    reasons = Flag.objects.filter(creative=creatives[1], criterion=criterion).values_list("reasons", flat=True)
    assert reasons and all("model_disagreement" in r for r in reasons)


def test_client_without_ratings_completes_with_empty_results(tenant):
    run = quality_recompute(client=tenant["client"])
    assert run.status == "succeeded" and run.n_ratings == 0
    assert not ItemConsensus.objects.exists()


def test_failure_marks_the_run_failed_with_the_error(tenant, monkeypatch):
    agreeing_panel(tenant["client"])

    def broken(**kwargs):
        raise RuntimeError("core exploded")

    monkeypatch.setattr("review.services.recompute.quality_assess", broken)
    with pytest.raises(RuntimeError):
        quality_recompute(client=tenant["client"])
    run = QualityRun.objects.get()
    assert run.status == "failed" and "core exploded" in run.error


def test_other_clients_ratings_are_not_touched(tenant):
    from tests.factories import ClientFactory, CriterionFactory

    other = ClientFactory()
    CriterionFactory(client=other)
    other_rating = rate(CreativeFactory(client=other), UserFactory(), 2)
    agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    assert _status(other_rating) == "pending"
    assert not ItemConsensus.objects.filter(client=other).exists()


def test_gold_references_give_gold_accuracy_and_flag_gold_misses(tenant):
    creatives, raters, _ = agreeing_panel(tenant["client"], outlier=False)
    gold = creatives[1]
    for criterion in tenant["criteria"]:
        GoldReference.objects.create(client=tenant["client"], creative=gold, criterion=criterion, value=1)
    quality_recompute(client=tenant["client"])
    accuracy = dict(RaterStats.objects.filter(client=tenant["client"]).values_list("rater_id", "gold_accuracy"))
    assert all(accuracy[r.id] is not None for r in raters)
    assert Flag.objects.filter(rating__creative=gold, reasons__contains=["gold_miss"]).exists()
