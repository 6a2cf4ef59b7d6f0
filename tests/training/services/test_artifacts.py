"""Checkpoints on both storage backends: written under a unique key and verified before the version
row exists, loaded only when their checksum matches and with weights_only, clear errors for missing,
damaged or pickled files, and models saved before criteria were keyed by id (format 1) still in service."""
import hashlib
import io
import os

import pytest
import torch
from django.core.files.storage import default_storage

from feedback.models import CreativePrediction
from tests.factories import ClientFactory
from tests.storage import replace_stored
from training.models import ModelVersion
from training.services import artifacts
from training.services.artifacts import ArtifactError, artifact_load, artifact_read, artifact_write
from training.services.execute import training_run_execute
from training.services.runs import training_run_request
from training.services.scoring import score_creatives


def _promoted(labelled) -> ModelVersion:
    run = training_run_request(client=labelled["client"], requested_by=None, trigger="manual")
    training_run_execute(run_id=run.id)
    return ModelVersion.objects.get(client=labelled["client"], is_active=True)


def _version_of(stored, client=None, number: int = 1) -> ModelVersion:
    return ModelVersion(client=client or ClientFactory(), version=number, artifact=stored.name,
                        artifact_sha256=stored.sha256, artifact_size=stored.size)


def test_artifact_write_returns_the_key_checksum_and_size_it_verified(db, storage_backend):
    stored = artifact_write(client_id=7, version=3, data=b"abc")
    assert stored.name.startswith("models/client-7/v3-") and stored.name.endswith(".pt")
    assert (stored.sha256, stored.size) == (hashlib.sha256(b"abc").hexdigest(), 3)
    with default_storage.open(stored.name, "rb") as handle:
        assert handle.read() == b"abc"


def test_each_write_gets_its_own_key_so_no_reader_sees_a_half_written_file(db, storage_backend):
    first = artifact_write(client_id=1, version=1, data=b"one")
    second = artifact_write(client_id=1, version=1, data=b"two")
    assert first.name != second.name
    assert artifact_read(name=first.name, sha256=first.sha256, size=first.size) == b"one"


def test_artifact_write_leaves_nothing_but_the_checkpoint_on_disk(db, settings):
    stored = artifact_write(client_id=2, version=1, data=b"abc")
    assert os.listdir(os.path.join(settings.MEDIA_ROOT, "models", "client-2")) == [os.path.basename(stored.name)]


def test_a_write_that_does_not_read_back_whole_is_deleted_and_refused(db, storage_backend, monkeypatch):
    from django.core.files.base import ContentFile

    saved, real_save = [], default_storage.save

    def recording_save(name, content):
        saved.append(real_save(name, content))
        return saved[-1]

    monkeypatch.setattr(default_storage, "save", recording_save)
    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": ContentFile(b"checkpoint"))  # cut short
    with pytest.raises(ArtifactError, match="does not match its checksum"):
        artifact_write(client_id=3, version=1, data=b"checkpoint bytes")
    monkeypatch.undo()
    assert len(saved) == 1 and not default_storage.exists(saved[0])


def test_checkpoint_loads_with_weights_only(labelled, storage_backend):
    version = _promoted(labelled)
    assert version.artifact_size > 0 and len(version.artifact_sha256) == 64
    with default_storage.open(version.artifact, "rb") as handle:
        payload = torch.load(handle, weights_only=True)
    assert "state_dict" in payload
    checkpoint = artifact_load(version=version)
    assert checkpoint.spec.criterion_ids == [c.id for c in labelled["criteria"]]


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_a_trained_checkpoint_lives_in_the_bucket_and_not_on_disk(labelled, storage_backend, settings):
    version = _promoted(labelled)
    assert version.artifact in storage_backend["server"].keys(storage_backend["bucket"])
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "models"))


def test_a_damaged_checkpoint_is_refused_before_torch_reads_it(labelled, storage_backend, monkeypatch):
    version = _promoted(labelled)
    with default_storage.open(version.artifact, "rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    replace_stored(version.artifact, bytes(data))
    monkeypatch.setattr(artifacts, "load_checkpoint", lambda *a, **k: pytest.fail("torch read a damaged file"))
    with pytest.raises(ArtifactError, match="does not match its checksum"):
        artifact_load(version=version)


def test_a_replaced_checkpoint_of_another_size_is_refused(labelled, storage_backend):
    version = _promoted(labelled)
    replace_stored(version.artifact, b"not a checkpoint")
    with pytest.raises(ArtifactError, match="does not match its checksum"):
        artifact_load(version=version)


def test_a_version_without_a_recorded_checksum_is_refused(db, storage_backend):
    stored = artifact_write(client_id=4, version=1, data=b"abc")
    with pytest.raises(ArtifactError, match="no recorded checksum"):
        artifact_load(version=ModelVersion(client=ClientFactory(), version=1, artifact=stored.name))


def test_a_pickled_object_is_refused(db, storage_backend):
    import pickle

    stored = artifact_write(client_id=5, version=1, data=pickle.dumps(io.StringIO("x")))
    with pytest.raises(ArtifactError, match="cannot be loaded"):
        artifact_load(version=_version_of(stored))


def test_missing_artifact_is_a_clear_error(db, storage_backend):
    version = ModelVersion(client=ClientFactory(), version=9, artifact="models/none/v9.pt",
                           artifact_sha256="0" * 64, artifact_size=10)
    with pytest.raises(ArtifactError, match="missing"):
        artifact_load(version=version)


def test_an_unreachable_store_is_an_artifact_error(db, settings, s3_server):
    from config.settings.storage import storages_from_environ

    settings.STORAGES = storages_from_environ({**s3_server.environ(bucket="b"), "TASTEMAKER_S3_ENDPOINT_URL":
                                               f"http://127.0.0.1:{_closed_port()}"})
    with pytest.raises(ArtifactError, match="cannot be read from storage|could not be written"):
        artifact_write(client_id=6, version=1, data=b"abc")


def _closed_port() -> int:
    from tests.storage import free_port

    return free_port()


def test_corrupt_active_artifact_makes_scoring_raise_artifact_error(labelled, storage_backend):
    version = _promoted(labelled)
    replace_stored(version.artifact, b"not a checkpoint")
    from training.services import scoring

    scoring._loaded.clear()
    with pytest.raises(ArtifactError):
        score_creatives(client=labelled["client"], creative_ids=[labelled["creatives"][0].id])


def test_scoring_returns_mean_and_std_per_criterion_name_and_stores_them(labelled):
    _promoted(labelled)
    ids = [c.id for c in labelled["creatives"][:12]]
    version, results = score_creatives(client=labelled["client"], creative_ids=ids)
    assert [r["creative"] for r in results] == ids
    names = {c.name for c in labelled["criteria"]}
    for result in results:
        assert set(result["scores"]) == names
        for value in result["scores"].values():
            assert 1 <= value["mean"] <= 5 and value["std"] >= 0
    # Every third creative has a bold headline. Compared on average, not one pair: which creatives are
    # held out depends on the ids the database hands out, so any single pair may be a held-out one.
    first = labelled["criteria"][0].name
    bold = [r["scores"][first]["mean"] for i, r in enumerate(results) if i % 3 == 0]
    plain = [r["scores"][first]["mean"] for i, r in enumerate(results) if i % 3]
    assert sum(bold) / len(bold) > sum(plain) / len(plain)


def _rewrite_as_format_1(version: ModelVersion, criteria) -> None:
    """Store the version's checkpoint as the code before format 2 wrote it: criteria by name (and
    record its checksum, as training migration 0004 does for such a file)."""
    with default_storage.open(version.artifact, "rb") as handle:
        payload = torch.load(handle, weights_only=True)
    names = {c.id: c.name for c in criteria}
    payload["format_version"] = 1
    payload["spec"]["criteria"] = [[names[cid], low, high] for cid, low, high in payload["spec"]["criteria"]]
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    stored = artifact_write(client_id=version.client_id, version=version.version, data=buffer.getvalue())
    version.artifact, version.artifact_sha256, version.artifact_size = stored.name, stored.sha256, stored.size
    version.save(update_fields=["artifact", "artifact_sha256", "artifact_size"])


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
