"""Rating and gold pages without a browser: access, CSRF, rendering, the home page's counts."""
import uuid

import pytest
from django.test import Client as BrowserClient

from feedback.models import Creative, GoldReference
from tests.factories import ClientFactory, CreativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in():
    def make(user, enforce_csrf=False):
        browser = BrowserClient(enforce_csrf_checks=enforce_csrf)
        browser.force_login(user)
        return browser

    return make


def test_rating_page_shows_the_rubric_with_anchors(tenant, logged_in):
    response = logged_in(tenant["rater"]).get(f"/rate/{tenant['client'].slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    for criterion in tenant["criteria"]:
        assert criterion.name in html
        assert criterion.anchors["1"] in html
    assert 'id="rate-config"' in html


def test_rating_page_of_another_client_answers_404(tenant, logged_in):
    stranger = ClientFactory()
    assert logged_in(tenant["rater"]).get(f"/rate/{stranger.slug}/").status_code == 404


def test_rating_page_needs_login(tenant, client):
    response = client.get(f"/rate/{tenant['client'].slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_home_lists_role_and_items_waiting(tenant, logged_in):
    CreativeFactory.create_batch(2, client=tenant["client"])
    html = logged_in(tenant["rater"]).get("/").content.decode()
    assert "rater" in html
    assert "2 to rate" in html
    assert f"/rate/{tenant['client'].slug}/" in html


def test_manager_marks_gold_on_the_creative_page(tenant, logged_in):
    creative = CreativeFactory(client=tenant["client"])
    form = {f"score-{c.id}": "4" for c in tenant["criteria"]}
    browser = logged_in(tenant["manager"])
    response = browser.post(f"/c/{tenant['client'].slug}/creatives/{creative.id}/", {**form, "action": "set"})
    assert response.status_code == 302
    assert Creative.objects.get(id=creative.id).is_gold
    assert sorted(GoldReference.objects.filter(creative=creative).values_list("value", flat=True)) == [4, 4]


def test_gold_form_without_csrf_token_is_refused(tenant, logged_in):
    creative = CreativeFactory(client=tenant["client"])
    form = {f"score-{c.id}": "4" for c in tenant["criteria"]}
    browser = logged_in(tenant["manager"], enforce_csrf=True)
    response = browser.post(f"/c/{tenant['client'].slug}/creatives/{creative.id}/", form)
    assert response.status_code == 403
    assert not Creative.objects.get(id=creative.id).is_gold


def test_rater_cannot_open_the_gold_page(tenant, logged_in):
    creative = CreativeFactory(client=tenant["client"])
    assert logged_in(tenant["rater"]).get(f"/c/{tenant['client'].slug}/creatives/{creative.id}/").status_code == 403


def test_session_rating_submit_without_csrf_token_is_refused(tenant, logged_in):
    creative = CreativeFactory(client=tenant["client"])
    scores = {str(c.id): 3 for c in tenant["criteria"]}
    body = {"creative": creative.id, "scores": scores, "client_uuid": str(uuid.uuid4())}
    browser = logged_in(tenant["rater"], enforce_csrf=True)
    response = browser.post(f"/api/v1/clients/{tenant['client'].slug}/ratings/", body, content_type="application/json")
    assert response.status_code == 403
