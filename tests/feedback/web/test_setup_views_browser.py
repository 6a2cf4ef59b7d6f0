"""The setup pages in headless Chromium: a manager edits the rubric with the keyboard, adds a rater who
then rates; each role's bar; a screenshot of every page into /tmp/shots-A/ (or $SHOTS_DIR)."""
import os
from pathlib import Path

import pytest

from feedback.models import Criterion, Membership, Rating
from tests.browser import log_in
from tests.factories import (
    ClientFactory,
    CreativeFactory,
    CriterionFactory,
    MembershipFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-A"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def studio(transactional_db):
    """A client with a two-criterion rubric (the first already rated), a manager and some creatives."""
    client = ClientFactory(slug="acme", name="Acme Coffee", repeat_rate=0.0, gold_rate=0.0)
    criteria = [CriterionFactory(client=client, order=i, name=name, question=question)
                for i, (name, question) in enumerate([("brand_fit", "Does it fit the brand?"),
                                                      ("clarity", "Is the message clear?")])]
    manager = MembershipFactory(client=client, role="manager", user=UserFactory(username="mia.manager")).user
    creatives = CreativeFactory.create_batch(3, client=client)
    RatingFactory(creative=creatives[0], rater=manager)
    return {"client": client, "criteria": criteria, "manager": manager}


def _focused_label(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')")


def test_manager_adds_a_criterion_with_anchors_reorders_it_and_deactivates_one(page, live_server, studio):
    log_in(page, live_server, studio["manager"])
    page.click("#home-clients [data-nav=rubric]")
    page.wait_for_url("**/c/acme/rubric/")
    _shot(page, "rubric-list")
    page.click("text=Add a criterion")
    page.fill("#id_name", "shelf_appeal")
    page.fill("#id_question", "Would it stand out on a shelf?")
    page.fill("#id_scale_max", "4")
    page.press("#id_scale_max", "Tab")  # the script adds the field for point 4
    page.wait_for_selector("#id_anchor_4")
    for point, text in {1: "invisible", 2: "blends in", 3: "noticeable", 4: "jumps out"}.items():
        page.fill(f"#id_anchor_{point}", text)
    _shot(page, "rubric-new")
    page.click("#criterion-form button[type=submit]")
    page.wait_for_url("**/c/acme/rubric/")
    added = Criterion.objects.get(client=studio["client"], name="shelf_appeal")
    assert added.anchors == {"1": "invisible", "2": "blends in", "3": "noticeable", "4": "jumps out"}

    # Reorder with the keyboard only: the focus comes back to the button after each move.
    page.focus("button[aria-label='Move shelf_appeal up']")
    page.keyboard.press("Enter")
    page.wait_for_url("**moved=*")
    assert _focused_label(page) == "Move shelf_appeal up"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('aria-label')"
                           " === 'Move shelf_appeal down'")  # at the top, the up button is disabled
    names = page.locator("#rubric .criterion-name").all_inner_texts()
    assert names == ["shelf_appeal", "brand_fit", "clarity"]

    page.locator(f"#criterion-{studio['criteria'][1].id} button").filter(has_text="Deactivate").click()
    page.wait_for_selector(".messages")
    assert not Criterion.objects.get(id=studio["criteria"][1].id).active
    assert "inactive" in page.inner_text(f"#criterion-{studio['criteria'][1].id} .status-cell")
    _shot(page, "rubric-reordered")

    page.click(f"#criterion-{studio['criteria'][0].id} a")  # edit the rated criterion
    assert page.locator("#id_scale_min").is_disabled()
    assert "ratings already use it" in page.inner_text("#scale-locked")
    _shot(page, "rubric-edit-locked")


def test_a_missing_anchor_is_shown_next_to_the_anchors(page, live_server, studio):
    log_in(page, live_server, studio["manager"])
    page.goto(f"{live_server.url}/c/acme/rubric/new/")
    page.fill("#id_name", "tone")
    page.fill("#id_question", "Is the tone right?")
    for point in (1, 2, 4, 5):
        page.fill(f"#id_anchor_{point}", f"tone {point}")
    page.click("#criterion-form button[type=submit]")
    assert page.inner_text("#anchors-error") == "Anchor text is missing for: 3."
    _shot(page, "rubric-new-error")


def test_manager_adds_a_rater_by_username_who_then_logs_in_and_rates(page, live_server, studio):
    newcomer = UserFactory(username="ravi.rater")
    log_in(page, live_server, studio["manager"])
    page.click("nav [data-nav=members]")
    page.fill("#id_person", "nobody-here")
    page.click("#member-add button[type=submit]")
    assert "No account has the username or email 'nobody-here'" in page.inner_text("#id_person-error")
    page.fill("#id_person", "ravi.rater")
    page.select_option("#id_role", "rater")
    page.click("#member-add button[type=submit]")
    page.wait_for_selector("tr[data-member='ravi.rater']")
    assert Membership.objects.get(client=studio["client"], user=newcomer).role == "rater"
    page.click("tr[data-member='mia.manager'] button[value=remove]")
    assert "is the last manager" in page.inner_text("tr[data-member='mia.manager'] .field-error")
    _shot(page, "members")
    page.click("form.logout button")

    log_in(page, live_server, newcomer)
    assert page.locator("nav [data-nav]").all_inner_texts() == ["Rate"]
    assert page.locator("#home-clients tr[data-client=acme] a").all_inner_texts() == ["Rate"]
    _shot(page, "home-rater")
    page.click("#home-clients [data-nav=rate]")
    page.wait_for_selector("#rate[data-state=rating]")
    assert page.locator("nav [data-nav]").all_inner_texts() == ["Rate"]
    page.keyboard.press("4")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('done-today').textContent.trim() === '1'")
    assert Rating.objects.filter(client=studio["client"], rater=newcomer).count() == 1


def test_manager_changes_a_setting_and_sees_it_in_the_change_log(page, live_server, studio):
    log_in(page, live_server, studio["manager"])
    page.click("#home-clients [data-nav=client-settings]")
    page.fill("#id_overlap", "25")
    page.click("#settings-form button[type=submit]")
    assert page.inner_text("#id_overlap-error") == "Must be between 1 and 20."
    page.fill("#id_overlap", "4")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector(".messages")
    row = page.locator("#audit-log tr[data-action='client.settings_changed']").first
    assert "mia.manager" in row.inner_text() and "3 → 4" in row.inner_text()
    _shot(page, "settings")


def test_the_switcher_keeps_the_section_across_clients(page, live_server, studio):
    other = ClientFactory(slug="bolt", name="Bolt Bikes")
    MembershipFactory(client=other, user=studio["manager"], role="reviewer")
    log_in(page, live_server, studio["manager"])
    _shot(page, "home-manager")
    page.goto(f"{live_server.url}/review/acme/flags/")
    page.select_option("#switch-client", "bolt")
    page.focus("#switch-client")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review/bolt/flags/")
    assert page.inner_text("nav [aria-current=page]") == "Flags"
    _shot(page, "flags-reviewer-switched")
    page.select_option("#switch-client", "acme")
    page.click(".switcher button")
    page.wait_for_url("**/review/acme/flags/")
    page.goto(f"{live_server.url}/train/acme/")
    assert page.inner_text("nav [aria-current=page]") == "Models"
    _shot(page, "training-with-nav")
