"""Managers' creative pages in headless Chromium: drop images or a CSV with images, edit, archive."""
import base64
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from feedback.models import AuditEvent, Creative
from tests.browser import log_in
from tests.factories import ClientFactory, CriterionFactory, MembershipFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("TASTEMAKER_SHOTS", "/tmp/shots-B"))


@pytest.fixture
def acme(transactional_db):
    """A client with a rubric (so the rate page has something to ask) and a manager."""
    client = ClientFactory(slug="acme", repeat_rate=0.0, gold_rate=0.0)
    CriterionFactory(client=client, order=0)
    manager = MembershipFactory(client=client, role="manager").user
    return {"client": client, "manager": manager}


def noisy_png(seed: int, side: int = 96) -> bytes:
    """A PNG of random pixels: distinct content per seed, and big enough that cutting it breaks it."""
    pixels = bytes((seed * 7919 + i * 104729) % 251 for i in range(side * side * 3))
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def random_png(side: int) -> bytes:
    """A PNG of random bytes, which no compression shrinks: about 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def drop(page, files: list[tuple[str, str, bytes]]) -> None:
    """A real drop event on the drop zone, carrying a DataTransfer of File objects built in the page."""
    payload = [{"name": name, "type": kind, "data": base64.b64encode(data).decode()} for name, kind, data in files]
    transfer = page.evaluate_handle(
        """files => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name, { type: f.type }));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event("#drop-zone", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})


def wait_until_done(page) -> str:
    page.wait_for_selector("#summary[data-done=true]")
    return page.text_content("#summary")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_manager_drops_twenty_images_and_the_queue_serves_them(page, live_server, acme):
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    shot(page, "upload-empty")
    drop(page, [(f"ad-{i:02}.png", "image/png", noisy_png(i)) for i in range(20)])

    text = wait_until_done(page)
    assert "Created 20, updated 0, skipped 0." in text
    assert page.locator("#uploads li[data-state=created]").count() == 20
    shot(page, "upload-twenty-done")
    created = set(Creative.objects.filter(client=acme["client"]).values_list("id", flat=True))
    assert sorted(Creative.objects.values_list("external_id", flat=True)) == [f"ad-{i:02}" for i in range(20)]

    page.goto(f"{live_server.url}/rate/acme/")
    page.wait_for_selector("#rate[data-state=rating]")
    assert int(page.get_attribute("#rate", "data-creative")) in created


def test_csv_with_a_missing_and_a_corrupt_image_reports_both(page, live_server, acme):
    good = noisy_png(1)
    csv = (
        "image,external_id,headline,body,channel,campaign,tags,metadata\n"
        "good.png,c-good,Fresh <b>roast</b>,Body,instagram,spring,coffee;sale,\"{\"\"brand\"\": \"\"Acme\"\"}\"\n"
        "missing.png,c-missing,Missing,,,,,\n"
        "corrupt.png,c-corrupt,Corrupt,,,,,\n"
        "https://cdn.example.invalid/x.png,c-url,Remote,,,,,\n"
    )
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    drop(page, [
        ("creatives.csv", "text/csv", csv.encode()),
        ("good.png", "image/png", good),
        ("corrupt.png", "image/png", noisy_png(2)[:600]),
    ])

    text = wait_until_done(page)
    shot(page, "upload-csv-done")
    assert "Created 1, updated 0, skipped 3." in text
    assert "image missing.png was not dropped with the CSV" in text
    assert "The image could not be decoded (truncated or corrupt)." in text
    assert "the server never fetches URLs" in text
    creative = Creative.objects.get(client=acme["client"])
    assert (creative.external_id, creative.headline, creative.channel, creative.campaign) == (
        "c-good", "Fresh <b>roast</b>", "instagram", "spring"
    )
    assert creative.tags == ["coffee", "sale"] and creative.metadata["brand"] == "Acme"


def test_a_duplicate_by_content_links_to_the_existing_creative(page, live_server, acme):
    image = noisy_png(3)
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    drop(page, [("first.png", "image/png", image)])
    wait_until_done(page)
    first = Creative.objects.get(external_id="first")
    drop(page, [("second.png", "image/png", image)])
    page.wait_for_selector("#uploads .duplicate a")

    link = page.locator("#uploads .duplicate a")
    assert link.get_attribute("href") == f"/c/acme/creatives/{first.id}/"
    assert "1 duplicate by content" in wait_until_done(page)


def test_file_picker_is_reachable_with_the_keyboard(page, live_server, acme):
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "file-input":
            break
    assert page.evaluate("document.activeElement.id") == "file-input"
    page.set_input_files("#file-input", files=[{"name": "picked.png", "mimeType": "image/png", "buffer": noisy_png(4)}])
    assert "Created 1," in wait_until_done(page)


def test_manager_edits_copy_and_metadata_then_archives(page, live_server, acme):
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    drop(page, [("edit-me.png", "image/png", noisy_png(5))])
    wait_until_done(page)
    creative = Creative.objects.get(external_id="edit-me")

    page.goto(f"{live_server.url}/c/acme/creatives/{creative.id}/")
    page.fill("#id_headline", "New <i>headline</i>")
    page.fill("#id_campaign", "autumn")
    page.fill("#id_tags", "warm; cosy")
    page.fill("#id_metadata", "[1, 2]")
    page.click("#edit-form button[type=submit]")
    assert "Must be a JSON object" in page.text_content("#edit-form")
    shot(page, "creative-edit-error")
    page.fill("#id_metadata", '{"brand": "Acme"}')
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("text=Creative saved.")
    assert page.text_content(".creative .headline") == "New <i>headline</i>"
    shot(page, "creative-detail")

    page.click("text=Archive…")
    shot(page, "creative-archive-confirm")
    page.click("button[value=archive]")
    page.wait_for_selector("text=Creative archived")
    creative.refresh_from_db()
    assert creative.archived and (creative.campaign, creative.tags) == ("autumn", ["warm", "cosy"])
    assert creative.metadata == {
        "brand": "Acme", "campaign": "autumn", "channel": "", "format": "", "tags": ["warm", "cosy"],
    }
    events = AuditEvent.objects.filter(target=f"creative:{creative.id}").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["creative.updated", "creative.archived"]


def test_list_filters_by_campaign_with_values_from_the_data(page, live_server, acme):
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    csv = "image,campaign,tags\na.png,spring,sale\nb.png,autumn,\n"
    drop(page, [("list.csv", "text/csv", csv.encode()), ("a.png", "image/png", noisy_png(6)),
                ("b.png", "image/png", noisy_png(7))])
    wait_until_done(page)

    page.goto(f"{live_server.url}/c/acme/creatives/")
    page.select_option("#id_campaign", "spring")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**campaign=spring**")
    shot(page, "creative-list-filtered")
    assert page.text_content("#creative-count").strip() == "1 creative matches the filters."
    assert page.locator("tbody tr").count() == 1 and "a" in page.text_content("tbody tr td:nth-child(3)")


def test_each_refused_file_shows_the_apis_reason(page, live_server, acme, settings):
    from tests.corpus import png_claiming

    settings.TASTEMAKER_MAX_IMAGE_BYTES = 20_000
    settings.TASTEMAKER_MAX_IMAGE_PIXELS = 1_000_000
    log_in(page, live_server, acme["manager"])
    page.goto(f"{live_server.url}/c/acme/creatives/upload/")
    drop(page, [
        ("notes.txt", "text/plain", b"just text"),
        ("huge.png", "image/png", random_png(side=100)),
        ("bomb.png", "image/png", png_claiming(5000, 5000)),
        ("fine.png", "image/png", noisy_png(9, side=32)),
    ])

    text = wait_until_done(page)
    shot(page, "upload-refused-files")
    assert "Created 1, updated 0, skipped 3." in text
    assert "notes.txt: image: Not a valid image: upload a PNG, JPEG or WebP file." in text
    assert "huge.png: image: The file is" in text and "the limit is 20,000." in text
    assert "bomb.png: image: The image is 5000×5000 = 25,000,000 pixels; the limit is 1,000,000." in text
