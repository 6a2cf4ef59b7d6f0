"""Training API: shapes, tenancy (404 for strangers), roles (403) and authentication (401)."""
import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from feedback.models import AuditEvent
from tests.factories import ClientFactory, MembershipFactory
from tests.training.conftest import TINY
from training.models import TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import training_run_request


def _url(client, tail=""):
    return f"/api/v1/clients/{client.slug}/{tail}"


def _member(client, role):
    return MembershipFactory(client=client, role=role).user


def test_manager_starts_a_run_and_a_second_post_returns_it(labelled, api_as):
    api = api_as(labelled["manager"])
    first = api.post(_url(labelled["client"], "training-runs/"))
    second = api.post(_url(labelled["client"], "training-runs/"))
    assert first.status_code == 201 and first.json()["status"] == "queued"
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]


def test_run_detail_and_models_list_after_training(labelled, api_as):
    run = TrainingRun.objects.create(client=labelled["client"], hyperparameters={**_defaults(), **TINY})
    training_run_execute(run_id=run.id)
    api = api_as(_member(labelled["client"], "reviewer"))
    detail = api.get(_url(labelled["client"], f"training-runs/{run.id}/")).json()
    assert detail["status"] == "succeeded" and detail["epoch"] >= 1
    assert {"epoch", "train_loss", "val_loss"} <= set(detail["history"][0])
    models = api.get(_url(labelled["client"], "models/")).json()["results"]
    assert [m["version"] for m in models] == [1]
    card = api.get(_url(labelled["client"], "models/1/")).json()
    assert card["dataset_snapshot"]["creative_count"] == 80 and card["is_active"] is True
    assert "baseline" in card["metrics"] and card["library_versions"]["torch"]


def test_scores_answer_mean_and_std_per_criterion_name(labelled, api_as):
    run = TrainingRun.objects.create(client=labelled["client"], hyperparameters={**_defaults(), **TINY})
    training_run_execute(run_id=run.id)
    ids = [c.id for c in labelled["creatives"][:2]]
    response = api_as(_member(labelled["client"], "reviewer")).post(
        _url(labelled["client"], "scores/"), {"creatives": ids}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["creative"] for r in results] == ids
    assert set(results[0]["scores"]) == {c.name for c in labelled["criteria"]}
    assert set(results[0]["scores"][labelled["criteria"][0].name]) == {"mean", "std"}


def test_scores_without_a_model_answer_409(labelled, api_as):
    response = api_as(labelled["manager"]).post(
        _url(labelled["client"], "scores/"), {"creatives": [labelled["creatives"][0].id]}, format="json"
    )
    assert response.status_code == 409


def test_scores_with_the_model_file_missing_answer_503(labelled, api_as):
    run = TrainingRun.objects.create(client=labelled["client"], hyperparameters={**_defaults(), **TINY})
    training_run_execute(run_id=run.id)
    default_storage.delete(TrainingRun.objects.get(id=run.id).model_version.artifact)
    response = api_as(labelled["manager"]).post(
        _url(labelled["client"], "scores/"), {"creatives": [labelled["creatives"][0].id]}, format="json"
    )
    assert response.status_code == 503 and "missing" in response.json()["detail"]


def test_manager_cancels_a_queued_run(labelled, api_as):
    api = api_as(labelled["manager"])
    run_id = api.post(_url(labelled["client"], "training-runs/")).json()["id"]
    response = api.post(_url(labelled["client"], f"training-runs/{run_id}/cancel/"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("method", "tail", "role"),
    [("post", "training-runs/", "reviewer"), ("get", "training-runs/", "rater"), ("get", "models/", "rater"),
     ("post", "scores/", "rater")],
)
def test_too_low_a_role_answers_403(labelled, api_as, method, tail, role):
    api = api_as(_member(labelled["client"], role))
    assert getattr(api, method)(_url(labelled["client"], tail), {"creatives": [1]}, format="json").status_code == 403


@pytest.mark.parametrize("tail", ["training-runs/", "models/", "scores/"])
def test_another_clients_url_answers_404(labelled, api_as, tail):
    stranger = _member(ClientFactory(), "manager")
    api = api_as(stranger)
    assert api.get(_url(labelled["client"], tail)).status_code == 404


def test_another_clients_run_answers_404(labelled, api_as):
    run = TrainingRun.objects.create(client=labelled["client"])
    other = ClientFactory()
    api = api_as(_member(other, "manager"))
    assert api.get(_url(other, f"training-runs/{run.id}/")).status_code == 404


def test_no_credentials_answer_401(labelled):
    assert APIClient().get(_url(labelled["client"], "models/")).status_code == 401


def _defaults():
    from training.services.runs import default_hyperparameters

    return default_hyperparameters()


def test_a_manager_overrides_a_held_back_version_by_api_and_it_is_audited(labelled, api_as, settings):
    for margin in (0.0, 100.0):  # v1 promoted, then v2 held back by a margin nothing meets
        settings.TASTEMAKER_PROMOTION_MARGIN = margin
        training_run_execute(run_id=training_run_request(client=labelled["client"], requested_by=None,
                                                         trigger="manual").id)
    url = f"/api/v1/clients/{labelled['client'].slug}/models/2/override/"
    assert api_as(labelled["manager"]).post(url, {}, format="json").status_code == 400
    response = api_as(labelled["manager"]).post(url, {"reason": "Needed for the spring campaign."}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is True
    assert response.json()["overridden_by"] == labelled["manager"].username
    assert AuditEvent.objects.filter(action="model.override", client=labelled["client"]).count() == 1
