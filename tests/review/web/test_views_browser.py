"""The review pages in headless Chromium: filter flags by rater, reject two, see the counts change."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from feedback.models import Rating
from review.models import Flag
from review.services.recompute import quality_recompute
from tests.browser import log_in
from tests.factories import MembershipFactory
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed(transactional_db, tenant):
    """A panel where one rater answers far too fast, so all of their labels are flagged."""
    client = tenant["client"]
    _, raters, _ = agreeing_panel(client, outlier=False)
    fast = raters[0]
    Rating.objects.filter(rater=fast).update(duration_ms=100)
    MembershipFactory(client=client, user=fast, role="rater")
    quality_recompute(client=client)
    return {**tenant, "fast": fast}


def _count(page, status: str) -> int:
    return int(page.inner_text(f'#status-counts [data-status="{status}"] dd'))


def test_reviewer_filters_by_rater_rejects_two_and_sees_counts_change(page, live_server, reviewed):
    log_in(page, live_server, reviewed["reviewer"])
    dashboard = f"{live_server.url}/review/{reviewed['client'].slug}/"
    page.goto(dashboard)
    assert page.locator("svg.trend polyline").count() == 2
    flagged, rejected = _count(page, "flagged"), _count(page, "rejected")
    assert flagged == 12 and rejected == 0

    page.click("nav [data-nav=review-flags]")
    page.select_option("select[name=rater]", reviewed["fast"].username)
    page.select_option("select[name=criterion]", str(reviewed["criteria"][0].id))
    page.click("#flag-filters button[type=submit]")
    rows = page.locator("tr[data-flag]")
    expect(rows).to_have_count(12)  # waits out the filtered page's load
    assert all(reviewed["fast"].username in text for text in rows.all_inner_texts())
    page.locator("input[name=flag]").nth(0).check()
    page.locator("input[name=flag]").nth(1).check()
    page.click("button[value=reject]")
    page.wait_for_selector(".messages")
    expect(page.locator("tr[data-flag]")).to_have_count(10)  # the filter (status open) is kept

    page.goto(dashboard)
    assert (_count(page, "flagged"), _count(page, "rejected")) == (flagged - 2, 2)


def test_rater_cannot_open_any_review_page(page, live_server, reviewed):
    log_in(page, live_server, reviewed["fast"])
    slug = reviewed["client"].slug
    for path in ("", "flags/", f"items/{Rating.objects.first().creative_id}/"):
        response = page.goto(f"{live_server.url}/review/{slug}/{path}")
        assert response.status == 403


def test_reviewer_reaches_the_flags_from_home_through_the_bar_and_rejects_one(page, live_server, reviewed):
    log_in(page, live_server, reviewed["reviewer"])
    assert page.locator("nav [data-nav]").all_inner_texts() == ["Rate", "Quality", "Flags", "Models"]
    page.click("nav [data-nav=review-flags]")
    expect(page.locator("nav [aria-current=page]")).to_have_text("Flags")
    first = page.locator("tr[data-flag]").first
    flag_id = int(first.get_attribute("data-flag"))
    first.locator("input[name=flag]").check()
    page.click("button[value=reject]")
    page.wait_for_selector(".messages")
    assert Flag.objects.get(id=flag_id).status == Flag.Status.REJECTED
    shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-A"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "flags-after-reject.png"), full_page=True)


def test_a_failed_run_and_a_missing_worker_are_shown_styled_and_within_the_policy(
    page, live_server, tenant, tmp_path
):
    from django.utils import timezone

    from review.models import QualityRun

    QualityRun.objects.create(
        client=tenant["client"], status="failed", attempts=1, finished_at=timezone.now(),
        error="TypeError: CursorDebugWrapper.copy() takes 2 positional arguments but 3 were given\nTraceback",
    )
    log_in(page, live_server, tenant["reviewer"])
    page.goto(f"{live_server.url}/review/{tenant['client'].slug}/")
    notice = page.locator('#run-health [data-kind="quality"][data-state="failed"]')
    assert notice.is_visible() and "CursorDebugWrapper.copy()" in notice.inner_text()
    assert page.locator('#run-health [data-state="no-worker"]').is_visible()
    # The notice's stylesheet loaded (a coloured left border), under the enforcing policy.
    assert notice.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    page.screenshot(path=str(tmp_path / "run-health-dashboard.png"), full_page=True)
