"""Held-out split by hashing stable keys, so a creative stays on one side across versions."""

from __future__ import annotations

import hashlib

import numpy as np

# Share of creatives held out for evaluation, unless a run says otherwise; the one definition.
HELD_OUT_FRACTION = 0.2


def held_out_split(keys: list[str], fraction: float = HELD_OUT_FRACTION, *, salt: str) -> np.ndarray:
    """Boolean mask, True where a key is held out; depends only on (salt, key), not on order.

    Use the client's id as salt: every model version of a client is then scored on the same
    creatives, while different clients get independent splits.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    return np.array([_unit_interval(salt, key) < fraction for key in keys], dtype=bool)


def _unit_interval(salt: str, key: str) -> float:
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
