"""Domain errors are mapped to HTTP once per edge: the API's exception handler and the pages' middleware."""
import pytest
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.test import RequestFactory

from feedback.errors import Conflict, NotFound, Unavailable
from feedback.web.middleware import DomainErrorMiddleware
from tests.factories import CreativeFactory


@pytest.fixture
def middleware():
    return DomainErrorMiddleware(get_response=lambda request: None)


def test_not_found_on_a_page_becomes_djangos_404(middleware):
    with pytest.raises(Http404, match="No such creative"):
        middleware.process_exception(RequestFactory().get("/"), NotFound("No such creative."))


def test_an_uncaught_validation_error_on_a_page_becomes_a_400(middleware):
    with pytest.raises(BadRequest, match="Ask for 1 to 10"):
        middleware.process_exception(RequestFactory().post("/"), ValidationError("Ask for 1 to 10 more."))


@pytest.mark.parametrize(("error", "status"), [(Conflict("No model yet."), 409), (Unavailable("File gone."), 503)])
def test_conflict_and_unavailable_on_a_page_get_their_status(middleware, error, status):
    response = middleware.process_exception(RequestFactory().get("/"), error)
    assert response.status_code == status and response.content == str(error).encode()


def test_other_exceptions_are_left_to_django(middleware):
    assert middleware.process_exception(RequestFactory().get("/"), KeyError("x")) is None


@pytest.mark.django_db
def test_a_page_for_another_clients_creative_answers_404(tenant, client):
    client.force_login(tenant["manager"])
    response = client.get(f"/c/{tenant['client'].slug}/creatives/{CreativeFactory().id}/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_api_answers_a_selectors_not_found_with_404_and_its_message(tenant, api_as):
    url = f"/api/v1/clients/{tenant['client'].slug}/creatives/{CreativeFactory().id}/gold/"
    response = api_as(tenant["manager"]).get(url)
    assert (response.status_code, response.json()) == (404, {"detail": "No such creative."})
