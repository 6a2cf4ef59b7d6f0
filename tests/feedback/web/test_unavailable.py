"""The database out of reach answers 503 with Retry-After (API: JSON, pages: a short page), never 500."""
import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from feedback.web.unavailable import server_error


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_api_view_losing_the_database_answers_503_json_with_retry_after(db, tenant, api_as, monkeypatch, error):
    def lost(**kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("feedback.api.views.client_list_for_user", lost)
    response = api_as(tenant["rater"]).get("/api/v1/clients/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "retry" in response.json()["detail"]


def test_a_page_losing_the_database_answers_a_short_503_page(db, tenant, client, monkeypatch):
    def lost(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("feedback.web.views.client_list_with_waiting", lost)
    client.force_login(tenant["rater"])
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"Back in a moment" in response.content


def test_a_middleware_losing_the_database_answers_503_through_handler500():
    request = RequestFactory().get("/api/v1/clients/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_any_other_error_stays_a_500():
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
