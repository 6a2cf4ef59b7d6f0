"""Rating-queue API: next item, submit, skip, undo, progress and gold references, per the contract."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Creative, Lease, Rating
from tests.factories import ClientFactory, CreativeFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(tenant):
    """The tenant without random repeats or gold, and three creatives."""
    client = tenant["client"]
    client.repeat_rate = client.gold_rate = 0.0
    client.save()
    return {**tenant, "creatives": CreativeFactory.create_batch(3, client=client), "slug": client.slug}


def _scores(queue, value=3):
    return {str(c.id): value for c in queue["criteria"]}


def _submit(api, queue, creative_id, **extra):
    body = {"creative": creative_id, "scores": _scores(queue), "client_uuid": str(uuid.uuid4()), "duration_ms": 2500}
    return api.post(f"/api/v1/clients/{queue['slug']}/ratings/", {**body, **extra}, format="json")


def test_next_returns_creative_kind_and_lease(queue, api_as):
    response = api_as(queue["rater"]).get(f"/api/v1/clients/{queue['slug']}/queue/next/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"creative", "kind", "lease", "lease_expires"}
    assert {"id", "image", "headline", "body"} <= set(body["creative"])
    assert body["creative"]["id"] == queue["creatives"][0].id
    assert body["kind"] == "normal"


def test_next_answers_204_when_nothing_is_left(queue, api_as):
    Creative.objects.filter(client=queue["client"]).update(archived=True)
    response = api_as(queue["rater"]).get(f"/api/v1/clients/{queue['slug']}/queue/next/")
    assert response.status_code == 204


def test_next_with_exclude_prefetches_a_different_creative(queue, api_as):
    api = api_as(queue["rater"])
    first = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()
    second = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/?exclude={first['creative']['id']}").json()
    assert second["creative"]["id"] != first["creative"]["id"]


def test_double_submit_with_one_uuid_stores_one_rating(queue, api_as):
    api = api_as(queue["rater"])
    creative = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
    body = {"creative": creative, "scores": _scores(queue), "client_uuid": str(uuid.uuid4()), "duration_ms": 2500}
    first = api.post(f"/api/v1/clients/{queue['slug']}/ratings/", body, format="json")
    second = api.post(f"/api/v1/clients/{queue['slug']}/ratings/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert Rating.objects.filter(creative_id=creative).count() == 1
    assert Creative.objects.get(id=creative).normal_rating_count == 1


def test_skip_stores_the_reason_and_moves_on(queue, api_as):
    api = api_as(queue["rater"])
    first = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
    body = {"creative": first, "reason": "Blurry"}
    skipped = api.post(f"/api/v1/clients/{queue['slug']}/queue/skip/", body, format="json")
    after = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
    assert skipped.status_code == 201
    assert skipped.json() == {"creative": first, "reason": "Blurry"}
    assert after != first


def test_undo_within_the_window_deletes_the_rating(queue, api_as):
    api = api_as(queue["rater"])
    creative = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
    rating_id = _submit(api, queue, creative).json()["id"]
    undone = api.post(f"/api/v1/clients/{queue['slug']}/ratings/{rating_id}/undo/")
    assert undone.status_code == 200
    assert undone.json()["creative"] == creative
    assert not Rating.objects.filter(id=rating_id).exists()


def test_undo_after_sixty_seconds_answers_400(queue, api_as):
    api = api_as(queue["rater"])
    rating_id = _submit(api, queue, queue["creatives"][0].id).json()["id"]
    Rating.objects.filter(id=rating_id).update(submitted_at=timezone.now() - timedelta(seconds=61))
    response = api.post(f"/api/v1/clients/{queue['slug']}/ratings/{rating_id}/undo/")
    assert response.status_code == 400
    assert Rating.objects.filter(id=rating_id).exists()


def test_undo_of_another_raters_rating_is_refused(queue, api_as):
    rating_id = _submit(api_as(queue["rater"]), queue, queue["creatives"][0].id).json()["id"]
    response = api_as(queue["manager"]).post(f"/api/v1/clients/{queue['slug']}/ratings/{rating_id}/undo/")
    assert response.status_code == 400
    assert Rating.objects.filter(id=rating_id).exists()


def test_progress_counts_today_and_the_queue(queue, api_as):
    api = api_as(queue["rater"])
    _submit(api, queue, queue["creatives"][0].id)
    response = api.get(f"/api/v1/clients/{queue['slug']}/queue/progress/")
    assert response.json() == {"done_today": 1, "left_in_queue": 2, "left_in_queue_capped": False}


def test_manager_sets_gold_scores_and_rater_is_calibrated_with_them(queue, api_as):
    gold = queue["creatives"][2]
    scores = _scores(queue, value=5)
    put = api_as(queue["manager"]).put(
        f"/api/v1/clients/{queue['slug']}/creatives/{gold.id}/gold/", {"scores": scores}, format="json"
    )
    assert put.status_code == 200
    assert put.json()["scores"] == scores
    api = api_as(queue["rater"])
    served = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()
    assert (served["creative"]["id"], served["kind"]) == (gold.id, "calibration")
    rated = _submit(api, queue, gold.id)
    assert rated.json()["kind"] == "calibration"
    assert rated.json()["reference"] == scores


def test_gold_scores_outside_the_scale_answer_400(queue, api_as):
    gold = queue["creatives"][0]
    response = api_as(queue["manager"]).put(
        f"/api/v1/clients/{queue['slug']}/creatives/{gold.id}/gold/", {"scores": _scores(queue, value=9)}, format="json"
    )
    assert response.status_code == 400
    assert not Creative.objects.get(id=gold.id).is_gold


def test_manager_unmarks_gold(queue, api_as):
    gold = queue["creatives"][0]
    url = f"/api/v1/clients/{queue['slug']}/creatives/{gold.id}/gold/"
    api_as(queue["manager"]).put(url, {"scores": _scores(queue)}, format="json")
    assert api_as(queue["manager"]).delete(url).status_code == 204
    assert not Creative.objects.get(id=gold.id).is_gold
    assert api_as(queue["manager"]).get(url).json()["scores"] == {}


def test_rater_cannot_set_gold(queue, api_as):
    url = f"/api/v1/clients/{queue['slug']}/creatives/{queue['creatives'][0].id}/gold/"
    assert api_as(queue["rater"]).put(url, {"scores": _scores(queue)}, format="json").status_code == 403


def test_gold_of_another_clients_creative_answers_404(queue, api_as):
    stranger = CreativeFactory(client=ClientFactory())
    url = f"/api/v1/clients/{queue['slug']}/creatives/{stranger.id}/gold/"
    assert api_as(queue["manager"]).put(url, {"scores": _scores(queue)}, format="json").status_code == 404


def test_queue_of_a_client_i_do_not_belong_to_answers_404(queue, api_as, other_user):
    assert api_as(other_user).get(f"/api/v1/clients/{queue['slug']}/queue/next/").status_code == 404


def test_queue_without_credentials_answers_401(queue, client):
    assert client.get(f"/api/v1/clients/{queue['slug']}/queue/next/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_queue_next_takes_six_statements(queue, api_as, django_assert_num_queries, broker):
    """Token with membership, held lease and calibration state, then BEGIN, the locking SELECT,
    the re-count with the lease INSERT, COMMIT (as on a server: autocommit, no test transaction)."""
    api = api_as(queue["rater"])
    _submit(api, queue, queue["creatives"][0].id)  # past calibration, so the normal path is measured
    with django_assert_num_queries(6):
        assert api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_leased_rating_takes_three_statements(queue, api_as, django_assert_num_queries, broker):
    """Token with membership; the rating, its scores, the count and the lease's release; the
    quality-run request. The rubric comes from the cache (the first rating filled it)."""
    api = api_as(queue["rater"])
    _submit(api, queue, queue["creatives"][0].id)
    creative = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
    with django_assert_num_queries(3):
        assert _submit(api, queue, creative).status_code == 201
    assert not Lease.objects.filter(rater=queue["rater"], creative_id=creative).exists()
    assert Creative.objects.get(id=creative).normal_rating_count == 1


def test_query_counts_do_not_grow_with_the_number_of_creatives(queue, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(queue["rater"])
    _submit(api, queue, queue["creatives"][0].id)

    def counts():
        with CaptureQueriesContext(connection) as next_q:
            creative = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()["creative"]["id"]
        with CaptureQueriesContext(connection) as submit_q:
            _submit(api, queue, creative)
        return len(next_q), len(submit_q)

    small = counts()
    CreativeFactory.create_batch(40, client=queue["client"])
    MembershipFactory(client=queue["client"])
    assert counts() == small


def test_the_next_answer_is_what_the_assignment_serializer_shows(queue, api_as, rf):
    from feedback.api.queue_serializers import AssignmentSerializer
    from feedback.models import Membership
    from feedback.services.assignment import Assignment

    api = api_as(queue["rater"])
    shown = api.get(f"/api/v1/clients/{queue['slug']}/queue/next/").json()
    lease = Lease.objects.select_related("creative").get(token=shown["lease"])
    membership = Membership.objects.get(client=queue["client"], user=queue["rater"])
    context = {"client": queue["client"], "membership": membership, "request": rf.get("/")}
    assignment = Assignment(creative=lease.creative, kind=lease.kind, lease=lease)
    assert shown == AssignmentSerializer(assignment, context=context).data
