"""Reviewer decisions: audited, scoped to the client, reversible rater exclusion, more ratings."""
import pytest

from feedback.errors import NotFound
from feedback.models import Rating
from review.models import Flag, RaterExclusion, ReviewDecision
from review.services.decisions import (
    creative_request_more,
    flags_decide,
    rater_exclude,
    rater_include,
    ratings_decide,
)
from review.services.recompute import quality_recompute
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, UserFactory
from tests.review.services.quality_data import agreeing_panel, rate

pytestmark = pytest.mark.django_db


def _statuses(ratings) -> list[str]:
    return [Rating.objects.get(id=r.id).status for r in ratings]


def test_accept_and_reject_are_stored_with_who_and_when(tenant):
    _, _, ratings = agreeing_panel(tenant["client"])
    reviewer = tenant["reviewer"]
    ratings_decide(client=tenant["client"], actor=reviewer, rating_ids=[ratings[(0, 3)].id], action="accept", note="ok")
    ratings_decide(client=tenant["client"], actor=reviewer, rating_ids=[ratings[(1, 1)].id], action="reject")
    assert _statuses([ratings[(0, 3)], ratings[(1, 1)]]) == ["accepted", "rejected"]
    log = list(ReviewDecision.objects.order_by("id").values_list("actor_id", "action", "rating_id", "note"))
    assert log == [(reviewer.id, "accept", ratings[(0, 3)].id, "ok"), (reviewer.id, "reject", ratings[(1, 1)].id, "")]
    assert all(d.created_at for d in ReviewDecision.objects.all())


def test_bulk_flag_decision_rejects_the_flagged_ratings_and_their_flags(tenant):
    _, _, ratings = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    flag_ids = list(Flag.objects.values_list("id", flat=True))
    decided = flags_decide(client=tenant["client"], actor=tenant["reviewer"], flag_ids=flag_ids, action="reject")
    assert decided == [ratings[(0, 3)].id]
    assert set(Flag.objects.values_list("status", flat=True)) == {"rejected"}
    assert ReviewDecision.objects.filter(action="reject").count() == 1


def test_decisions_cannot_touch_another_clients_ratings(tenant):
    other = ClientFactory()
    CriterionFactory(client=other)
    foreign = rate(CreativeFactory(client=other), UserFactory(), 3)
    decided = ratings_decide(
        client=tenant["client"], actor=tenant["reviewer"], rating_ids=[foreign.id], action="reject"
    )
    assert decided == [] and _statuses([foreign]) == ["pending"]
    assert not ReviewDecision.objects.exists()


def test_exclude_rater_rejects_all_their_labels_and_include_restores_them(tenant):
    _, raters, ratings = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    bad = raters[3]
    theirs = [r for (i, j), r in ratings.items() if j == 3]
    ratings_decide(client=tenant["client"], actor=tenant["reviewer"], rating_ids=[theirs[1].id], action="accept")
    ratings_decide(client=tenant["client"], actor=tenant["reviewer"], rating_ids=[theirs[2].id], action="reject")

    rater_exclude(client=tenant["client"], actor=tenant["reviewer"], rater_id=bad.id)
    assert set(_statuses(theirs)) == {"rejected"}
    quality_recompute(client=tenant["client"])
    assert set(_statuses(theirs)) == {"rejected"}

    rater_include(client=tenant["client"], actor=tenant["manager"], rater_id=bad.id)
    quality_recompute(client=tenant["client"])
    after = _statuses(theirs)
    assert after[1] == "accepted" and after[2] == "rejected"
    assert after[0] == "flagged" and set(after[3:]) == {"clean"}
    assert not RaterExclusion.objects.get(rater=bad).active
    actions = list(ReviewDecision.objects.filter(rater=bad, rating=None).values_list("action", flat=True))
    assert sorted(actions) == ["exclude_rater", "include_rater"]


def test_excluded_raters_labels_leave_the_consensus(tenant):
    creatives, raters, _ = agreeing_panel(tenant["client"])
    rater_exclude(client=tenant["client"], actor=tenant["reviewer"], rater_id=raters[3].id)
    quality_recompute(client=tenant["client"])
    from review.models import ItemConsensus

    assert ItemConsensus.objects.get(creative=creatives[0], criterion=tenant["criteria"][0]).n_ratings == 3


def test_excluding_twice_is_one_exclusion(tenant):
    _, raters, _ = agreeing_panel(tenant["client"])
    for _ in range(2):
        rater_exclude(client=tenant["client"], actor=tenant["reviewer"], rater_id=raters[0].id)
    assert RaterExclusion.objects.count() == 1
    assert ReviewDecision.objects.filter(action="exclude_rater").count() == 1


def test_excluding_a_stranger_is_not_found(tenant):
    with pytest.raises(NotFound):
        rater_exclude(client=tenant["client"], actor=tenant["reviewer"], rater_id=UserFactory().id)


def test_request_more_raises_the_creatives_extra_overlap_and_is_audited(tenant):
    creative = CreativeFactory(client=tenant["client"])
    creative_request_more(client=tenant["client"], actor=tenant["reviewer"], creative_id=creative.id)
    updated = creative_request_more(client=tenant["client"], actor=tenant["reviewer"], creative_id=creative.id, extra=2)
    assert updated.extra_overlap == 3
    assert ReviewDecision.objects.filter(action="request_more", creative=creative).count() == 2


def test_request_more_for_another_clients_creative_is_not_found(tenant):
    foreign = CreativeFactory(client=ClientFactory())
    with pytest.raises(NotFound):
        creative_request_more(client=tenant["client"], actor=tenant["reviewer"], creative_id=foreign.id)
