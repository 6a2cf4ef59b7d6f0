"""Client settings API: managers change them within the ranges the model declares; bad values are a 400."""
import pytest

from feedback.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(tenant):
    return f"/api/v1/clients/{tenant['client'].slug}/"


def _stored(client: Client) -> tuple:
    client.refresh_from_db()
    return client.overlap, client.repeat_rate, client.gold_rate, client.lease_seconds, client.retrain_threshold


def test_manager_changes_settings_within_their_ranges(tenant, api_as, url):
    body = {"overlap": 5, "repeat_rate": 0.1, "gold_rate": 0.2, "lease_seconds": 300, "retrain_threshold": 200}
    response = api_as(tenant["manager"]).patch(url, body, format="json")
    assert response.status_code == 200
    assert {name: response.json()[name] for name in body} == body
    assert _stored(tenant["client"]) == (5, 0.1, 0.2, 300, 200)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("overlap", 0, "between 1 and 20"),
        ("overlap", 21, "between 1 and 20"),
        ("repeat_rate", 2, "between 0 and 0.5"),
        ("gold_rate", -0.1, "between 0 and 0.5"),
        ("lease_seconds", 5, "between 10 and 3600 seconds"),
        ("retrain_threshold", 0, "between 1 and 100000"),
        ("retrain_threshold", 10**30, "between 1 and 100000"),
    ],
)
def test_a_value_outside_its_range_is_a_400_naming_the_field_and_the_range(tenant, api_as, url, field, value, allowed):
    before = _stored(tenant["client"])
    response = api_as(tenant["manager"]).patch(url, {field: value}, format="json")
    assert response.status_code == 400
    assert allowed in " ".join(response.json()[field])
    assert _stored(tenant["client"]) == before


def test_repeats_and_gold_together_above_half_are_refused(tenant, api_as, url):
    response = api_as(tenant["manager"]).patch(url, {"repeat_rate": 0.3, "gold_rate": 0.3}, format="json")
    assert response.status_code == 400
    assert "at most 0.5" in response.json()["non_field_errors"][0]


def test_the_combined_limit_counts_the_stored_rate_that_was_not_sent(tenant, api_as, url):
    api = api_as(tenant["manager"])
    assert api.patch(url, {"gold_rate": 0.4}, format="json").status_code == 200
    assert api.patch(url, {"repeat_rate": 0.2}, format="json").status_code == 400


def test_a_wrong_type_is_a_400_not_a_500(tenant, api_as, url):
    response = api_as(tenant["manager"]).patch(url, {"overlap": "many", "repeat_rate": [0.1]}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"overlap", "repeat_rate"}
