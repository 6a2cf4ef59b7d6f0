"""POST /api/v1/agency/transfer/: 401 without credentials, 403 below agency admin, 400 naming the field."""
import pytest
from rest_framework.test import APIClient

from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/agency/transfer/"


@pytest.fixture
def slugs():
    return [ClientFactory().slug, ClientFactory().slug]


def test_no_credentials_answers_401(slugs):
    assert APIClient().post(URL, {"clients": slugs}, format="json").status_code == 401


def test_a_manager_answers_403(slugs, api_as):
    manager = MembershipFactory(role="manager").user
    assert api_as(manager).post(URL, {"clients": slugs}, format="json").status_code == 403


def test_an_agency_admin_gets_a_row_per_model_and_a_cell_per_client(slugs, api_as):
    response = api_as(UserFactory(is_superuser=True)).post(URL, {"clients": slugs}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["clients"] == slugs and [row["note"] for row in body["rows"]] == ["no active model"] * 2
    assert [cell["data_client"] for cell in body["rows"][0]["cells"]] == slugs


def test_an_unknown_client_answers_400_naming_the_field(slugs, api_as):
    response = api_as(UserFactory(is_superuser=True)).post(URL, {"clients": [slugs[0], "nobody"]}, format="json")
    assert response.status_code == 400 and "clients" in response.json()
