"""STORAGES from the environment: the folder by default, an S3-protocol bucket when asked, and a
clear configuration error naming what is missing or wrong."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.storage import storages_from_environ

S3 = {"TASTEMAKER_STORAGE": "s3", "TASTEMAKER_S3_BUCKET": "media", "TASTEMAKER_S3_ACCESS_KEY_ID": "key",
      "TASTEMAKER_S3_SECRET_ACCESS_KEY": "secret"}


def test_the_local_filesystem_is_the_default():
    assert storages_from_environ({})["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_is_django_storages_with_the_environments_bucket_and_endpoint():
    default = storages_from_environ({**S3, "TASTEMAKER_S3_ENDPOINT_URL": "http://minio:9000",
                                     "TASTEMAKER_S3_PREFIX": "/tenant-a/"})["default"]
    options = default["OPTIONS"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"], options["location"]) == ("media", "http://minio:9000",
                                                                                       "tenant-a")
    assert options["client_config"].s3 == {"addressing_style": "path"} and options["default_acl"] is None


def test_without_an_endpoint_aws_is_addressed_by_virtual_host():
    assert storages_from_environ(S3)["default"]["OPTIONS"]["client_config"].s3 == {"addressing_style": "virtual"}


def test_checksums_can_be_limited_for_stores_that_refuse_them():
    config = storages_from_environ({**S3, "TASTEMAKER_S3_CHECKSUMS": "when_required"})["default"]["OPTIONS"]
    assert config["client_config"].request_checksum_calculation == "when_required"


def test_missing_s3_variables_are_named():
    with pytest.raises(ImproperlyConfigured, match="TASTEMAKER_S3_BUCKET, TASTEMAKER_S3_SECRET_ACCESS_KEY"):
        storages_from_environ({"TASTEMAKER_STORAGE": "s3", "TASTEMAKER_S3_ACCESS_KEY_ID": "key"})


@pytest.mark.parametrize(("name", "value"), [("TASTEMAKER_STORAGE", "gcs"), ("TASTEMAKER_S3_ADDRESSING_STYLE", "x"),
                                             ("TASTEMAKER_S3_CHECKSUMS", "never")])
def test_an_unknown_value_is_refused_with_the_choices(name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        storages_from_environ({**S3, name: value})
