"""Executing a run: trains, evaluates against baseline and active model, promotes or keeps."""
import pytest

from feedback.models import CreativePrediction
from training.models import ModelVersion, TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import training_run_request


def _run(client, **hyper):
    run = training_run_request(client=client, requested_by=None, trigger="manual", hyperparameters=hyper or None)
    return training_run_execute(run_id=run.id)


def test_first_run_promotes_a_model_that_beats_the_mean_baseline(labelled):
    run = _run(labelled["client"])
    assert run.status == "succeeded", run.error
    assert run.outcome == "promoted"
    version = ModelVersion.objects.get(client=labelled["client"])
    assert version.is_active and version.version == 1
    summary = version.metrics["summary"]
    assert summary["new"]["mae"] < summary["baseline"]["mae"]
    assert version.dataset_snapshot["creative_count"] == 80
    assert version.dataset_snapshot["raters"] == 3
    assert version.learning_curve and version.readiness["target_mae"] == 0.5
    assert len(run.history) == run.epoch >= 1


def test_run_writes_out_of_fold_and_active_predictions(labelled):
    _run(labelled["client"])
    out_of_fold = CreativePrediction.objects.filter(creative__client=labelled["client"], out_of_fold=True)
    active = CreativePrediction.objects.filter(creative__client=labelled["client"], out_of_fold=False)
    assert out_of_fold.count() == 80 * 2
    assert active.count() == 80 * 2
    assert labelled["client"].creatives.filter(queue_priority__gt=0).exists()


def test_second_run_is_kept_when_it_does_not_beat_the_active_model_by_the_margin(labelled, settings):
    _run(labelled["client"])
    settings.TASTEMAKER_PROMOTION_MARGIN = 10.0
    run = _run(labelled["client"])
    assert run.outcome == "kept_active"
    assert "margin" in run.outcome_reason
    active = ModelVersion.objects.get(client=labelled["client"], is_active=True)
    assert active.version == 1
    assert ModelVersion.objects.get(client=labelled["client"], version=2).promoted is False


def test_second_run_is_promoted_when_better_and_only_one_version_is_active(labelled, settings):
    _run(labelled["client"])
    settings.TASTEMAKER_PROMOTION_MARGIN = -10.0  # any new model counts as better
    run = _run(labelled["client"])
    assert run.outcome == "promoted"
    active = ModelVersion.objects.filter(client=labelled["client"], is_active=True)
    assert list(active.values_list("version", flat=True)) == [2]
    assert run.metrics["active_version"] == 1


def test_executing_a_finished_run_again_does_nothing(labelled):
    run = _run(labelled["client"])
    assert training_run_execute(run_id=run.id) is None
    assert ModelVersion.objects.filter(client=labelled["client"]).count() == 1


def test_training_on_same_data_is_deterministic(labelled):
    first = _run(labelled["client"])
    second = _run(labelled["client"])
    assert first.history == second.history


def test_cancel_requested_stops_a_running_run(labelled):
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")

    def cancel(stats):
        TrainingRun.objects.filter(id=run.id).update(cancel_requested=True)

    run = training_run_execute(run_id=run.id, on_epoch=cancel)
    assert run.status == "cancelled"
    assert not ModelVersion.objects.filter(client=labelled["client"]).exists()


@pytest.mark.parametrize("n", [3])
def test_too_few_examples_fail_with_a_clear_error(db, n):
    from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, UserFactory
    from tests.training.services.labelled import label_creatives

    client = ClientFactory()
    criteria = [CriterionFactory(client=client)]
    label_creatives(creatives=[CreativeFactory(client=client) for _ in range(n)], criteria=criteria,
                    raters=[UserFactory()], status="clean")
    run = _run(client)
    assert run.status == "failed"
    assert "Too few clean examples" in run.error
