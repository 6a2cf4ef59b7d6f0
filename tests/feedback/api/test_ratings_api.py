"""Ratings API: idempotent submission and a clear 400 for every kind of bad rating."""
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feedback.models import Rating, Score
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creative(tenant):
    return CreativeFactory(client=tenant["client"])


def _body(tenant, creative, **overrides):
    body = {
        "creative": creative.id, "scores": {str(c.id): 4 for c in tenant["criteria"]},
        "client_uuid": str(uuid.uuid4()), "duration_ms": 3100,
    }
    return {**body, **overrides}


def _post(api_as, tenant, body):
    return api_as(tenant["rater"]).post(f"/api/v1/clients/{tenant['client'].slug}/ratings/", body, format="json")


def test_rating_is_stored_with_one_score_per_criterion(api_as, tenant, creative):
    response = _post(api_as, tenant, _body(tenant, creative))
    assert response.status_code == 201
    assert response.json()["scores"] == {str(c.id): 4 for c in tenant["criteria"]}
    assert Score.objects.count() == 2


def test_same_uuid_twice_stores_one_rating_and_answers_the_same(api_as, tenant, creative):
    body = _body(tenant, creative)
    first, second = _post(api_as, tenant, body), _post(api_as, tenant, body)
    assert (first.status_code, second.status_code) == (201, 200) and first.json() == second.json()
    assert Rating.objects.count() == 1


def test_uuid_of_another_raters_rating_is_refused(api_as, tenant, creative):
    body = _body(tenant, creative)
    _post(api_as, tenant, body)
    other = api_as(tenant["reviewer"]).post(f"/api/v1/clients/{tenant['client'].slug}/ratings/", body, format="json")
    assert other.status_code == 400 and "client_uuid" in other.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("unknown_criterion", "scores"),
        ("out_of_scale", "scores"),
        ("missing_score", "scores"),
        ("not_integer", "scores"),
        ("archived", "creative"),
        ("other_client", "creative"),
        ("no_uuid", "client_uuid"),
    ],
)
def test_bad_rating_is_a_400_with_field_errors_and_stores_nothing(api_as, tenant, creative, change, field):
    body = _body(tenant, creative)
    first = str(tenant["criteria"][0].id)
    if change == "unknown_criterion":
        body["scores"]["999999"] = 3
    elif change == "out_of_scale":
        body["scores"][first] = 6
    elif change == "missing_score":
        del body["scores"][first]
    elif change == "not_integer":
        body["scores"][first] = "4"
    elif change == "archived":
        creative.archived = True
        creative.save()
    elif change == "other_client":
        body["creative"] = CreativeFactory(client=ClientFactory()).id
    elif change == "no_uuid":
        del body["client_uuid"]
    response = _post(api_as, tenant, body)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Rating.objects.exists()


def test_second_normal_rating_of_the_same_creative_is_refused(api_as, tenant, creative):
    _post(api_as, tenant, _body(tenant, creative))
    response = _post(api_as, tenant, _body(tenant, creative))
    assert response.status_code == 400 and "creative" in response.json()


def test_inactive_criterion_is_not_required(api_as, tenant, creative):
    inactive = CriterionFactory(client=tenant["client"], active=False)
    body = _body(tenant, creative)
    assert str(inactive.id) not in body["scores"]
    assert _post(api_as, tenant, body).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_stores_one_rating(api_as, tenant, creative):
    body = _body(tenant, creative)
    statuses = []

    def submit():
        statuses.append(_post(api_as, tenant, body).status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(201) == 1 and set(statuses) <= {200, 201}
    assert Rating.objects.filter(client_uuid=body["client_uuid"]).count() == 1


@pytest.mark.parametrize("shown_at", ["2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z"])
def test_a_shown_at_far_from_now_is_a_400(api_as, tenant, creative, shown_at):
    response = _post(api_as, tenant, _body(tenant, creative, shown_at=shown_at))
    assert response.status_code == 400 and "shown_at" in response.json() and not Rating.objects.exists()


def test_a_shown_at_a_few_seconds_ago_is_stored(api_as, tenant, creative):
    shown = timezone.now() - timedelta(seconds=7)
    response = _post(api_as, tenant, _body(tenant, creative, shown_at=shown.isoformat()))
    assert response.status_code == 201 and Rating.objects.get().shown_at == shown


def test_the_created_answer_equals_the_rating_as_read_back(api_as, tenant, creative):
    api = api_as(tenant["rater"])
    created = _post(api_as, tenant, _body(tenant, creative)).json()
    read_back = api.get(f"/api/v1/clients/{tenant['client'].slug}/ratings/{created['id']}/").json()
    assert created == read_back


def test_a_criterion_added_after_a_rating_is_required_by_the_next(api_as, tenant):
    first, second = CreativeFactory.create_batch(2, client=tenant["client"])
    assert _post(api_as, tenant, _body(tenant, first)).status_code == 201
    added = CriterionFactory(client=tenant["client"])
    response = _post(api_as, tenant, _body(tenant, second))
    assert response.status_code == 400
    assert f"Missing score for criterion {added.id}" in response.json()["scores"][0]


def test_a_creative_of_another_client_is_named_before_bad_scores(api_as, tenant):
    foreign = CreativeFactory(client=ClientFactory())
    response = _post(api_as, tenant, _body(tenant, foreign, scores={"x": 1}))
    assert response.status_code == 400
    assert "does not exist in this client" in response.json()["creative"][0]


@pytest.mark.django_db(transaction=True)
def test_a_rating_without_a_lease_takes_three_statements(api_as, tenant, broker, django_assert_num_queries):
    first, second = CreativeFactory.create_batch(2, client=tenant["client"])
    api = api_as(tenant["rater"])
    url = f"/api/v1/clients/{tenant['client'].slug}/ratings/"
    assert api.post(url, _body(tenant, first), format="json").status_code == 201  # fills the rubric cache
    with django_assert_num_queries(3):
        assert api.post(url, _body(tenant, second), format="json").status_code == 201
    assert Score.objects.filter(rating__creative=second).count() == len(tenant["criteria"])
