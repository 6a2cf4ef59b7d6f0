"""Assignment: fair overlap, queue order, leases, skips, undo, repeats, gold and calibration."""
import random
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback.models import Creative, Lease, Rating
from feedback.selectors import rater_progress
from feedback.services.assignment import queue_next_for_rater, queue_skip
from feedback.services.gold import gold_set
from feedback.services.ratings import RatingInput, rating_create, rating_undo
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory, RatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_client():
    """A client with no repeats or gold, so every pick is a normal one."""
    client = ClientFactory(overlap=3, repeat_rate=0.0, gold_rate=0.0)
    CriterionFactory(client=client)
    return client


def _rater(client):
    return MembershipFactory(client=client).user


def _rate(client, rater, creative, value=3):
    scores = {str(c.id): value for c in client.criteria.filter(active=True)}
    data = RatingInput(creative_id=creative.id, scores=scores, client_uuid=uuid.uuid4(), duration_ms=1000)
    return rating_create(client=client, rater=rater, data=data)[0]


def _drain(client, rater, rng=None):
    rated = []
    while (assignment := queue_next_for_rater(client=client, rater=rater, rng=rng)) is not None:
        rated.append(_rate(client, rater, assignment.creative))
    return rated


def test_five_raters_draining_twenty_creatives_give_each_exactly_overlap_normal_ratings(plain_client):
    creatives = CreativeFactory.create_batch(20, client=plain_client)
    raters = [_rater(plain_client) for _ in range(5)]
    # Interleave the raters the way a working day does: one item each in turn until all are done.
    active = list(raters)
    while active:
        for rater in list(active):
            assignment = queue_next_for_rater(client=plain_client, rater=rater)
            if assignment is None:
                active.remove(rater)
            else:
                _rate(plain_client, rater, assignment.creative)
    for creative in creatives:
        normal = Rating.objects.filter(creative=creative, kind=Rating.Kind.NORMAL)
        assert normal.count() == 3
        assert normal.values("rater").distinct().count() == 3
        creative.refresh_from_db()
        assert creative.normal_rating_count == 3
    assert not Lease.objects.exists()


def test_next_item_has_fewest_ratings_then_highest_priority_then_oldest(plain_client):
    older, newer, uncertain, busy = CreativeFactory.create_batch(4, client=plain_client)
    Creative.objects.filter(id=uncertain.id).update(queue_priority=0.9)
    Creative.objects.filter(id=busy.id).update(queue_priority=5.0)
    RatingFactory(creative=busy)
    Creative.objects.filter(id=busy.id).update(normal_rating_count=1)
    rater = _rater(plain_client)
    order = [
        queue_next_for_rater(client=plain_client, rater=rater, exclude_creative_ids=seen).creative.id
        for seen in ([], [uncertain.id], [uncertain.id, older.id], [uncertain.id, older.id, newer.id])
    ]
    assert order == [uncertain.id, older.id, newer.id, busy.id]


def test_asking_again_returns_the_lease_already_held(plain_client):
    CreativeFactory.create_batch(3, client=plain_client)
    rater = _rater(plain_client)
    first = queue_next_for_rater(client=plain_client, rater=rater)
    again = queue_next_for_rater(client=plain_client, rater=rater)
    prefetched = queue_next_for_rater(client=plain_client, rater=rater, exclude_creative_ids=[first.creative.id])
    assert again.lease.id == first.lease.id
    assert prefetched.creative.id != first.creative.id


def test_a_full_lease_set_hides_the_creative_until_the_leases_expire(plain_client):
    plain_client.overlap = 2
    creative = CreativeFactory(client=plain_client)
    holders = [_rater(plain_client) for _ in range(2)]
    for holder in holders:
        assert queue_next_for_rater(client=plain_client, rater=holder).creative == creative
    latecomer = _rater(plain_client)
    assert queue_next_for_rater(client=plain_client, rater=latecomer) is None
    now = timezone.now()
    Lease.objects.update(expires_at=now - timedelta(seconds=1), created_at=now - timedelta(minutes=3))
    assert queue_next_for_rater(client=plain_client, rater=latecomer).creative == creative


def test_skipped_creative_is_not_served_again_to_that_rater(plain_client):
    only = CreativeFactory(client=plain_client)
    rater = _rater(plain_client)
    queue_next_for_rater(client=plain_client, rater=rater)
    queue_skip(client=plain_client, rater=rater, creative_id=only.id, reason="Image does not load")
    assert queue_next_for_rater(client=plain_client, rater=rater) is None
    assert queue_next_for_rater(client=plain_client, rater=_rater(plain_client)).creative == only


def test_archived_and_gold_creatives_stay_out_of_the_normal_queue(plain_client):
    CreativeFactory(client=plain_client, archived=True)
    CreativeFactory(client=plain_client, is_gold=True)
    assert queue_next_for_rater(client=plain_client, rater=_rater(plain_client)) is None


def test_undo_within_a_minute_deletes_the_rating_and_leases_the_creative_back(plain_client):
    creative = CreativeFactory(client=plain_client)
    rater = _rater(plain_client)
    queue_next_for_rater(client=plain_client, rater=rater)
    rating = _rate(plain_client, rater, creative)
    lease = rating_undo(client=plain_client, rater=rater, rating_id=rating.id)
    creative.refresh_from_db()
    assert not Rating.objects.filter(id=rating.id).exists()
    assert creative.normal_rating_count == 0
    assert queue_next_for_rater(client=plain_client, rater=rater).lease.id == lease.id


def test_undo_after_a_minute_is_refused(plain_client):
    creative = CreativeFactory(client=plain_client)
    rater = _rater(plain_client)
    rating = _rate(plain_client, rater, creative)
    Rating.objects.filter(id=rating.id).update(submitted_at=timezone.now() - timedelta(seconds=61))
    with pytest.raises(ValidationError):
        rating_undo(client=plain_client, rater=rater, rating_id=rating.id)
    assert Rating.objects.filter(id=rating.id).exists()


def test_repeat_is_a_creative_rated_at_least_twenty_ratings_ago(plain_client):
    creatives = CreativeFactory.create_batch(30, client=plain_client)
    rater = _rater(plain_client)
    for creative in creatives[:25]:
        _rate(plain_client, rater, creative)
    plain_client.repeat_rate = 1.0
    assignment = queue_next_for_rater(client=plain_client, rater=rater, rng=random.Random(1))
    assert assignment.kind == Rating.Kind.REPEAT
    assert assignment.creative.id in {c.id for c in creatives[:5]}
    rating = _rate(plain_client, rater, assignment.creative)
    assert rating.kind == Rating.Kind.REPEAT
    assert Rating.objects.filter(rater=rater, creative=assignment.creative).count() == 2


def test_no_repeat_before_the_rater_has_twenty_older_ratings(plain_client):
    creatives = CreativeFactory.create_batch(25, client=plain_client)
    rater = _rater(plain_client)
    for creative in creatives[:20]:
        _rate(plain_client, rater, creative)
    plain_client.repeat_rate = 1.0
    assert queue_next_for_rater(client=plain_client, rater=rater).kind == Rating.Kind.NORMAL


def test_new_rater_is_calibrated_on_up_to_five_gold_items_first(plain_client):
    manager = MembershipFactory(client=plain_client, role="manager").user
    criterion = plain_client.criteria.get()
    for gold in CreativeFactory.create_batch(6, client=plain_client):
        gold_set(client=plain_client, creative=gold, scores={str(criterion.id): 4}, by=manager)
    CreativeFactory.create_batch(3, client=plain_client)
    rater = _rater(plain_client)
    kinds = [_rate(plain_client, rater, a.creative).kind for a in iter(
        lambda: queue_next_for_rater(client=plain_client, rater=rater, rng=random.Random(0)), None
    )]
    assert kinds == ["calibration"] * 5 + ["normal"] * 3


def test_gold_items_are_mixed_in_at_the_gold_rate(plain_client):
    manager = MembershipFactory(client=plain_client, role="manager").user
    criterion = plain_client.criteria.get()
    gold = CreativeFactory(client=plain_client)
    gold_set(client=plain_client, creative=gold, scores={str(criterion.id): 2}, by=manager)
    CreativeFactory.create_batch(2, client=plain_client)
    rater = _rater(plain_client)
    _rate(plain_client, rater, CreativeFactory(client=plain_client))  # past calibration
    plain_client.gold_rate = 1.0
    assignment = queue_next_for_rater(client=plain_client, rater=rater)
    assert (assignment.creative, assignment.kind) == (gold, Rating.Kind.GOLD)
    assert _rate(plain_client, rater, gold).kind == Rating.Kind.GOLD


def test_progress_counts_todays_ratings_and_what_is_left(plain_client):
    creatives = CreativeFactory.create_batch(4, client=plain_client)
    rater = _rater(plain_client)
    _rate(plain_client, rater, creatives[0])
    assert rater_progress(client=plain_client, rater=rater) == (1, 3)


def test_rating_records_shown_time_from_the_lease_when_the_page_sent_none(plain_client):
    CreativeFactory(client=plain_client)
    rater = _rater(plain_client)
    assignment = queue_next_for_rater(client=plain_client, rater=rater)
    rating = _rate(plain_client, rater, assignment.creative)
    assert rating.shown_at == assignment.lease.created_at
    assert rating.duration_ms == 1000
