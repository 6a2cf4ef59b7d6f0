"""Tests for the hash-based held-out split."""

from __future__ import annotations

import numpy as np

from training.ml import held_out_split


def test_split_is_stable_across_calls_and_key_order() -> None:
    keys = [f"creative-{i}" for i in range(500)]
    first = held_out_split(keys, 0.2, salt="client-1")
    reversed_mask = held_out_split(keys[::-1], 0.2, salt="client-1")[::-1]
    np.testing.assert_array_equal(first, reversed_mask)


def test_split_holds_out_about_the_fraction() -> None:
    mask = held_out_split([f"k{i}" for i in range(5000)], 0.2, salt="s")
    assert abs(mask.mean() - 0.2) < 0.02


def test_adding_creatives_does_not_move_existing_ones() -> None:
    keys = [f"k{i}" for i in range(300)]
    before = held_out_split(keys, 0.3, salt="s")
    after = held_out_split([*keys, "new-1", "new-2"], 0.3, salt="s")
    np.testing.assert_array_equal(before, after[:300])


def test_different_salts_give_different_splits() -> None:
    keys = [f"k{i}" for i in range(300)]
    assert (held_out_split(keys, 0.5, salt="a") != held_out_split(keys, 0.5, salt="b")).any()
