"""Creative features read each image through the storage API, from a folder or an S3 bucket alike."""
import numpy as np
import pytest
from django.core.files.storage import default_storage

from tests.factories import CreativeFactory
from training.ml.image_features import IMAGE_FEATURE_DIM, image_features
from training.services.features import creative_features

pytestmark = pytest.mark.django_db


def test_image_features_are_computed_from_the_stored_image(storage_backend, settings, png_bytes):
    settings.TASTEMAKER_TEXT_ENCODER = "hashing"
    creative = CreativeFactory()
    with default_storage.open(creative.image.name, "rb") as handle:
        expected = image_features(handle.read())
    features = creative_features(creatives=[creative])
    np.testing.assert_allclose(features.image[0], expected, rtol=1e-6)
    assert features.computed["image"] == 1


def test_an_image_gone_from_the_store_gives_empty_image_features(storage_backend, settings):
    settings.TASTEMAKER_TEXT_ENCODER = "hashing"
    creative = CreativeFactory()
    default_storage.delete(creative.image.name)
    features = creative_features(creatives=[creative])
    assert features.image.shape == (1, IMAGE_FEATURE_DIM) and not features.image.any()
