"""Managers' creative pages without a browser: access by role, edit, archive, list filters and queries."""
import json

import pytest
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext

from feedback.models import AuditEvent, Creative
from tests.factories import ClientFactory, CreativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user():
    def make(user):
        browser = BrowserClient()
        browser.force_login(user)
        return browser

    return make


@pytest.fixture
def creative(tenant):
    return CreativeFactory(client=tenant["client"], headline="Old", campaign="spring", tags=["sale"])


def _pages(slug, creative_id):
    return [
        ("get", f"/c/{slug}/creatives/"), ("get", f"/c/{slug}/creatives/upload/"),
        ("post", f"/c/{slug}/creatives/{creative_id}/edit/"), ("get", f"/c/{slug}/creatives/{creative_id}/archive/"),
        ("post", f"/c/{slug}/creatives/{creative_id}/archive/"),
    ]


@pytest.mark.parametrize("role", ["rater", "reviewer"])
def test_raters_and_reviewers_get_403_on_every_creative_page(tenant, creative, as_user, role):
    browser = as_user(tenant[role])
    for method, path in _pages(tenant["client"].slug, creative.id):
        assert getattr(browser, method)(path).status_code == 403, path
    creative.refresh_from_db()
    assert (creative.headline, creative.archived) == ("Old", False)


def test_another_clients_pages_answer_404_to_a_manager(tenant, as_user):
    other = ClientFactory()
    theirs = CreativeFactory(client=other)
    browser = as_user(tenant["manager"])
    for method, path in _pages(other.slug, theirs.id):
        assert getattr(browser, method)(path).status_code == 404, path


def test_another_clients_creative_under_my_slug_answers_404(tenant, as_user):
    theirs = CreativeFactory(client=ClientFactory())
    browser = as_user(tenant["manager"])
    for method, path in _pages(tenant["client"].slug, theirs.id)[2:]:
        assert getattr(browser, method)(path, {"action": "archive"}).status_code == 404, path
    theirs.refresh_from_db()
    assert not theirs.archived


def test_upload_page_carries_the_api_and_limits_for_its_script(tenant, as_user, settings):
    response = as_user(tenant["manager"]).get(f"/c/{tenant['client'].slug}/creatives/upload/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="drop-zone"' in html and 'type="file"' in html and "creative_upload.js" in html
    config = response.context["config"]
    assert config["api"] == f"/api/v1/clients/{tenant['client'].slug}/creatives/"
    assert config["maxBytes"] == settings.TASTEMAKER_MAX_IMAGE_BYTES


def _edit(browser, tenant, creative, **fields):
    form = {"headline": "New", "body": "", "channel": "", "format": "", "campaign": "", "tags": "", "metadata": "",
            **fields}
    return browser.post(f"/c/{tenant['client'].slug}/creatives/{creative.id}/edit/", form)


def test_edit_saves_copy_columns_and_metadata_and_redirects(tenant, creative, as_user):
    response = _edit(as_user(tenant["manager"]), tenant, creative, channel="tiktok", tags="a; b ;",
                     metadata='{"brand": "Acme"}')
    assert response.status_code == 302
    creative.refresh_from_db()
    assert (creative.headline, creative.channel, creative.campaign, creative.tags) == ("New", "tiktok", "", ["a", "b"])
    assert creative.metadata["brand"] == "Acme"
    assert AuditEvent.objects.filter(action="creative.updated", actor=tenant["manager"]).count() == 1


@pytest.mark.parametrize(("metadata", "message"), [
    ("[1]", "Must be a JSON object"),
    ("{broken", "Not valid JSON"),
    ('{"a": NaN}', "Not valid JSON"),
    ('{"tags": ["x"]}', "Set tags in the field(s) above"),
])
def test_bad_metadata_is_shown_next_to_the_field_and_changes_nothing(tenant, creative, as_user, metadata, message):
    response = _edit(as_user(tenant["manager"]), tenant, creative, metadata=metadata)
    assert response.status_code == 200
    assert message in response.content.decode()
    creative.refresh_from_db()
    assert creative.headline == "Old" and not AuditEvent.objects.exists()


def test_a_campaign_longer_than_the_column_is_a_field_error(tenant, creative, as_user):
    response = _edit(as_user(tenant["manager"]), tenant, creative, campaign="c" * 201)
    assert "at most 200 characters" in response.content.decode()
    creative.refresh_from_db()
    assert creative.campaign == "spring"


def test_the_edit_form_shows_the_current_values(tenant, creative, as_user):
    creative.metadata = {"brand": "Acme", "campaign": "spring", "tags": ["sale"]}
    creative.save()
    form = as_user(tenant["manager"]).get(f"/c/{tenant['client'].slug}/creatives/{creative.id}/").context["edit_form"]
    assert form.initial["campaign"] == "spring" and form.initial["tags"] == "sale"
    assert json.loads(form.initial["metadata"]) == {"brand": "Acme"}


def test_archive_asks_first_then_archives_on_post(tenant, creative, as_user):
    browser = as_user(tenant["manager"])
    path = f"/c/{tenant['client'].slug}/creatives/{creative.id}/archive/"
    page = browser.get(path)
    assert page.status_code == 200 and f"Archive {creative.external_id}?" in page.content.decode()
    creative.refresh_from_db()
    assert not creative.archived
    assert browser.post(path, {"action": "archive"}).status_code == 302
    creative.refresh_from_db()
    assert creative.archived


def test_unarchive_puts_it_back(tenant, creative, as_user):
    creative.archived = True
    creative.save()
    browser = as_user(tenant["manager"])
    path = f"/c/{tenant['client'].slug}/creatives/{creative.id}/archive/"
    assert "Put " in browser.get(path).content.decode()
    browser.post(path, {"action": "unarchive"})
    creative.refresh_from_db()
    assert not creative.archived
    assert AuditEvent.objects.get(target=f"creative:{creative.id}").action == "creative.unarchived"


def test_archive_without_an_action_is_a_400_and_changes_nothing(tenant, creative, as_user):
    response = as_user(tenant["manager"]).post(f"/c/{tenant['client'].slug}/creatives/{creative.id}/archive/")
    assert response.status_code == 400
    creative.refresh_from_db()
    assert not creative.archived


def _listed(browser, tenant, query=""):
    response = browser.get(f"/c/{tenant['client'].slug}/creatives/{query}")
    assert response.status_code == 200, response.content[:300]
    return [c.external_id for c in response.context["page"]]


def test_list_filters_by_each_field(tenant, as_user):
    client = tenant["client"]
    CreativeFactory(client=client, external_id="a", campaign="spring", channel="tiktok", format="story", tags=["x"])
    CreativeFactory(client=client, external_id="b", campaign="autumn", channel="meta", format="feed", tags=["y"])
    CreativeFactory(client=client, external_id="c", campaign="spring", archived=True)
    browser = as_user(tenant["manager"])
    assert _listed(browser, tenant, "?campaign=spring") == ["c", "a"]
    assert _listed(browser, tenant, "?channel=meta") == ["b"]
    assert _listed(browser, tenant, "?format=story") == ["a"]
    assert _listed(browser, tenant, "?tag=y") == ["b"]
    assert _listed(browser, tenant, "?archived=yes") == ["c"]
    assert _listed(browser, tenant, "?campaign=spring&archived=no") == ["a"]


def test_filter_choices_are_the_clients_own_values(tenant, as_user):
    CreativeFactory(client=tenant["client"], campaign="mine", tags=["t1", "t2"])
    CreativeFactory(client=tenant["client"], campaign="mine", tags=["t2"])
    CreativeFactory(client=ClientFactory(), campaign="theirs", tags=["secret"])
    form = as_user(tenant["manager"]).get(f"/c/{tenant['client'].slug}/creatives/").context["form"]
    assert [value for value, _ in form.fields["campaign"].choices] == ["", "mine"]
    assert [value for value, _ in form.fields["tag"].choices] == ["", "t1", "t2"]


@pytest.mark.parametrize("query", ["?campaign=theirs", "?archived=maybe", "?tag=%00"])
def test_a_filter_value_the_client_does_not_use_is_a_short_400(tenant, as_user, query):
    CreativeFactory(client=ClientFactory(), campaign="theirs")
    response = as_user(tenant["manager"]).get(f"/c/{tenant['client'].slug}/creatives/{query}")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode() and len(response.content) < 600


def test_pages_keep_the_filters(tenant, as_user):
    CreativeFactory.create_batch(51, client=tenant["client"], campaign="spring")
    response = as_user(tenant["manager"]).get(f"/c/{tenant['client'].slug}/creatives/?campaign=spring")
    assert "?campaign=spring&amp;page=2" in response.content.decode()
    assert len(_listed(as_user(tenant["manager"]), tenant, "?campaign=spring&page=2")) == 1


def test_the_list_reads_a_constant_number_of_queries(tenant, as_user):
    browser = as_user(tenant["manager"])
    path = f"/c/{tenant['client'].slug}/creatives/?campaign=spring"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(path).status_code == 200
        return len(queries)

    CreativeFactory.create_batch(2, client=tenant["client"], campaign="spring", tags=["a"])
    few = count()
    CreativeFactory.create_batch(30, client=tenant["client"], campaign="spring", tags=["b"], is_gold=True)
    assert count() == few
    assert few <= 10
    assert Creative.objects.count() == 32
