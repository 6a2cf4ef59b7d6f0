"""Tests for image, metadata and combined features."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from training.ml import (
    IMAGE_FEATURE_DIM,
    CreativeMetadata,
    CriterionScale,
    FeatureSpec,
    build_feature_matrix,
    image_features,
    metadata_features,
)


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (512, 512), text: bool = False) -> bytes:
    img = Image.new("RGB", size, colour)
    if text:
        draw = ImageDraw.Draw(img)
        for row in range(0, size[1], 12):
            draw.text((4, row), "SALE 50% OFF TODAY ONLY " * 4, fill=(255, 255, 255))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_features_have_fixed_width_and_are_finite() -> None:
    for data in (_png((200, 30, 30)), _png((0, 0, 0), (300, 900)), _png((10, 10, 10), text=True)):
        vector = image_features(data)
        assert vector.shape == (IMAGE_FEATURE_DIM,)
        assert vector.dtype == np.float32
        assert np.isfinite(vector).all()


def test_image_features_accept_pil_images_and_bytes_alike() -> None:
    data = _png((20, 120, 220))
    np.testing.assert_allclose(image_features(data), image_features(Image.open(io.BytesIO(data))))


def test_image_features_tell_flat_colour_from_text_heavy_images() -> None:
    flat, texty = image_features(_png((10, 10, 10))), image_features(_png((10, 10, 10), text=True))
    assert not np.allclose(flat, texty)


def test_metadata_uses_stable_vocabulary_and_unknown_slot() -> None:
    seen = [CreativeMetadata("social", "square", 20, 80), CreativeMetadata("display", "banner")]
    spec = FeatureSpec.fit(criteria=[CriterionScale(1, 1, 5)], metadata=seen)
    encoded = metadata_features([*seen, CreativeMetadata("tv", "video", has_image=False)], spec)
    assert encoded.shape == (3, spec.metadata_dim)
    assert spec.channels == ("display", "social")
    assert encoded[2, len(spec.channels)] == 1.0  # unseen channel -> unknown slot
    assert encoded[2, -1] == 0.0  # has_image flag


def test_spec_round_trips_through_a_plain_dict_and_maps_scales() -> None:
    spec = FeatureSpec(
        criteria=(CriterionScale(4, 1, 5), CriterionScale(9, 0, 10)),
        channels=("a",),
        formats=("b",),
    )
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    normalised = spec.normalise_targets(np.array([[3.0, np.nan]]))
    np.testing.assert_allclose(normalised, [[0.5, np.nan]])
    np.testing.assert_allclose(spec.denormalise(np.array([[0.5, 0.5]])), [[3.0, 5.0]])


def test_spec_keys_criteria_by_integer_id_and_refuses_names() -> None:
    spec = FeatureSpec(criteria=(CriterionScale(4, 1, 5), CriterionScale(9, 0, 10)), channels=(), formats=())
    assert spec.criterion_ids == [4, 9]
    assert spec.to_dict()["criteria"] == [[4, 1.0, 5.0], [9, 0.0, 10.0]]
    with pytest.raises(ValueError, match="criterion id must be an integer"):
        FeatureSpec.from_dict({**spec.to_dict(), "criteria": [["appeal", 1.0, 5.0]]})


def test_build_feature_matrix_concatenates_and_checks_rows() -> None:
    matrix = build_feature_matrix(np.ones((2, 384)), np.zeros((2, IMAGE_FEATURE_DIM)), np.ones((2, 5)))
    assert matrix.shape == (2, 384 + IMAGE_FEATURE_DIM + 5)
    with pytest.raises(ValueError, match="row count"):
        build_feature_matrix(np.ones((2, 384)), np.zeros((3, IMAGE_FEATURE_DIM)), np.ones((2, 5)))
