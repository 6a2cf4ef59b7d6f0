"""Model checkpoints in Django storage: written atomically, read back with weights_only=True."""
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from feedback.errors import Unavailable
from feedback.selectors import criterion_list
from training.ml import Checkpoint, CheckpointError, load_checkpoint
from training.models import ModelVersion


class ArtifactError(Unavailable):
    """A model's checkpoint is missing or unreadable; pages and the API show this (503), never crash."""


def artifact_name(*, client_id: int, version: int) -> str:
    """Where a client's model version lives in storage."""
    return f"models/client-{client_id}/v{version}.pt"


def artifact_write(*, name: str, data: bytes) -> str:
    """Write `data` under `name` so readers see the old file or the whole new one, never half.

    On a filesystem storage that is a temp file in the same folder, fsync, then os.replace (atomic
    on POSIX). Object stores (S3 and the like) have no rename but publish an object only once it is
    fully uploaded, so there `save` is already atomic and is used as is.
    """
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        if default_storage.exists(name):
            default_storage.delete(name)
        return default_storage.save(name, ContentFile(data))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp = f"{path}.tmp-{os.getpid()}"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return name


def artifact_load(*, version: ModelVersion, device: str = "cpu") -> Checkpoint:
    """Load a model version's checkpoint (weights_only=True underneath); ArtifactError when missing or corrupt.

    A checkpoint written before criteria were keyed by id (format 1) names its criteria: the
    version's snapshot keeps the names it was trained on with their ids (training migration 0003),
    so it still loads after a rename; without that, the client's current names are used.
    """
    name = version.artifact
    if not name or not default_storage.exists(name):
        raise ArtifactError(f"Model file {name or '(none)'} is missing from storage.")
    try:
        with default_storage.open(name, "rb") as handle:
            return load_checkpoint(handle.read(), device=device, criterion_ids_by_name=_trained_names(version))
    except (CheckpointError, OSError) as exc:
        raise ArtifactError(f"Model file {name} cannot be loaded: {exc}") from exc


def _trained_names(version: ModelVersion) -> dict[str, int]:
    # Only a format-1 checkpoint reads this; names are unique per client (a database constraint).
    stored = (version.dataset_snapshot or {}).get("criterion_ids_by_name")
    if stored:
        return {str(name): int(criterion_id) for name, criterion_id in stored.items()}
    return dict(criterion_list(client=version.client).values_list("name", "id"))
