"""Gold items and repeats stay blind to raters on every API answer; reviewers and managers see kinds."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Lease, Rating
from tests.factories import CreativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(tenant):
    """One creative leased as `kind` to the given member (what the queue does for gold and repeats)."""
    client = tenant["client"]
    client.repeat_rate = client.gold_rate = 0.0
    client.save()

    def make(user, kind):
        creative = CreativeFactory(client=client, is_gold=kind in ("gold", "calibration"))
        now = timezone.now()
        Lease.objects.create(client=client, creative=creative, rater=user, kind=kind, created_at=now,
                             expires_at=now + timedelta(minutes=2))
        return creative

    return make


def _base(tenant):
    return f"/api/v1/clients/{tenant['client'].slug}/"


def _rate(api, tenant, creative):
    body = {"creative": creative.id, "scores": {str(c.id): 3 for c in tenant["criteria"]},
            "client_uuid": str(uuid.uuid4())}
    return api.post(_base(tenant) + "ratings/", body, format="json")


@pytest.mark.parametrize("kind", ["gold", "repeat"])
def test_a_rater_is_served_gold_and_repeats_as_normal(tenant, held, api_as, kind):
    creative = held(tenant["rater"], kind)
    body = api_as(tenant["rater"]).get(_base(tenant) + "queue/next/").json()
    assert (body["creative"]["id"], body["kind"]) == (creative.id, "normal")


def test_calibration_items_say_so_to_raters(tenant, held, api_as):
    held(tenant["rater"], "calibration")
    assert api_as(tenant["rater"]).get(_base(tenant) + "queue/next/").json()["kind"] == "calibration"


@pytest.mark.parametrize("role", ["reviewer", "manager"])
def test_reviewers_and_managers_see_the_true_kind(tenant, held, api_as, role):
    held(tenant[role], "gold")
    assert api_as(tenant[role]).get(_base(tenant) + "queue/next/").json()["kind"] == "gold"


@pytest.mark.parametrize("kind", ["gold", "repeat"])
def test_the_rating_answer_and_the_raters_own_list_stay_blind(tenant, held, api_as, kind):
    creative = held(tenant["rater"], kind)
    api = api_as(tenant["rater"])
    rated = _rate(api, tenant, creative)
    assert rated.status_code == 201 and rated.json()["kind"] == "normal"
    assert Rating.objects.get(id=rated.json()["id"]).kind == kind  # the server knows
    assert [r["kind"] for r in api.get(_base(tenant) + "ratings/").json()["results"]] == ["normal"]
    assert api.get(_base(tenant) + f"ratings/{rated.json()['id']}/").json()["kind"] == "normal"


def test_a_rater_cannot_filter_their_ratings_by_kind(tenant, held, api_as):
    api = api_as(tenant["rater"])
    _rate(api, tenant, held(tenant["rater"], "gold"))
    _rate(api, tenant, CreativeFactory(client=tenant["client"]))
    # The kind filter is not offered to raters: asking for gold lists everything of theirs, unfiltered.
    assert api.get(_base(tenant) + "ratings/?kind=gold").json()["count"] == 2


def test_reviewers_filter_ratings_by_kind(tenant, held, api_as):
    _rate(api_as(tenant["rater"]), tenant, held(tenant["rater"], "gold"))
    _rate(api_as(tenant["rater"]), tenant, CreativeFactory(client=tenant["client"]))
    rows = api_as(tenant["reviewer"]).get(_base(tenant) + "ratings/?kind=gold").json()["results"]
    assert [r["kind"] for r in rows] == ["gold"]


def test_undo_gives_the_lease_back_blind(tenant, held, api_as):
    api = api_as(tenant["rater"])
    rated = _rate(api, tenant, held(tenant["rater"], "repeat")).json()
    undone = api.post(_base(tenant) + f"ratings/{rated['id']}/undo/").json()
    assert undone["kind"] == "normal" and Lease.objects.get(token=undone["lease"]).kind == "repeat"


def test_the_lease_is_an_opaque_token_not_a_row_id(tenant, held, api_as):
    creative = held(tenant["rater"], "normal")
    body = api_as(tenant["rater"]).get(_base(tenant) + "queue/next/").json()
    lease = Lease.objects.get(creative=creative)
    assert body["lease"] == lease.token and body["lease"] != str(lease.id) and len(body["lease"]) >= 24
