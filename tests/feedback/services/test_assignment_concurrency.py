"""Assignment under real concurrency: threads with their own PostgreSQL connections."""
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection, transaction

from feedback.models import Creative, Lease, Rating
from feedback.services import assignment
from feedback.services.assignment import queue_next_for_rater
from feedback.services.ratings import RatingInput, rating_create
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture
def crowded_client():
    """Five creatives at overlap 3 (15 slots) and twenty raters who all want one."""
    client = ClientFactory(overlap=3, repeat_rate=0.0, gold_rate=0.0)
    CriterionFactory(client=client)
    CreativeFactory.create_batch(5, client=client)
    raters = [MembershipFactory(client=client).user for _ in range(THREADS)]
    return client, raters


def _in_threads(raters, work):
    """Run `work(rater)` in one thread per rater, all released at once; re-raise the first error."""
    barrier = threading.Barrier(len(raters))
    errors, results = [], {}

    def run(rater):
        try:
            barrier.wait(timeout=30)
            results[rater.id] = work(rater)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(rater,)) for rater in raters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_twenty_raters_asking_at_once_never_lease_a_creative_past_its_overlap(crowded_client):
    client, raters = crowded_client
    results = _in_threads(raters, lambda rater: queue_next_for_rater(client=client, rater=rater))
    granted = [a for a in results.values() if a is not None]
    per_creative = Counter(a.creative.id for a in granted)
    assert len(granted) == 15
    assert max(per_creative.values()) == 3
    assert Lease.objects.count() == 15


def test_twenty_raters_draining_at_once_leave_every_creative_at_exactly_overlap(crowded_client):
    client, raters = crowded_client
    criterion_id = str(client.criteria.get().id)

    def drain(rater):
        while (assignment := queue_next_for_rater(client=client, rater=rater)) is not None:
            data = RatingInput(creative_id=assignment.creative.id, scores={criterion_id: 3}, client_uuid=uuid.uuid4())
            rating_create(client=client, rater=rater, data=data)

    _in_threads(raters, drain)
    per_creative = Counter(Rating.objects.filter(kind="normal").values_list("creative_id", flat=True))
    assert sorted(per_creative.values()) == [3] * 5


def _hold_row_locks(creative_ids, locked, release):
    """In a thread of its own: lock the creatives' rows, say so, and keep them until `release` is set."""
    try:
        with transaction.atomic():
            list(Creative.objects.select_for_update().filter(id__in=creative_ids))
            locked.set()
            release.wait(timeout=30)
    finally:
        connection.close()


def test_a_pick_that_finds_every_open_creative_locked_takes_one_once_released(crowded_client):
    client, raters = crowded_client
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row_locks, args=(list(client.creatives.values_list("id", flat=True)),
                                                            locked, release))
    holder.start()
    assert locked.wait(timeout=10)
    threading.Timer(0.3, release.set).start()
    try:
        picked = queue_next_for_rater(client=client, rater=raters[0])
    finally:
        release.set()
        holder.join(timeout=10)
    assert picked is not None


def test_a_pick_gives_up_rather_than_wait_on_locks_held_past_its_patience(crowded_client, monkeypatch):
    monkeypatch.setattr(assignment, "LOCKED_WAIT_MAX", 0.05)
    client, raters = crowded_client
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row_locks, args=(list(client.creatives.values_list("id", flat=True)),
                                                            locked, release))
    holder.start()
    assert locked.wait(timeout=10)
    try:
        assignment_or_none = queue_next_for_rater(client=client, rater=raters[0])
    finally:
        release.set()
        holder.join(timeout=10)
    assert assignment_or_none is None
    assert not Lease.objects.exists()
