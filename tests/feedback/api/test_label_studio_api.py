"""Label Studio over the API: export (reviewers+), JSON-only import onto uploaded creatives (managers)."""
import pytest

from feedback.models import Rating
from tests.factories import CreativeFactory, MembershipFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(tenant, what):
    return f"/api/v1/clients/{tenant['client'].slug}/ratings/{what}/"


def _task(tenant, external_id, annotation_id, email):
    result = [{"from_name": c.name, "type": "rating", "value": {"rating": 2}} for c in tenant["criteria"]]
    return {"id": annotation_id, "data": {"image": f"/data/upload/1/{external_id}.png"},
            "annotations": [{"id": annotation_id, "completed_by": {"id": 1, "email": email}, "result": result}]}


def test_export_answers_label_studio_tasks(tenant, api_as):
    creative = CreativeFactory(client=tenant["client"])
    RatingFactory(creative=creative, rater=tenant["rater"])
    response = api_as(tenant["reviewer"]).get(_url(tenant, "export") + "?format=label_studio")
    assert response.status_code == 200
    assert "label-studio.json" in response["Content-Disposition"]
    task = response.json()[0]
    assert task["data"]["external_id"] == creative.external_id
    assert task["annotations"][0]["completed_by"]["username"] == tenant["rater"].username


def test_export_refuses_an_unknown_format(tenant, api_as):
    response = api_as(tenant["reviewer"]).get(_url(tenant, "export") + "?format=xml")
    assert response.status_code == 400 and "format" in response.json()


def test_export_is_for_reviewers_and_up(tenant, api_as):
    assert api_as(tenant["rater"]).get(_url(tenant, "export")).status_code == 403


def test_import_matches_uploaded_creatives_and_is_idempotent(tenant, api_as):
    tenant["rater"].email = "rater@example.com"
    tenant["rater"].save()
    CreativeFactory(client=tenant["client"], external_id="hero")
    body = {"tasks": [_task(tenant, "hero", 5, "rater@example.com"), _task(tenant, "gone", 6, "rater@example.com")]}
    api = api_as(tenant["manager"])
    first = api.post(_url(tenant, "import"), body, format="json").json()
    assert first["ratings"] == {"created": 1, "unchanged": 0, "skipped": 1}
    assert first["skipped"][0]["reason"].startswith("no creative: none has external_id 'gone'")
    second = api.post(_url(tenant, "import"), body, format="json").json()
    assert second["ratings"]["created"] == 0 and second["ratings"]["unchanged"] == 1
    assert Rating.objects.filter(client=tenant["client"]).count() == 1


def test_import_with_create_raters_adds_the_annotator(tenant, api_as):
    CreativeFactory(client=tenant["client"], external_id="hero")
    outsider = UserFactory(email="outsider@example.com")
    body = {"tasks": [_task(tenant, "hero", 5, "outsider@example.com")], "create_raters": True}
    answer = api_as(tenant["manager"]).post(_url(tenant, "import"), body, format="json").json()
    assert answer["ratings"]["created"] == 1 and answer["raters_added"] == [outsider.username]


def test_import_map_to_an_unknown_criterion_answers_400_naming_map(tenant, api_as):
    body = {"tasks": [_task(tenant, "hero", 5, "x@example.com")], "map": {"stars": "nope"}}
    response = api_as(tenant["manager"]).post(_url(tenant, "import"), body, format="json")
    assert response.status_code == 400 and "map" in response.json()


def test_import_of_tasks_that_are_not_objects_answers_400(tenant, api_as):
    response = api_as(tenant["manager"]).post(_url(tenant, "import"), {"tasks": [1, 2]}, format="json")
    assert response.status_code == 400 and "tasks" in response.json()


def test_import_is_for_managers(tenant, api_as):
    MembershipFactory(client=tenant["client"])
    body = {"tasks": [_task(tenant, "hero", 5, "x@example.com")]}
    assert api_as(tenant["reviewer"]).post(_url(tenant, "import"), body, format="json").status_code == 403


def test_export_then_import_into_another_client_through_the_api_gives_the_same_ratings(tenant, api_as):
    from tests.factories import ClientFactory, CriterionFactory

    for creative in [CreativeFactory(client=tenant["client"], external_id=f"c{i}") for i in range(2)]:
        RatingFactory(creative=creative, rater=tenant["rater"], scores={tenant["criteria"][0].id: 3})
    exported = api_as(tenant["reviewer"]).get(_url(tenant, "export")).json()
    fresh = ClientFactory()
    for criterion in tenant["criteria"]:
        CriterionFactory(client=fresh, name=criterion.name, order=criterion.order)
    for i in range(2):
        CreativeFactory(client=fresh, external_id=f"c{i}")
    manager = MembershipFactory(client=fresh, role="manager").user
    MembershipFactory(client=fresh, user=tenant["rater"])
    answer = api_as(manager).post(f"/api/v1/clients/{fresh.slug}/ratings/import/", {"tasks": exported}, format="json")
    assert answer.json()["ratings"] == {"created": 2, "unchanged": 0, "skipped": 0}

    def values(client):
        return sorted(Rating.objects.filter(client=client).values_list(
            "creative__external_id", "rater__username", "scores__criterion__name", "scores__value"))

    assert values(fresh) == values(tenant["client"])
