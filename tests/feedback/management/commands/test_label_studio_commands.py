"""import_label_studio / export_label_studio: files in and out, the summary, and the round trip."""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from feedback.models import Creative, Rating, Score
from tests.factories import (
    ClientFactory,
    CreativeFactory,
    CriterionFactory,
    MembershipFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _run(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def _scores(client) -> dict:
    rows = Score.objects.filter(rating__client=client).values_list(
        "rating__creative__external_id", "rating__rater__username", "criterion__name", "value", "rating__duration_ms"
    )
    return {(ext, rater, criterion): (value, duration) for ext, rater, criterion, value, duration in rows}


@pytest.fixture
def rated():
    """A client with two criteria (a 1..5 rating, a 0..2 nominal one with anchors), three creatives, ratings."""
    client = ClientFactory(slug="source")
    CriterionFactory(client=client, name="appeal", order=0)
    CriterionFactory(client=client, name="tone", scale_min=0, scale_max=2, level="nominal", order=1,
                     anchors={"0": "Cold", "1": "Neutral", "2": "Warm"})
    raters = [MembershipFactory(client=client, user=UserFactory(email=f"r{i}@example.com")).user for i in range(2)]
    creatives = [CreativeFactory(client=client, external_id=name) for name in ("spring/hero", "b", "c")]
    for creative in creatives[:2]:
        for rater in raters:
            RatingFactory(creative=creative, rater=rater, duration_ms=2500)
    return {"client": client, "raters": raters, "creatives": creatives}


def test_export_writes_tasks_images_and_a_labeling_config(rated, tmp_path):
    output = _run("export_label_studio", "source", str(tmp_path / "out.json"))
    tasks = json.loads((tmp_path / "out.json").read_text())
    assert len(tasks) == 3 and sum(len(t["annotations"]) for t in tasks) == 4
    assert "Wrote 3 tasks with 4 annotations" in output
    first = tasks[0]
    assert first["data"]["image"].startswith("images/") and (tmp_path / first["data"]["image"]).is_file()
    assert first["data"]["external_id"] == "spring/hero"
    types = {r["from_name"]: r["type"] for r in first["annotations"][0]["result"]}
    assert types == {"appeal": "rating", "tone": "choices"}
    tone = next(r for r in first["annotations"][0]["result"] if r["from_name"] == "tone")
    assert tone["value"]["choices"][0] in {"Cold", "Neutral", "Warm"}
    assert first["annotations"][0]["lead_time"] == 2.5
    config = (tmp_path / "label_config.xml").read_text()
    assert '<Rating name="appeal" toName="image" maxRating="5"' in config and '<Choice value="Warm"/>' in config


def test_round_trip_into_a_fresh_client_gives_the_same_ratings(rated, tmp_path):
    _run("export_label_studio", "source", str(tmp_path / "out.json"))
    fresh = ClientFactory(slug="fresh")
    CriterionFactory(client=fresh, name="appeal", order=0)
    CriterionFactory(client=fresh, name="tone", scale_min=0, scale_max=2, level="nominal", order=1,
                     anchors={"0": "Cold", "1": "Neutral", "2": "Warm"})
    output = _run("import_label_studio", "fresh", str(tmp_path / "out.json"),
                  "--images", str(tmp_path / "images"), "--create-raters")
    assert "Creatives: created 3" in output and "Ratings: created 4, already imported 0, skipped 0" in output
    assert _scores(fresh) == _scores(rated["client"])
    external_ids = Creative.objects.filter(client=fresh).values_list("external_id", flat=True)
    assert sorted(external_ids) == ["b", "c", "spring/hero"]
    source_times = sorted(Rating.objects.filter(client=rated["client"]).values_list("submitted_at", flat=True))
    assert sorted(Rating.objects.filter(client=fresh).values_list("submitted_at", flat=True)) == source_times


def test_importing_twice_reports_everything_already_imported(rated, tmp_path):
    _run("export_label_studio", "source", str(tmp_path / "out.json"))
    fresh = ClientFactory(slug="fresh")
    CriterionFactory(client=fresh, name="appeal")
    CriterionFactory(client=fresh, name="tone", scale_min=0, scale_max=2, level="nominal",
                     anchors={"0": "Cold", "1": "Neutral", "2": "Warm"})
    args = ("import_label_studio", "fresh", str(tmp_path / "out.json"), "--images", str(tmp_path / "images"),
            "--create-raters")
    _run(*args)
    again = _run(*args)
    assert "Creatives: created 0, updated 3" in again and "Ratings: created 0, already imported 4, skipped 0" in again
    assert Rating.objects.filter(client=fresh).count() == 4


def test_import_summary_lists_skip_reasons_and_unmapped_controls(tmp_path, png_bytes):
    client = ClientFactory(slug="acme")
    CriterionFactory(client=client, name="appeal")
    MembershipFactory(client=client, user=UserFactory(username="maya", email="maya@example.com"))
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.png").write_bytes(png_bytes())
    tasks = [
        {"id": 1, "data": {"image": "/data/upload/1/a.png"}, "annotations": [
            {"id": 1, "completed_by": {"id": 1, "email": "maya@example.com"}, "result": [
                {"from_name": "appeal", "type": "rating", "value": {"rating": 4}},
                {"from_name": "notes", "type": "textarea", "value": {"text": ["ok"]}},
            ]},
            {"id": 2, "completed_by": 7, "result": [{"from_name": "appeal", "type": "rating", "value": {"rating": 2}}]},
        ]},
        {"id": 2, "data": {"image": "https://cdn.example.invalid/x.png"}, "annotations": [{"id": 3, "result": []}]},
    ]
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    output = _run("import_label_studio", "acme", str(tmp_path / "export.json"), "--images", str(tmp_path / "imgs"))
    assert "Ratings: created 1, already imported 0, skipped 2." in output
    assert "skipped task 1 annotation 2: unknown annotator: Label Studio user 7" in output
    assert "skipped task 2: image is a URL: the server never fetches URLs" in output
    assert "Unmapped controls (ignored; map them with --map FROM_NAME=CRITERION): notes (1 results)" in output


def test_import_of_a_file_that_is_not_an_export_is_an_error(tmp_path):
    ClientFactory(slug="acme")
    (tmp_path / "x.json").write_text('{"not": "tasks"}')
    with pytest.raises(CommandError, match="A Label Studio JSON export is a list of tasks"):
        _run("import_label_studio", "acme", str(tmp_path / "x.json"))


def test_import_option_without_equals_is_an_error(tmp_path):
    ClientFactory(slug="acme")
    (tmp_path / "x.json").write_text("[]")
    with pytest.raises(CommandError, match="--map takes NAME=VALUE"):
        _run("import_label_studio", "acme", str(tmp_path / "x.json"), "--map", "stars")
