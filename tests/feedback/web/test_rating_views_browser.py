"""The rating page in headless Chromium: keyboard-only rating, undo, skip, progress, escaping."""
import pytest

from feedback.models import Rating, Skip
from tests.browser import log_in
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory

SCRIPT_HEADLINE = "<script>alert(1)</script>"

pytestmark = pytest.mark.browser


@pytest.fixture
def rating_client(transactional_db):
    """Two criteria, five creatives (the first with a script tag as headline), one rater."""
    client = ClientFactory(slug="acme", repeat_rate=0.0, gold_rate=0.0)
    criteria = [CriterionFactory(client=client, order=i) for i in range(2)]
    creatives = [CreativeFactory(client=client, headline=SCRIPT_HEADLINE)]
    creatives += CreativeFactory.create_batch(4, client=client)
    rater = MembershipFactory(client=client).user
    return {"client": client, "criteria": criteria, "creatives": creatives, "rater": rater}


def _shown_creative(page) -> str:
    page.wait_for_selector("#rate[data-state=rating]")
    return page.get_attribute("#rate", "data-creative")


def _wait_for_other_creative(page, previous: str) -> str:
    page.wait_for_function(
        "prev => { const r = document.getElementById('rate');"
        " return r.dataset.state !== 'loading' && r.dataset.creative !== prev; }",
        arg=previous,
    )
    return page.get_attribute("#rate", "data-creative")


def _wait_for_text(page, selector: str, text: str):
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent.trim() === text", arg=[selector, text]
    )


def test_rater_rates_undoes_and_skips_with_the_keyboard_only(page, live_server, rating_client):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, rating_client["rater"])
    assert "Waiting for you" in page.content()
    page.goto(f"{live_server.url}/rate/acme/")

    shown = [_shown_creative(page)]
    assert page.text_content("#creative-headline") == SCRIPT_HEADLINE
    _wait_for_text(page, "#done-today", "0")
    for _ in range(3):
        page.keyboard.press("4")
        page.keyboard.press("2")
        page.keyboard.press("Enter")
        shown.append(_wait_for_other_creative(page, shown[-1]))
    _wait_for_text(page, "#done-today", "3")
    _wait_for_text(page, "#left-in-queue", "2")

    page.keyboard.press("u")
    back = _wait_for_other_creative(page, shown[-1])
    assert back == shown[2]
    _wait_for_text(page, "#done-today", "2")

    page.keyboard.press("s")
    page.keyboard.type("Logo is cut off")
    page.keyboard.press("Enter")
    _wait_for_other_creative(page, back)
    _wait_for_text(page, "#left-in-queue", "2")

    rated = Rating.objects.filter(rater=rating_client["rater"]).order_by("id")
    assert [str(r.creative_id) for r in rated] == shown[:2]
    assert all(r.kind == "normal" and r.duration_ms is not None and r.shown_at for r in rated)
    values = sorted(v for r in rated for v in r.scores.values_list("value", flat=True))
    assert values == [2, 2, 4, 4]
    skip = Skip.objects.get(rater=rating_client["rater"])
    assert (str(skip.creative_id), skip.reason) == (shown[2], "Logo is cut off")
    assert dialogs == []


def test_empty_queue_says_so(page, live_server, rating_client):
    rating_client["client"].creatives.update(archived=True)
    log_in(page, live_server, rating_client["rater"])
    page.goto(f"{live_server.url}/rate/acme/")
    page.wait_for_selector("#rate[data-state=empty]")
    assert "Nothing left to rate for you right now" in page.text_content("#empty")


def test_key_map_opens_with_question_mark(page, live_server, rating_client):
    log_in(page, live_server, rating_client["rater"])
    page.goto(f"{live_server.url}/rate/acme/")
    _shown_creative(page)
    page.keyboard.press("?")
    assert page.is_visible("#keymap")
    page.keyboard.press("Escape")
    assert not page.is_visible("#keymap")
