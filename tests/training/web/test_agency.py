"""The transfer check page: agency admins only; choosing clients shows the model x client data table."""
import pytest
from django.test import Client as WebClient

from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/agency/transfer/"


def _login(user) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


@pytest.fixture
def clients():
    return [ClientFactory(name="Acme"), ClientFactory(name="Globex")]


def test_a_manager_of_a_client_gets_403(clients):
    manager = MembershipFactory(client=clients[0], role="manager").user
    assert _login(manager).get(URL).status_code == 403
    assert _login(manager).post(URL, {"clients": [c.slug for c in clients]}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in():
    response = WebClient().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_agency_admin_sees_every_client_to_choose(clients):
    page = _login(UserFactory(is_superuser=True)).get(URL).content.decode()
    assert all(f'value="{c.slug}"' in page for c in clients) and "no active model" in page


def test_choosing_clients_shows_the_table_with_a_row_per_model(clients):
    response = _login(UserFactory(is_superuser=True)).post(URL, {"clients": [c.slug for c in clients]})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="transfer-table"' in page
    assert page.count('<th scope="row">') == 2


def test_choosing_one_client_answers_400_saying_what_to_fix(clients):
    response = _login(UserFactory(is_superuser=True)).post(URL, {"clients": [clients[0].slug]})
    assert response.status_code == 400 and "Choose 2 to 8 clients" in response.content.decode()
