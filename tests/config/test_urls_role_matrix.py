"""Within one client: no credentials 401, a role too low 403, the right role succeeds."""
import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import CreativeFactory, RatingFactory

pytestmark = pytest.mark.django_db

ROLES = ("rater", "reviewer", "manager")
RANK = {role: i for i, role in enumerate(ROLES)}

# (method, path template, minimum role, body)
ENDPOINTS = [
    ("GET", "", "rater", None),
    ("PATCH", "", "manager", {"overlap": 4}),
    ("GET", "creatives/", "rater", None),
    ("POST", "creatives/", "manager", None),
    ("POST", "creatives/bulk/", "manager", None),
    ("POST", "creatives/csv/", "manager", None),
    ("GET", "creatives/{creative}/", "rater", None),
    ("PATCH", "creatives/{creative}/", "manager", {"headline": "New"}),
    ("DELETE", "creatives/{creative}/", "manager", None),
    ("GET", "criteria/", "rater", None),
    ("POST", "criteria/", "manager", None),
    ("GET", "criteria/{criterion}/", "rater", None),
    ("PATCH", "criteria/{criterion}/", "manager", {"order": 3}),
    ("GET", "ratings/", "rater", None),
    ("POST", "ratings/", "rater", None),
    ("GET", "ratings/{rating}/", "rater", None),
    ("GET", "ratings/export/", "reviewer", None),
    ("POST", "ratings/import/", "manager", None),
    # Managers only; without a reason a manager gets 400 before any version is looked up.
    ("POST", "models/1/override/", "manager", None),
]


@pytest.fixture
def objects(tenant):
    creative = CreativeFactory(client=tenant["client"])
    rating = RatingFactory(creative=creative, rater=tenant["rater"])
    return {"creative": creative.id, "criterion": tenant["criteria"][0].id, "rating": rating.id}


def _url(tenant, template, objects):
    return f"/api/v1/clients/{tenant['client'].slug}/" + template.format(**objects)


@pytest.mark.parametrize(("method", "template", "minimum", "body"), ENDPOINTS)
def test_no_credentials_answers_401(tenant, objects, method, template, minimum, body):
    response = APIClient().generic(method, _url(tenant, template, objects))
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "template", "minimum", "body"), ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_role_below_minimum_answers_403_and_others_pass(tenant, objects, api_as, method, template, minimum, body, role):
    api = api_as(tenant[role])
    response = api.generic(method, _url(tenant, template, objects), data=_json(body), content_type="application/json")
    if RANK[role] < RANK[minimum]:
        assert response.status_code == 403
    else:
        # Allowed: success, or 400 for the endpoints this test calls without a valid body.
        assert response.status_code in {200, 201, 204, 400}, response.content


def test_rater_lists_only_own_ratings_and_reviewer_all(tenant, api_as):
    creative = CreativeFactory(client=tenant["client"])
    RatingFactory(creative=creative, rater=tenant["rater"])
    RatingFactory(creative=creative, rater=tenant["reviewer"], client_uuid=uuid.uuid4())
    url = f"/api/v1/clients/{tenant['client'].slug}/ratings/"
    assert api_as(tenant["rater"]).get(url).json()["count"] == 1
    assert api_as(tenant["reviewer"]).get(url).json()["count"] == 2


def _json(body):
    import json

    return json.dumps(body or {})
