"""A criterion renamed (PATCH criteria/<id>/) after its model was trained keeps its predictions,
its stored prediction rows and its comparison with the active model: criteria are keyed by id."""
import pytest

from feedback.models import CreativePrediction
from training.models import ModelVersion
from training.services.execute import training_run_execute
from training.services.runs import training_run_request

NEW_NAME = "Fits the brand (renamed)"


def _train(client):
    run = training_run_request(client=client, requested_by=None, trigger="manual")
    return training_run_execute(run_id=run.id)


@pytest.fixture
def renamed(labelled, api_as):
    """The client's first model is trained and active; then its first criterion is renamed by API."""
    assert _train(labelled["client"]).outcome == "promoted"
    criterion = labelled["criteria"][0]
    old_name = criterion.name
    response = api_as(labelled["manager"]).patch(
        f"/api/v1/clients/{labelled['client'].slug}/criteria/{criterion.id}/", {"name": NEW_NAME}, format="json"
    )
    assert response.status_code == 200 and response.json()["name"] == NEW_NAME
    return {**labelled, "criterion": criterion, "old_name": old_name}


def _score(renamed, api_as, creatives):
    response = api_as(renamed["manager"]).post(
        f"/api/v1/clients/{renamed['client'].slug}/scores/", {"creatives": [c.id for c in creatives]}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_scores_api_answers_a_renamed_criterion_under_its_new_name(renamed, api_as):
    results = _score(renamed, api_as, renamed["creatives"][:2])
    other = renamed["criteria"][1]
    assert set(results[0]["scores"]) == {NEW_NAME, other.name}
    assert renamed["old_name"] not in results[0]["scores"]
    assert set(results[0]["scores"][NEW_NAME]) == {"mean", "std"}
    assert results[0]["scores_by_id"][str(renamed["criterion"].id)] == results[0]["scores"][NEW_NAME]
    bold, plain = (r["scores"][NEW_NAME]["mean"] for r in results)  # creative 0's headline is bold
    assert bold > plain


def test_scoring_stores_the_predictions_of_a_renamed_criterion(renamed, api_as):
    criterion = renamed["criterion"]
    CreativePrediction.objects.filter(criterion=criterion).delete()
    creatives = renamed["creatives"][:3]
    _score(renamed, api_as, creatives)
    stored = CreativePrediction.objects.filter(criterion=criterion, out_of_fold=False)
    assert sorted(stored.values_list("creative_id", flat=True)) == sorted(c.id for c in creatives)
    assert set(stored.values_list("model_version", flat=True)) == {"v1"}


def test_active_model_still_predicts_a_renamed_criterion_when_the_next_run_keeps_it(renamed, settings):
    settings.TASTEMAKER_PROMOTION_MARGIN = 10.0  # the new model cannot win: v1, trained before the rename, stays
    assert _train(renamed["client"]).outcome == "kept_active"
    stored = CreativePrediction.objects.filter(criterion=renamed["criterion"], out_of_fold=False)
    assert stored.count() == len(renamed["creatives"])
    assert set(stored.values_list("model_version", flat=True)) == {"v1"}


def test_next_run_compares_the_active_model_on_a_renamed_criterion(renamed):
    run = _train(renamed["client"])
    assert run.status == "succeeded", run.error
    key = str(renamed["criterion"].id)
    assert run.metrics["active_version"] == 1
    assert run.metrics["active"][key]["n"] > 0
    assert set(run.metrics["active"]) == set(run.metrics["new"]) == {str(c.id) for c in renamed["criteria"]}
    assert ModelVersion.objects.get(client=renamed["client"], version=2).metrics["active"][key]["mae"] is not None


def test_models_api_names_a_renamed_criterion_as_it_is_called_now(renamed, api_as):
    card = api_as(renamed["manager"]).get(f"/api/v1/clients/{renamed['client'].slug}/models/1/").json()
    key = str(renamed["criterion"].id)
    assert card["criterion_names"][key] == NEW_NAME
    assert key in card["metrics"]["new"] and renamed["old_name"] not in card["metrics"]["new"]
    assert card["dataset_snapshot"]["criteria"] == [c.id for c in renamed["criteria"]]
