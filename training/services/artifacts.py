"""Model checkpoints in Django storage (a folder or an S3-protocol bucket), through its API only.

A checkpoint is written once under a key nobody else uses, read back and checked (SHA-256 and
size) before its ModelVersion row is published; loading checks both again and unpickles nothing
(torch.load(weights_only=True) underneath). No path, rename or shared disk is needed, so the same
code runs on a filesystem and on an object store, and a training host writes what a web host reads.
"""
import contextlib
import hashlib
import uuid
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from feedback.errors import Unavailable
from feedback.selectors import criterion_list
from training.ml import Checkpoint, CheckpointError, load_checkpoint
from training.models import ModelVersion

_CHUNK = 1024 * 1024
# What a storage backend raises when its disk or its store cannot be reached or read.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


class ArtifactError(Unavailable):
    """A model's checkpoint is missing, unreadable or not what was written; pages and the API show this (503)."""


@dataclass(frozen=True)
class StoredArtifact:
    """A checkpoint as written and verified: its storage key, SHA-256 (hex) and size in bytes."""

    name: str
    sha256: str
    size: int


def artifact_key(*, client_id: int, version: int) -> str:
    """A fresh storage key for a client's model version: never an existing file, so never half of one."""
    return f"models/client-{client_id}/v{version}-{uuid.uuid4().hex}.pt"


def artifact_write(*, client_id: int, version: int, data: bytes) -> StoredArtifact:
    """Write a checkpoint under a new key, read it back and verify it; ArtifactError if it does not match.

    Readers find a checkpoint only through its ModelVersion row, which the caller creates after
    this returns, so nobody can see a partial object on either backend (object stores have no
    rename; a unique key does not need one). A copy that does not read back whole is deleted.
    """
    expected = StoredArtifact(name="", sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        name = default_storage.save(artifact_key(client_id=client_id, version=version), ContentFile(data))
    except STORAGE_ERRORS as exc:
        raise ArtifactError(f"Model file could not be written to storage: {exc}") from exc
    try:
        artifact_read(name=name, sha256=expected.sha256, size=expected.size)
    except ArtifactError:
        _discard(name)
        raise
    return StoredArtifact(name=name, sha256=expected.sha256, size=expected.size)


def artifact_read(*, name: str, sha256: str, size: int) -> bytes:
    """The stored bytes under `name`, if they are exactly `size` bytes with this SHA-256; else ArtifactError."""
    if not name:
        raise ArtifactError("Model file (none) is missing from storage.")
    digest, chunks, total = hashlib.sha256(), [], 0
    try:
        if not default_storage.exists(name):
            raise ArtifactError(f"Model file {name} is missing from storage.")
        with default_storage.open(name, "rb") as handle:
            # Never more than one byte past the expected size: a swollen object cannot fill memory.
            while total <= size and (chunk := handle.read(min(_CHUNK, size + 1 - total))):
                digest.update(chunk)
                chunks.append(chunk)
                total += len(chunk)
    except STORAGE_ERRORS as exc:
        raise ArtifactError(f"Model file {name} cannot be read from storage: {exc}") from exc
    if total != size or digest.hexdigest() != sha256:
        raise ArtifactError(
            f"Model file {name} does not match its checksum (expected {size} bytes, sha256 {sha256[:12]}…); "
            "it was changed or damaged after it was written."
        )
    return b"".join(chunks)


def artifact_load(*, version: ModelVersion, device: str = "cpu") -> Checkpoint:
    """Load a model version's verified checkpoint (weights_only=True underneath); ArtifactError when
    missing, changed or corrupt.

    A checkpoint written before criteria were keyed by id (format 1) names its criteria: the
    version's snapshot keeps the names it was trained on with their ids (training migration 0003),
    so it still loads after a rename; without that, the client's current names are used.
    """
    if not version.artifact_sha256:
        raise ArtifactError(f"Model file {version.artifact or '(none)'} has no recorded checksum; retrain the model.")
    data = artifact_read(name=version.artifact, sha256=version.artifact_sha256, size=version.artifact_size)
    try:
        return load_checkpoint(data, device=device, criterion_ids_by_name=_trained_names(version))
    except CheckpointError as exc:
        raise ArtifactError(f"Model file {version.artifact} cannot be loaded: {exc}") from exc


def _discard(name: str) -> None:
    with contextlib.suppress(*STORAGE_ERRORS):  # a stray object under a key no row names is harmless
        default_storage.delete(name)


def _trained_names(version: ModelVersion) -> dict[str, int]:
    # Only a format-1 checkpoint reads this; names are unique per client (a database constraint).
    stored = (version.dataset_snapshot or {}).get("criterion_ids_by_name")
    if stored:
        return {str(name): int(criterion_id) for name, criterion_id in stored.items()}
    return dict(criterion_list(client=version.client).values_list("name", "id"))
