"""Rubric API: anchors for every point, scale rules, deactivation."""
import pytest

from feedback.models import Criterion
from tests.factories import CreativeFactory, RatingFactory

pytestmark = pytest.mark.django_db

ANCHORS = {str(p): f"point {p}" for p in range(1, 6)}


@pytest.fixture
def url(tenant):
    return f"/api/v1/clients/{tenant['client'].slug}/criteria/"


def test_manager_creates_criterion_with_anchors(tenant, api_as, url):
    body = {"name": "fit", "question": "Fits?", "scale_min": 1, "scale_max": 5, "anchors": ANCHORS}
    response = api_as(tenant["manager"]).post(url, body, format="json")
    assert response.status_code == 201 and "id" in response.json()


def test_missing_anchor_is_a_field_error(tenant, api_as, url):
    body = {"name": "fit", "question": "Fits?", "anchors": {k: v for k, v in ANCHORS.items() if k != "3"}}
    response = api_as(tenant["manager"]).post(url, body, format="json")
    assert response.status_code == 400 and "3" in str(response.json()["anchors"])


def test_anchor_outside_the_scale_is_refused(tenant, api_as, url):
    body = {"name": "fit", "question": "Fits?", "anchors": {**ANCHORS, "9": "nine"}}
    assert api_as(tenant["manager"]).post(url, body, format="json").status_code == 400


def test_inverted_scale_is_refused(tenant, api_as, url):
    body = {"name": "fit", "question": "?", "scale_min": 5, "scale_max": 1, "anchors": ANCHORS}
    assert api_as(tenant["manager"]).post(url, body, format="json").status_code == 400


def test_duplicate_name_in_client_is_a_400_not_a_500(tenant, api_as, url):
    body = {"name": tenant["criteria"][0].name, "question": "?", "anchors": ANCHORS}
    assert api_as(tenant["manager"]).post(url, body, format="json").status_code == 400


def test_wide_scale_needs_only_its_end_anchors(tenant, api_as, url):
    body = {"name": "score", "question": "?", "scale_min": 0, "scale_max": 100, "anchors": {"0": "bad", "100": "great"}}
    assert api_as(tenant["manager"]).post(url, body, format="json").status_code == 201


def test_deactivate_with_patch(tenant, api_as, url):
    criterion = tenant["criteria"][0]
    response = api_as(tenant["manager"]).patch(f"{url}{criterion.id}/", {"active": False}, format="json")
    assert response.status_code == 200
    criterion.refresh_from_db()
    assert criterion.active is False


def test_scale_is_frozen_once_scores_use_it(tenant, api_as, url):
    RatingFactory(creative=CreativeFactory(client=tenant["client"]), rater=tenant["rater"])
    criterion = tenant["criteria"][0]
    response = api_as(tenant["manager"]).patch(f"{url}{criterion.id}/", {"scale_max": 7}, format="json")
    assert response.status_code == 400
    assert Criterion.objects.get(id=criterion.id).scale_max == 5
