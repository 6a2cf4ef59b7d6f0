"""Where files live: the local filesystem (the default) or an S3-protocol object store.

TASTEMAKER_STORAGE=filesystem (default) keeps creatives, thumbnails and model checkpoints under
MEDIA_ROOT. TASTEMAKER_STORAGE=s3 puts them in one bucket of an S3-protocol store (AWS S3, MinIO,
Google Cloud Storage through its S3-interoperable XML API), so web, quality and training hosts
share no disk. Every reader and writer goes through Django's storage API, never a path.
"""
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

BACKENDS = ("filesystem", "s3")
S3_REQUIRED = ("TASTEMAKER_S3_BUCKET", "TASTEMAKER_S3_ACCESS_KEY_ID", "TASTEMAKER_S3_SECRET_ACCESS_KEY")
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def storages_from_environ(environ: Mapping[str, str]) -> dict:
    """Django's STORAGES setting for the backend the environment names; ImproperlyConfigured when incomplete."""
    backend = environ.get("TASTEMAKER_STORAGE", "filesystem").strip().lower() or "filesystem"
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"TASTEMAKER_STORAGE={backend!r}: use one of {', '.join(BACKENDS)}.")
    if backend == "filesystem":
        # No location option: FileSystemStorage follows settings.MEDIA_ROOT, wherever a settings
        # module or a test sets it.
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": STATICFILES}
    return {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(environ)},
            "staticfiles": STATICFILES}


def s3_options(environ: Mapping[str, str]) -> dict:
    """django-storages' S3Storage options from TASTEMAKER_S3_* variables."""
    missing = [name for name in S3_REQUIRED if not environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(f"TASTEMAKER_STORAGE=s3 needs {', '.join(missing)} (see README, Storage).")
    endpoint = environ.get("TASTEMAKER_S3_ENDPOINT_URL", "").strip() or None
    # A self-hosted store (MinIO, a test server) is addressed by path; AWS by virtual host.
    addressing = environ.get("TASTEMAKER_S3_ADDRESSING_STYLE", "path" if endpoint else "virtual").strip()
    if addressing not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured(f"TASTEMAKER_S3_ADDRESSING_STYLE={addressing!r}: use path, virtual or auto.")
    # boto3 adds CRC checksums to every upload by default; stores that do not know them (GCS's XML
    # API, older MinIO) refuse such requests. "when_required" sends them only where S3 demands one.
    checksums = environ.get("TASTEMAKER_S3_CHECKSUMS", "when_supported").strip()
    if checksums not in ("when_supported", "when_required"):
        raise ImproperlyConfigured(f"TASTEMAKER_S3_CHECKSUMS={checksums!r}: use when_supported or when_required.")
    from botocore.config import Config

    return {
        "bucket_name": environ["TASTEMAKER_S3_BUCKET"].strip(),
        "access_key": environ["TASTEMAKER_S3_ACCESS_KEY_ID"].strip(),
        "secret_key": environ["TASTEMAKER_S3_SECRET_ACCESS_KEY"].strip(),
        "endpoint_url": endpoint,
        "region_name": environ.get("TASTEMAKER_S3_REGION", "").strip() or "us-east-1",
        "location": environ.get("TASTEMAKER_S3_PREFIX", "").strip().strip("/"),
        "addressing_style": addressing,
        "signature_version": "s3v4",
        # Objects are private: every download goes through the membership check (streamed by the web
        # host), so no public ACL and no URL handed to browsers.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # Creatives and thumbnails are named by content hash and checkpoints by a unique key, so an
        # existing key holds the same bytes: no existence check before each write.
        "file_overwrite": True,
        # A download larger than this spools to a local temporary file instead of memory.
        "max_memory_size": 16 * 1024 * 1024,
        # Given a client_config, django-storages takes addressing and signature from it alone.
        "client_config": Config(
            s3={"addressing_style": addressing}, signature_version="s3v4",
            request_checksum_calculation=checksums, response_checksum_validation=checksums,
            connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
        ),
    }
