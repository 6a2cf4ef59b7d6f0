"""Review pages: reviewers see and act, raters get 403, strangers 404; charts need no network."""
import re

import pytest

from feedback.models import Creative, Rating
from review.models import Flag, QualityRun, ReviewDecision
from review.services.recompute import quality_recompute
from tests.factories import ClientFactory, MembershipFactory
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(tenant):
    creatives, raters, ratings = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    return {**tenant, "creatives": creatives, "raters": raters, "ratings": ratings}


def _pages(data):
    slug, creative = data["client"].slug, data["creatives"][0].id
    return [f"/review/{slug}/", f"/review/{slug}/flags/", f"/review/{slug}/items/{creative}/"]


def _posts(data):
    slug, creative, rater = data["client"].slug, data["creatives"][0].id, data["raters"][0].id
    return [
        f"/review/{slug}/recompute/", f"/review/{slug}/flags/decide/", f"/review/{slug}/items/{creative}/decide/",
        f"/review/{slug}/items/{creative}/more/", f"/review/{slug}/raters/{rater}/",
    ]


def test_reviewer_sees_dashboard_with_counts_chart_and_raters(assessed, client):
    client.force_login(assessed["reviewer"])
    page = client.get(f"/review/{assessed['client'].slug}/").content.decode()
    assert 'data-status="flagged"' in page and "<svg" in page and "<polygon" in page
    assert all(r.username in page for r in assessed["raters"])
    # Offline: nothing is loaded from another host.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_rater_table_sorts_by_query_parameter(assessed, client):
    client.force_login(assessed["manager"])
    page = client.get(f"/review/{assessed['client'].slug}/?sort=-n_flagged").content.decode()
    table = page[page.index('id="rater-table"'):]
    names = [r.username for r in assessed["raters"]]
    assert min(names, key=table.index) == assessed["raters"][3].username


def test_flag_queue_filters_by_rater_and_reason(assessed, client):
    client.force_login(assessed["reviewer"])
    base = f"/review/{assessed['client'].slug}/flags/"
    outlier_rater = assessed["raters"][3].username
    assert client.get(base, {"rater": outlier_rater}).content.decode().count("data-flag=") == 2
    assert client.get(base, {"rater": assessed["raters"][0].username}).content.decode().count("data-flag=") == 0
    assert client.get(base, {"reason": "too_fast"}).content.decode().count("data-flag=") == 0


def test_bulk_reject_from_the_queue_is_audited_and_shown_on_the_item_page(assessed, client):
    client.force_login(assessed["reviewer"])
    slug = assessed["client"].slug
    ids = [str(i) for i in Flag.objects.values_list("id", flat=True)]
    response = client.post(f"/review/{slug}/flags/decide/", {"flag": ids, "action": "reject"})
    assert response.status_code == 302
    assert Rating.objects.get(id=assessed["ratings"][(0, 3)].id).status == "rejected"
    item = client.get(f"/review/{slug}/items/{assessed['creatives'][0].id}/").content.decode()
    assert "decision-log" in item and assessed["reviewer"].username in item and "Reject" in item
    assert ReviewDecision.objects.filter(actor=assessed["reviewer"], action="reject").count() == 1


def test_item_page_asks_for_more_ratings(assessed, client):
    client.force_login(assessed["reviewer"])
    creative = assessed["creatives"][0]
    client.post(f"/review/{assessed['client'].slug}/items/{creative.id}/more/")
    assert Creative.objects.get(id=creative.id).extra_overlap == 1


def test_exclude_and_include_rater_from_the_dashboard(assessed, client):
    client.force_login(assessed["reviewer"])
    url = f"/review/{assessed['client'].slug}/raters/{assessed['raters'][3].id}/"
    client.post(url, {"action": "exclude"})
    assert set(Rating.objects.filter(rater=assessed["raters"][3]).values_list("status", flat=True)) == {"rejected"}
    client.post(url, {"action": "include"})
    assert "rejected" not in set(Rating.objects.filter(rater=assessed["raters"][3]).values_list("status", flat=True))


def test_rater_cannot_open_or_post_to_any_review_page(assessed, client):
    client.force_login(assessed["rater"])
    assert all(client.get(url).status_code == 403 for url in _pages(assessed))
    assert all(client.post(url, {"action": "reject"}).status_code == 403 for url in _posts(assessed))
    assert not ReviewDecision.objects.exists()


def test_member_of_another_client_gets_404(assessed, client):
    client.force_login(MembershipFactory(client=ClientFactory(), role="manager").user)
    assert all(client.get(url).status_code == 404 for url in _pages(assessed))
    assert all(client.post(url, {"action": "reject"}).status_code == 404 for url in _posts(assessed))


def test_anonymous_is_sent_to_login(assessed, client):
    assert all(client.get(url).status_code == 302 for url in _pages(assessed))


def test_user_text_is_escaped(assessed, client):
    creative = assessed["creatives"][0]
    Creative.objects.filter(id=creative.id).update(headline="<script>alert(1)</script>")
    client.force_login(assessed["reviewer"])
    page = client.get(f"/review/{assessed['client'].slug}/items/{creative.id}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_excluding_a_rater_of_another_client_answers_404(assessed, client):
    stranger = MembershipFactory(client=ClientFactory(), role="rater").user
    client.force_login(assessed["reviewer"])
    response = client.post(f"/review/{assessed['client'].slug}/raters/{stranger.id}/", {"action": "exclude"})
    assert response.status_code == 404 and not ReviewDecision.objects.exists()


def test_dashboard_renders_when_a_username_holds_a_slash(assessed, client):
    # Usernames are validated where users are created, but a database may hold older ones: the
    # rater table's forms address raters by id, so no name can break the page.
    odd = assessed["raters"][0]
    odd.username = "legacy/name with space"
    odd.save(update_fields=["username"])
    client.force_login(assessed["reviewer"])
    response = client.get(f"/review/{assessed['client'].slug}/")
    assert response.status_code == 200 and f"/raters/{odd.id}/" in response.content.decode()


def test_a_nul_character_in_a_flag_filter_is_a_400(assessed, client):
    client.force_login(assessed["reviewer"])
    assert client.get(f"/review/{assessed['client'].slug}/flags/?rater=a%00b").status_code == 400


def test_the_dashboard_shows_a_failed_run_and_that_no_worker_is_alive(client, tenant):
    from django.utils import timezone

    QualityRun.objects.create(
        client=tenant["client"], status="failed", attempts=3, finished_at=timezone.now(),
        error="The worker stopped answering 3 times; giving up.",
    )
    client.force_login(tenant["reviewer"])
    html = client.get(f"/review/{tenant['client'].slug}/").content.decode()
    assert 'data-state="no-worker"' in html and "No worker is alive." in html
    assert 'data-kind="quality" data-state="failed"' in html
    assert "gave up after 3 attempts: recompute now to try again" in html


def test_the_dashboard_says_nothing_when_work_is_healthy(client, tenant):
    from jobs.heartbeat import worker_heartbeat_beat

    worker_heartbeat_beat(hostname="celery@w", pid=1, queues=["default", "quality", "training"])
    client.force_login(tenant["reviewer"])
    assert 'id="run-health"' not in client.get(f"/review/{tenant['client'].slug}/").content.decode()
