"""Training pages: overview, live run page, model card (from stored facts, also with a missing file), scores."""
import pytest
from django.core.files.storage import default_storage
from django.test import Client as WebClient

from tests.factories import ClientFactory, MembershipFactory
from tests.storage import replace_stored
from training.models import ModelVersion, TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import training_run_request


def _login(user) -> WebClient:
    web = WebClient()
    web.force_login(user)
    return web


@pytest.fixture
def trained(labelled):
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    training_run_execute(run_id=run.id)
    return {**labelled, "run": TrainingRun.objects.get(id=run.id)}


def test_overview_run_and_model_pages_render(trained):
    web, slug = _login(trained["manager"]), trained["client"].slug
    assert b"Retrain now" in web.get(f"/train/{slug}/").content
    run_page = web.get(f"/train/{slug}/runs/{trained['run'].id}/")
    assert run_page.status_code == 200 and b'id="loss"' in run_page.content and b"run-history" in run_page.content
    card = web.get(f"/train/{slug}/models/1/")
    assert card.status_code == 200 and b"Model card" in card.content and b"Learning curve" in card.content


def test_model_card_is_rendered_from_stored_facts_without_opening_the_model_file(trained):
    # Garbage that any attempt to load would refuse: the card shows it is present, nothing more.
    replace_stored(ModelVersion.objects.get(client=trained["client"]).artifact, b"garbage")
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/1/")
    assert page.status_code == 200 and b"(in storage)" in page.content and b"missing from storage" not in page.content


def test_model_card_says_when_the_model_file_is_missing_from_storage(trained):
    default_storage.delete(ModelVersion.objects.get(client=trained["client"]).artifact)
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/1/")
    assert page.status_code == 200 and b"missing from storage" in page.content


def test_model_card_of_an_unknown_version_is_404(trained):
    assert _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/99/").status_code == 404


def test_creative_page_shows_stored_predictions(trained):
    creative = trained["creatives"][0]
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/creatives/{creative.id}/")
    assert page.status_code == 200 and b"active model" in page.content


def test_manager_starts_a_run_from_the_page(labelled):
    response = _login(labelled["manager"]).post(f"/train/{labelled['client'].slug}/runs/start/")
    assert response.status_code == 302
    assert TrainingRun.objects.filter(client=labelled["client"], trigger="manual").count() == 1


def test_rater_gets_403_and_stranger_404(labelled):
    rater = MembershipFactory(client=labelled["client"], role="rater").user
    stranger = MembershipFactory(client=ClientFactory(), role="manager").user
    assert _login(rater).get(f"/train/{labelled['client'].slug}/").status_code == 403
    assert _login(stranger).get(f"/train/{labelled['client'].slug}/").status_code == 404


def test_model_card_names_criteria_as_they_are_called_now(trained):
    criterion = trained["criteria"][0]
    old_name = criterion.name
    criterion.name = "Renamed after training"
    criterion.save()
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/1/").content.decode()
    assert "toward Renamed after training" in page and "Predicts Renamed after training" in page
    assert '<th scope="row">Renamed after training</th>' in page  # the metrics row
    assert old_name not in page


def test_model_card_shows_a_metric_key_that_matches_no_criterion_as_stored(trained):
    version = ModelVersion.objects.get(client=trained["client"])
    version.metrics["new"]["gone before the migration"] = {"mae": 0.5, "spearman": None, "n": 3}
    version.save()
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/1/")
    assert page.status_code == 200 and b"gone before the migration" in page.content


@pytest.mark.django_db
def test_overview_and_run_pages_show_a_stuck_run(tenant):
    from datetime import timedelta

    from django.utils import timezone

    silent = timezone.now() - timedelta(hours=1)
    run = TrainingRun.objects.create(
        client=tenant["client"], status="running", attempts=1, started_at=silent, heartbeat_at=silent
    )
    web, slug = _login(tenant["reviewer"]), tenant["client"].slug
    for page in (f"/train/{slug}/", f"/train/{slug}/runs/{run.id}/"):
        html = web.get(page).content.decode()
        assert f"Training run #{run.id}" in html and 'data-kind="training" data-state="stuck"' in html
        assert "the next sweep queues it again, attempt 2 of 3" in html and "No worker is alive." in html


@pytest.fixture
def held_back(trained, settings):
    """v1 active; v2 held back by a margin no model can meet."""
    settings.TASTEMAKER_PROMOTION_MARGIN = 100.0
    run = training_run_request(client=trained["client"], requested_by=None, trigger="manual")
    assert training_run_execute(run_id=run.id).outcome == "kept_active"
    return trained


def test_the_card_answers_the_clients_question_first_and_shows_tables_not_dict_text(trained):
    page = _login(trained["manager"]).get(f"/train/{trained['client'].slug}/models/1/").content.decode()
    assert page.index("Can it learn your taste") < page.index("How well it does, per criterion")
    assert f"of {trained['client'].name}&#x27;s creatives" in page and "from 3 raters" in page
    assert "closer to the ratings than guessing the average" in page
    assert "<caption>Hyperparameters</caption>" in page and "{&#x27;" not in page
    assert 'class="learning-curve"' in page and "Held-out MAE (scale points)" in page


def test_the_card_of_a_held_back_version_says_why_and_offers_managers_an_override(held_back):
    page = _login(held_back["manager"]).get(f"/train/{held_back['client'].slug}/models/2/").content.decode()
    assert "It was not promoted. Held back: does not beat active v1" in page
    assert 'name="reason"' in page


def test_a_manager_overrides_from_the_card_with_a_reason(held_back):
    url = f"/train/{held_back['client'].slug}/models/2/override/"
    response = _login(held_back["manager"]).post(url, {"reason": "We accept the trade-off for this campaign."})
    assert response.status_code == 302
    assert ModelVersion.objects.get(client=held_back["client"], is_active=True).version == 2


def test_an_override_without_a_reason_re_shows_the_card_with_400(held_back):
    url = f"/train/{held_back['client'].slug}/models/2/override/"
    response = _login(held_back["manager"]).post(url, {"reason": ""})
    assert response.status_code == 400 and "Say why this version should be promoted" in response.content.decode()
    assert ModelVersion.objects.get(client=held_back["client"], is_active=True).version == 1


def test_a_reviewer_cannot_override(held_back):
    reviewer = MembershipFactory(client=held_back["client"], role="reviewer").user
    url = f"/train/{held_back['client'].slug}/models/2/override/"
    assert _login(reviewer).post(url, {"reason": "I would like this one better."}).status_code == 403
