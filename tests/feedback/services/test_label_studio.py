"""Label Studio import: mapping of controls, choices and annotators; every skip reason; idempotence."""
import pytest

from feedback.models import Creative, Membership, Rating, Score
from feedback.services.label_studio import ImportOptions, image_file_name, label_studio_import
from tests.factories import ClientFactory, CriterionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(png_bytes):
    client = ClientFactory()
    appeal = CriterionFactory(client=client, name="appeal", scale_min=1, scale_max=5, order=0)
    fit = CriterionFactory(client=client, name="brand_fit", scale_min=1, scale_max=3, order=1,
                           anchors={"1": "Off brand", "2": "Close", "3": "On brand"})
    rater = MembershipFactory(client=client, user=UserFactory(username="maya", email="maya@example.com")).user
    images = {"a.png": png_bytes((1, 2, 3)), "b.png": png_bytes((9, 8, 7))}
    return {"client": client, "appeal": appeal, "fit": fit, "rater": rater, "images": images}


def _task(task_id=1, image="/data/upload/1/a.png", annotations=None, **data):
    annotations = annotations if annotations is not None else [_annotation()]
    return {"id": task_id, "data": {"image": image, **data}, "annotations": annotations}


def _annotation(annotation_id=10, completed_by=None, result=None, **extra):
    return {
        "id": annotation_id,
        "completed_by": completed_by if completed_by is not None else {"id": 3, "email": "maya@example.com"},
        "result": result if result is not None else [_rating("appeal", 4), _choice("brand_fit", "On brand")],
        "lead_time": 4.288, "created_at": "2021-03-09T22:16:08.728353Z", "was_cancelled": False, **extra,
    }


def _rating(name, value, kind="rating"):
    return {"from_name": name, "to_name": "image", "type": kind, "value": {kind: value}}


def _choice(name, *choices):
    return {"from_name": name, "to_name": "image", "type": "choices", "value": {"choices": list(choices)}}


def _import(setup, tasks, with_images=True, **options):
    return label_studio_import(
        client=setup["client"], tasks=tasks, options=ImportOptions(**options),
        read_image=setup["images"].get if with_images else None,
    )


def _scores(setup):
    return {
        (s.rating.creative.external_id, s.rating.rater.username, s.criterion.name): s.value
        for s in Score.objects.filter(rating__client=setup["client"]).select_related(
            "rating__creative", "rating__rater"
        )
    }


def test_an_annotation_becomes_a_rating_with_one_score_per_criterion(setup):
    summary = _import(setup, [_task()])
    assert summary.ratings["created"] == 1 and summary.creatives["created"] == 1
    assert _scores(setup) == {("a", "maya", "appeal"): 4, ("a", "maya", "brand_fit"): 3}
    rating = Rating.objects.get(client=setup["client"])
    assert rating.duration_ms == 4288
    assert rating.submitted_at.isoformat().startswith("2021-03-09T22:16:08")
    assert rating.kind == Rating.Kind.NORMAL
    assert Creative.objects.get(id=rating.creative_id).normal_rating_count == 1


def test_reimporting_the_same_export_creates_nothing_new(setup):
    _import(setup, [_task()])
    again = _import(setup, [_task()])
    assert again.ratings["created"] == 0 and again.ratings["unchanged"] == 1
    assert again.creatives["updated"] == 1
    assert Rating.objects.filter(client=setup["client"]).count() == 1
    assert Creative.objects.filter(client=setup["client"]).count() == 1


def test_the_same_export_into_two_clients_gives_each_its_own_ratings(setup):
    other = ClientFactory()
    CriterionFactory(client=other, name="appeal")
    CriterionFactory(client=other, name="brand_fit", scale_max=3, anchors=setup["fit"].anchors)
    MembershipFactory(client=other, user=setup["rater"])
    _import(setup, [_task()])
    summary = label_studio_import(
        client=other, tasks=[_task()], options=ImportOptions(), read_image=setup["images"].get
    )
    assert summary.ratings["created"] == 1


def test_map_option_maps_a_control_onto_a_criterion(setup):
    result = [_rating("stars", 2), _choice("fit", "Close")]
    summary = _import(setup, [_task(annotations=[_annotation(result=result)])],
                      controls={"stars": "appeal", "fit": "BRAND_FIT"})
    assert summary.ratings["created"] == 1
    assert _scores(setup)[("a", "maya", "appeal")] == 2


def test_map_to_an_unknown_criterion_is_refused_before_anything_is_written(setup):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no active criterion"):
        _import(setup, [_task()], controls={"stars": "nonexistent"})
    assert not Creative.objects.filter(client=setup["client"]).exists()


def test_unmapped_controls_are_reported_and_ignored(setup):
    result = [_rating("appeal", 4), _choice("brand_fit", "2"), {"from_name": "comment", "type": "textarea",
                                                                  "value": {"text": ["nice"]}}]
    summary = _import(setup, [_task(annotations=[_annotation(result=result)])])
    assert summary.ratings["created"] == 1
    assert summary.unmapped_controls == {"comment": 1}


def test_choices_option_gives_the_scale_order(setup):
    result = [_choice("appeal", "OK"), _choice("brand_fit", "Close")]
    _import(setup, [_task(annotations=[_annotation(result=result)])],
            choices={"appeal": ["Awful", "Bad", "OK", "Good", "Great"]})
    assert _scores(setup)[("a", "maya", "appeal")] == 3


def test_numeric_choice_text_is_the_point(setup):
    _import(setup, [_task(annotations=[_annotation(result=[_choice("appeal", "5"), _choice("brand_fit", "1")])])])
    assert _scores(setup)[("a", "maya", "appeal")] == 5


def test_number_results_are_scores(setup):
    result = [_rating("appeal", 2.0, "number"), _rating("brand_fit", 2)]
    _import(setup, [_task(annotations=[_annotation(result=result)])])
    assert _scores(setup)[("a", "maya", "appeal")] == 2


@pytest.mark.parametrize(("result", "reason"), [
    ([_rating("appeal", 7), _rating("brand_fit", 2)], "outside the scale: appeal gives 7, appeal is 1..5"),
    ([_rating("appeal", 2.5, "number"), _rating("brand_fit", 2)], "not a whole number"),
    ([_choice("appeal", "Meh"), _rating("brand_fit", 2)], "unknown choice: 'Meh' of appeal"),
    ([_choice("appeal", "1", "2"), _rating("brand_fit", 2)], "not one choice"),
    ([_rating("appeal", 3)], "no score: the annotation has no result for brand_fit"),
    ([{"from_name": "appeal", "type": "rectanglelabels", "value": {}}, _rating("brand_fit", 2)], "unsupported type"),
    ([_rating("appeal", 3), _rating("appeal", 4), _rating("brand_fit", 2)], "conflicting scores"),
])
def test_an_annotation_with_unusable_results_is_skipped_with_its_reason(setup, result, reason):
    summary = _import(setup, [_task(annotations=[_annotation(result=result)])])
    assert summary.ratings["skipped"] == 1 and summary.ratings["created"] == 0
    assert reason in summary.skipped[0]["reason"]
    assert summary.skipped[0]["annotation"] == 10


def test_a_choice_outside_the_choices_option_is_skipped(setup):
    result = [_choice("appeal", "Huh"), _rating("brand_fit", 1)]
    summary = _import(setup, [_task(annotations=[_annotation(result=result)])], choices={"appeal": ["Bad", "Good"]})
    assert "is not one of --choices appeal" in summary.skipped[0]["reason"]


def test_a_cancelled_annotation_is_skipped(setup):
    summary = _import(setup, [_task(annotations=[_annotation(was_cancelled=True)])])
    assert summary.skipped[0]["reason"].startswith("cancelled")


def test_a_url_image_is_skipped_and_never_fetched(setup):
    summary = _import(setup, [_task(image="https://example.invalid/remote.png")])
    assert summary.tasks_skipped == 1 and summary.ratings["skipped"] == 1
    assert "the server never fetches URLs" in summary.skipped[0]["reason"]
    assert not Creative.objects.filter(client=setup["client"]).exists()


def test_a_url_image_whose_file_is_in_the_folder_is_imported_from_the_file(setup):
    summary = _import(setup, [_task(image="s3://bucket/path/b.png")])
    assert summary.ratings["created"] == 1
    assert Creative.objects.get(client=setup["client"]).external_id == "b"


def test_a_missing_image_file_is_skipped(setup):
    summary = _import(setup, [_task(image="/data/upload/1/missing.png")])
    assert summary.skipped[0]["reason"] == "image file not found: no missing.png in the images folder"


def test_a_corrupt_image_file_is_skipped_with_the_image_check_message(setup):
    setup["images"]["bad.png"] = b"not a png"
    summary = _import(setup, [_task(image="bad.png")])
    assert summary.skipped[0]["reason"].startswith("image refused: bad.png: ")


def test_without_an_images_folder_tasks_match_creatives_already_uploaded(setup):
    _import(setup, [_task(annotations=[])])  # uploads creative "a"
    summary = _import(setup, [_task(task_id=2, annotations=[_annotation(annotation_id=20)])], with_images=False)
    assert summary.creatives["matched"] == 1 and summary.ratings["created"] == 1


def test_without_an_images_folder_an_unknown_creative_is_skipped(setup):
    summary = _import(setup, [_task(image="/data/upload/1/zzz.png")], with_images=False)
    assert summary.skipped[0]["reason"].startswith("no creative: none has external_id 'zzz'")


def test_data_external_id_names_the_creative(setup):
    _import(setup, [_task(external_id="spring/hero")])
    assert Creative.objects.get(client=setup["client"]).external_id == "spring/hero"


def test_an_annotator_by_bare_id_needs_the_annotator_option(setup):
    skipped = _import(setup, [_task(annotations=[_annotation(completed_by=3)])])
    assert "map it with --annotator 3=<username>" in skipped.skipped[0]["reason"]
    mapped = _import(setup, [_task(annotations=[_annotation(completed_by=3)])], annotators={"3": "maya"})
    assert mapped.ratings["created"] == 1


def test_an_unknown_annotator_is_skipped_without_create_raters(setup):
    summary = _import(setup, [_task(annotations=[_annotation(completed_by={"id": 4, "email": "new@example.com"})])])
    assert summary.skipped[0]["reason"].startswith("unknown annotator: no user new@example.com")


def test_a_user_outside_the_client_is_skipped_without_create_raters(setup):
    UserFactory(username="outsider", email="out@example.com")
    summary = _import(setup, [_task(annotations=[_annotation(completed_by="out@example.com")])])
    assert summary.skipped[0]["reason"].startswith("not a member: out@example.com")


def test_create_raters_adds_missing_annotators_as_raters_without_a_usable_password(setup):
    summary = _import(setup, [_task(annotations=[_annotation(completed_by={"id": 4, "email": "new@example.com"})])],
                      create_raters=True)
    membership = Membership.objects.get(client=setup["client"], user__email="new@example.com")
    assert membership.role == "rater" and not membership.user.has_usable_password()
    assert summary.ratings["created"] == 1 and summary.raters_added == ["new@example.com"]


def test_an_annotation_by_the_same_rater_twice_is_skipped_as_already_rated(setup):
    summary = _import(setup, [_task(annotations=[_annotation(10), _annotation(11)])])
    assert summary.ratings["created"] == 1
    assert "already rated" in summary.skipped[0]["reason"]


@pytest.mark.parametrize(("image", "name"), [
    ("/data/upload/1/abc.png", "abc.png"),
    ("s3://bucket/folder/x.jpg", "x.jpg"),
    ("/data/local-files/?d=shoots/spring/hero.webp", "hero.webp"),
    ("http://host/img.png?sig=1", "img.png"),
])
def test_image_file_name_is_the_base_name(image, name):
    assert image_file_name(image) == name


def test_annotations_without_ids_are_told_apart_by_position_and_reimport_idempotently(setup):
    other = MembershipFactory(client=setup["client"], user=UserFactory(email="jo@example.com")).user
    annotations = [_annotation(), _annotation(completed_by=other.email)]
    for annotation in annotations:
        del annotation["id"]
    task = _task(annotations=annotations)
    del task["id"]
    assert _import(setup, [task]).ratings["created"] == 2
    assert _import(setup, [task]).ratings["unchanged"] == 2
