"""Checkpoints: atomic writes, weights_only loads, clear errors for missing or corrupt files."""
import pytest
import torch
from django.core.files.storage import default_storage

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
    checkpoint = artifact_load(name=version.artifact, client=labelled["client"])
    assert checkpoint.spec.criterion_ids == [c.id for c in labelled["criteria"]]


def test_a_pickled_object_is_refused(db):
    import io
    import pickle

    artifact_write(name="models/evil/v1.pt", data=pickle.dumps(io.StringIO("x")))
    with pytest.raises(ArtifactError, match="cannot be loaded"):
        artifact_load(name="models/evil/v1.pt", client=ClientFactory())


def test_missing_artifact_is_a_clear_error(db):
    with pytest.raises(ArtifactError, match="missing"):
        artifact_load(name="models/none/v9.pt", client=ClientFactory())


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
