"""Checkpoints: atomic writes, weights_only loads, clear errors for missing or corrupt files,
and models saved before criteria were keyed by id (format 1) still in service."""
import io

import pytest
import torch
from django.core.files.storage import default_storage

from feedback.models import CreativePrediction
from tests.factories import ClientFactory
from training.models import ModelVersion
from training.services.artifacts import ArtifactError, artifact_load, artifact_write
from training.services.execute import training_run_execute
from training.services.runs import training_run_request
from training.services.scoring import score_creatives


def _promoted(labelled) -> ModelVersion:
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    training_run_execute(run_id=run.id)
    return ModelVersion.objects.get(client=labelled["client"], is_active=True)


def test_artifact_write_leaves_no_temp_file(db):
    artifact_write(name="models/test/v1.pt", data=b"abc")
    folder = default_storage.path("models/test")
    import os

    assert os.listdir(folder) == ["v1.pt"]


def test_checkpoint_loads_with_weights_only(labelled):
    version = _promoted(labelled)
    with default_storage.open(version.artifact, "rb") as handle:
        payload = torch.load(handle, weights_only=True)
    assert "state_dict" in payload
    checkpoint = artifact_load(version=version)
    assert checkpoint.spec.criterion_ids == [c.id for c in labelled["criteria"]]


def test_a_pickled_object_is_refused(db):
    import pickle

    artifact_write(name="models/evil/v1.pt", data=pickle.dumps(io.StringIO("x")))
    with pytest.raises(ArtifactError, match="cannot be loaded"):
        artifact_load(version=ModelVersion(client=ClientFactory(), version=1, artifact="models/evil/v1.pt"))


def test_missing_artifact_is_a_clear_error(db):
    with pytest.raises(ArtifactError, match="missing"):
        artifact_load(version=ModelVersion(client=ClientFactory(), version=9, artifact="models/none/v9.pt"))


def test_corrupt_active_artifact_makes_scoring_raise_artifact_error(labelled):
    version = _promoted(labelled)
    artifact_write(name=version.artifact, data=b"not a checkpoint")
    from training.services import scoring

    scoring._loaded.clear()
    with pytest.raises(ArtifactError):
        score_creatives(client=labelled["client"], creative_ids=[labelled["creatives"][0].id])


def test_scoring_returns_mean_and_std_per_criterion_name_and_stores_them(labelled):
    _promoted(labelled)
    ids = [c.id for c in labelled["creatives"][:3]]
    version, results = score_creatives(client=labelled["client"], creative_ids=ids)
    assert [r["creative"] for r in results] == ids
    names = {c.name for c in labelled["criteria"]}
    for result in results:
        assert set(result["scores"]) == names
        for value in result["scores"].values():
            assert 1 <= value["mean"] <= 5 and value["std"] >= 0
    bold = results[0]["scores"][labelled["criteria"][0].name]["mean"]  # creative 0 has a bold headline
    plain = results[1]["scores"][labelled["criteria"][0].name]["mean"]
    assert bold > plain


def _rewrite_as_format_1(version: ModelVersion, criteria) -> None:
    """Store the version's checkpoint as the code before format 2 wrote it: criteria by name."""
    with default_storage.open(version.artifact, "rb") as handle:
        payload = torch.load(handle, weights_only=True)
    names = {c.id: c.name for c in criteria}
    payload["format_version"] = 1
    payload["spec"]["criteria"] = [[names[cid], low, high] for cid, low, high in payload["spec"]["criteria"]]
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    artifact_write(name=version.artifact, data=buffer.getvalue())


def test_an_active_format_1_model_keeps_scoring_after_the_upgrade(labelled):
    from training.services import scoring

    _rewrite_as_format_1(_promoted(labelled), labelled["criteria"])
    scoring._loaded.clear()
    creative = labelled["creatives"][0]
    _, results = score_creatives(client=labelled["client"], creative_ids=[creative.id])
    assert set(results[0]["scores"]) == {c.name for c in labelled["criteria"]}
    assert set(results[0]["scores_by_id"]) == {str(c.id) for c in labelled["criteria"]}
    stored = CreativePrediction.objects.filter(creative=creative, out_of_fold=False)
    assert sorted(stored.values_list("criterion_id", flat=True)) == sorted(c.id for c in labelled["criteria"])


def test_a_format_1_model_still_loads_after_a_criterion_it_was_trained_on_is_renamed(labelled):
    from training.services import scoring

    version = _promoted(labelled)
    _rewrite_as_format_1(version, labelled["criteria"])
    # What training migration 0003 keeps for a format-1 version: the names it was trained on.
    version.dataset_snapshot["criterion_ids_by_name"] = {c.name: c.id for c in labelled["criteria"]}
    version.save(update_fields=["dataset_snapshot"])
    renamed = labelled["criteria"][0]
    renamed.name = "renamed after the upgrade"
    renamed.save(update_fields=["name"])
    scoring._loaded.clear()
    _, results = score_creatives(client=labelled["client"], creative_ids=[labelled["creatives"][0].id])
    assert "renamed after the upgrade" in results[0]["scores"]


def test_an_active_format_1_model_is_compared_by_criterion_id_on_the_next_run(labelled):
    _rewrite_as_format_1(_promoted(labelled), labelled["criteria"])
    run = training_run_execute(
        run_id=training_run_request(client=labelled["client"], requested_by=None, trigger="manual").id
    )
    assert run.metrics["active_version"] == 1
    assert set(run.metrics["active"]) == {str(c.id) for c in labelled["criteria"]}
