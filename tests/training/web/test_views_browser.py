"""Training pages in headless Chromium: an agency admin runs the transfer check and reads the table;
the model card and the overview render under the enforcing CSP (screenshots to $SHOTS_DIR if set)."""
import os

import pytest

from tests.browser import log_in
from tests.factories import UserFactory
from tests.training.services.transfer_data import second_client
from training.services.execute import training_run_execute
from training.services.runs import training_run_request

pytestmark = pytest.mark.browser


def _train(client):
    run = training_run_request(client=client, requested_by=None, trigger="manual")
    return training_run_execute(run_id=run.id)


@pytest.fixture
def agency(transactional_db, labelled):
    """Two clients with active models whose rubrics share one criterion, and an agency admin."""
    assert _train(labelled["client"]).outcome == "promoted"
    setup = second_client(labelled, copies=80)
    _train(setup["other"])  # promoted or held back, the row says which
    return {**labelled, **setup, "admin": UserFactory(is_superuser=True)}


def _shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_an_admin_runs_the_transfer_check_and_sees_the_model_by_client_table(page, live_server, agency):
    log_in(page, live_server, agency["admin"])
    page.goto(f"{live_server.url}/agency/transfer/")
    page.check(f"input[value={agency['client'].slug}]")
    page.check(f"input[value={agency['other'].slug}]")
    page.click("text=Run the transfer check")
    table = page.locator("#transfer-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 2
    cross = table.locator("tbody tr").nth(0).locator("td").nth(1).inner_text()
    assert agency["shared"].name.strip() in cross and "than guessing" in cross
    assert "Something else entirely" not in cross  # no match by name in the model's rubric
    _shot(page, "transfer")


def test_the_model_card_and_the_overview_render_under_the_policy(page, live_server, agency):
    log_in(page, live_server, agency["manager"])
    page.goto(f"{live_server.url}/train/{agency['client'].slug}/models/1/")
    assert page.locator("svg.learning-curve circle").count() >= 2
    assert page.locator("svg.learning-curve text.axis-label").count() == 2
    assert "Can it learn your taste" in page.inner_text("main")
    _shot(page, "model_card")
    page.goto(f"{live_server.url}/train/{agency['client'].slug}/")
    assert "v1" in page.inner_text("main")
    _shot(page, "overview")
