"""The agency's list of clients in headless Chromium: an admin creates a client and sees it listed."""
import os
from pathlib import Path

import pytest

from feedback.models import AuditEvent, Client
from tests.browser import log_in
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-A"))


def test_admin_creates_a_client_from_the_agency_page(page, live_server, transactional_db):
    ClientFactory(slug="acme", name="Acme Coffee")
    admin = UserFactory(username="ada.admin", is_superuser=True)
    log_in(page, live_server, admin)
    page.click("nav [data-nav=agency-clients]")
    page.wait_for_url("**/agency/clients/")
    page.fill("#id_slug", "acme")
    page.fill("#id_name", "Acme again")
    page.click("#client-create button[type=submit]")
    assert "exists already" in page.inner_text("#id_slug-error")
    # Keyboard only: type, Tab to the next field, Enter submits.
    page.fill("#id_slug", "")
    page.focus("#id_slug")
    page.keyboard.type("bolt-bikes")
    page.keyboard.press("Tab")
    page.keyboard.type("Bolt Bikes")
    page.keyboard.press("Enter")
    page.wait_for_selector("tr[data-client=bolt-bikes]")
    assert Client.objects.get(slug="bolt-bikes").name == "Bolt Bikes"
    assert AuditEvent.objects.get(action="client.created").actor == admin
    assert "not computed yet" in page.inner_text("tr[data-client=bolt-bikes]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "agency-clients.png"), full_page=True)


def test_a_manager_is_refused_the_agency_page_and_has_no_entry_for_it(page, live_server, transactional_db):
    manager = MembershipFactory(client=ClientFactory(), role="manager").user
    log_in(page, live_server, manager)
    assert page.locator("nav [data-nav=agency-clients]").count() == 0
    assert page.goto(f"{live_server.url}/agency/clients/").status == 403
