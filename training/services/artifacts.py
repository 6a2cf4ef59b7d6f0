"""Model checkpoints in Django storage: written atomically, read back with weights_only=True."""
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from training.ml import Checkpoint, CheckpointError, load_checkpoint


class ArtifactError(Exception):
    """A model's checkpoint is missing or unreadable; pages and the API show this, never crash."""


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


def artifact_load(*, name: str, device: str = "cpu") -> Checkpoint:
    """Load a checkpoint (weights_only=True underneath); ArtifactError when missing or corrupt."""
    if not name or not default_storage.exists(name):
        raise ArtifactError(f"Model file {name or '(none)'} is missing from storage.")
    try:
        with default_storage.open(name, "rb") as handle:
            return load_checkpoint(handle.read(), device=device)
    except (CheckpointError, OSError) as exc:
        raise ArtifactError(f"Model file {name} cannot be loaded: {exc}") from exc

