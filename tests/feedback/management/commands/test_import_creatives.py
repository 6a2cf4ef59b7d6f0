"""import_creatives: folder or CSV in, a summary of what was created, updated and skipped out."""
import io

import pytest
from django.core.management import call_command

from feedback.models import Creative
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return ClientFactory(slug="acme")


@pytest.fixture
def src(tmp_path):
    """The import folder; apart from MEDIA_ROOT, which also lives under tmp_path."""
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def _run(*args) -> str:
    out = io.StringIO()
    call_command("import_creatives", *args, stdout=out)
    return out.getvalue()


def test_folder_import_creates_one_creative_per_image_and_skips_the_rest(acme, src, png_bytes):
    (src / "a.png").write_bytes(png_bytes((1, 2, 3)))
    (src / "b.png").write_bytes(png_bytes((4, 5, 6)))
    (src / "notes.txt").write_text("hello")
    (src / "broken.png").write_bytes(b"not a png")
    output = _run("acme", str(src))
    assert sorted(Creative.objects.values_list("external_id", flat=True)) == ["a", "b"]
    assert "Created 2, updated 0, skipped 2" in output
    assert "notes: not an image file type" in output and "broken: Not a valid image" in output


def test_csv_import_reads_copy_and_metadata_and_refuses_urls(acme, src, png_bytes):
    (src / "one.png").write_bytes(png_bytes())
    (src / "list.csv").write_text(
        "image,external_id,headline,body,channel,tags\n"
        "one.png,c1,Hello <b>,Body,tiktok,summer;sale\n"
        "https://example.invalid/x.png,c2,Remote,,,\n"
    )
    output = _run("acme", str(src / "list.csv"))
    creative = Creative.objects.get(external_id="c1")
    assert (creative.headline, creative.channel, creative.tags) == ("Hello <b>", "tiktok", ["summer", "sale"])
    assert "c2: image is a URL" in output


def test_reimport_updates_instead_of_duplicating(acme, src, png_bytes):
    (src / "a.png").write_bytes(png_bytes())
    _run("acme", str(src))
    output = _run("acme", str(src))
    assert Creative.objects.count() == 1 and "Created 0, updated 1" in output


def test_imported_images_land_in_the_configured_store(acme, src, png_bytes, storage_backend):
    from django.core.files.storage import default_storage

    image = png_bytes((7, 8, 9))
    (src / "a.png").write_bytes(image)
    _run("acme", str(src))
    creative = Creative.objects.get(external_id="a")
    with default_storage.open(creative.image.name, "rb") as handle:
        assert handle.read() == image
    assert default_storage.exists(creative.thumbnail.name)
