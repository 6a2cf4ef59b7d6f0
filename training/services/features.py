"""Features of creatives, cached per content hash so a retrain embeds only what is new.

Text vectors are keyed by a hash of the copy, image vectors by the image's content hash, and both
by the encoder's name, so the cache is shared across runs (and is harmless across clients: a vector
is a pure function of content the caller already has).
"""
import hashlib
import re
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from feedback.models import Creative
from training.ml import (
    IMAGE_FEATURE_DIM,
    TEXT_EMBEDDING_DIM,
    CreativeMetadata,
    copy_text,
    embed_texts,
    image_features,
)
from training.models import FeatureCache

IMAGE_ENCODER = f"image-stats-{IMAGE_FEATURE_DIM}-v1"
_CHUNK = 512
_ENCODERS = {"minilm": "all-MiniLM-L6-v2", "hashing": f"hashing-{TEXT_EMBEDDING_DIM}-v1"}


@dataclass
class CreativeFeatures:
    """The three feature blocks of a list of creatives, rows in the creatives' order."""

    text: np.ndarray
    image: np.ndarray
    metadata: list[CreativeMetadata]
    computed: dict[str, int]


def text_encoder_name() -> str:
    """The configured text encoder (part of every cache key and of the model card)."""
    return _ENCODERS[settings.TASTEMAKER_TEXT_ENCODER]


def creative_features(
    *, creatives: list[Creative], device: str | None = None, on_progress=None
) -> CreativeFeatures:
    """Text, image and metadata features of `creatives`, from the cache where possible."""
    texts = [copy_text(c.headline, c.body) for c in creatives]
    text_keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    text, n_text = _cached(
        kind=FeatureCache.Kind.TEXT, encoder=text_encoder_name(), keys=text_keys, dim=TEXT_EMBEDDING_DIM,
        compute=lambda rows: _embed([texts[i] for i in rows], device), on_progress=on_progress,
    )
    image_keys = [c.content_hash or f"creative-{c.id}" for c in creatives]
    image, n_image = _cached(
        kind=FeatureCache.Kind.IMAGE, encoder=IMAGE_ENCODER, keys=image_keys, dim=IMAGE_FEATURE_DIM,
        compute=lambda rows: np.stack([_image_vector(creatives[i]) for i in rows]), on_progress=on_progress,
    )
    metadata = [
        CreativeMetadata(
            channel=c.channel or "", format=c.format or "", headline_chars=len(c.headline or ""),
            body_chars=len(c.body or ""), has_image=bool(c.image),
        )
        for c in creatives
    ]
    return CreativeFeatures(text=text, image=image, metadata=metadata, computed={"text": n_text, "image": n_image})


def hashing_embed(texts: list[str]) -> np.ndarray:
    """A tiny deterministic text encoder (signed hashed words), for tests and machines without MiniLM."""
    out = np.zeros((len(texts), TEXT_EMBEDDING_DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % TEXT_EMBEDDING_DIM
            out[row, index] += 1.0 if digest[4] & 1 else -1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def _embed(texts: list[str], device: str | None) -> np.ndarray:
    if settings.TASTEMAKER_TEXT_ENCODER == "hashing":
        return hashing_embed(texts)
    return embed_texts(texts, device=device)


def _cached(*, kind: str, encoder: str, keys: list[str], dim: int, compute, on_progress=None) -> tuple[np.ndarray, int]:
    """Rows for `keys`: read what the cache has, compute the rest once per distinct key, store them.

    Work goes in chunks, each stored as soon as it is done and followed by `on_progress`, so a
    long cold extraction keeps the run's heartbeat alive and a killed one loses only a chunk.
    """
    out = np.zeros((len(keys), dim), dtype=np.float32)
    found = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 5000):
        chunk = unique[start : start + 5000]
        rows = FeatureCache.objects.filter(kind=kind, encoder=encoder, content_hash__in=chunk)
        found.update({r.content_hash: np.frombuffer(bytes(r.vector), dtype="<f4") for r in rows})
    missing = [k for k in unique if k not in found or found[k].shape != (dim,)]
    first_row = {k: i for i, k in reversed(list(enumerate(keys)))}
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        vectors = np.asarray(compute([first_row[k] for k in chunk]), dtype=np.float32)
        new = dict(zip(chunk, vectors, strict=True))
        FeatureCache.objects.bulk_create(
            [FeatureCache(kind=kind, encoder=encoder, content_hash=k, vector=v.astype("<f4").tobytes())
             for k, v in new.items()],
            batch_size=1000, ignore_conflicts=True,
        )
        found.update(new)
        if on_progress is not None:
            on_progress(kind, start + len(chunk), len(missing))
    for row, key in enumerate(keys):
        out[row] = found[key]
    return out, len(missing)


def _image_vector(creative: Creative) -> np.ndarray:
    # A missing or unreadable file must not fail a run: the creative keeps its copy and metadata
    # features, and has_image in the metadata tells the model the image block is empty.
    if not creative.image:
        return np.zeros(IMAGE_FEATURE_DIM, dtype=np.float32)
    try:
        with creative.image.open("rb") as handle:
            return image_features(handle.read())
    except (OSError, ValueError):
        return np.zeros(IMAGE_FEATURE_DIM, dtype=np.float32)
