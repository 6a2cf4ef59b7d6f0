"""Image validation with Pillow: real images only, bounded in bytes and pixels, thumbnailed once."""
import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
THUMBNAIL_SIZE = (320, 320)


@dataclass(frozen=True)
class ValidatedImage:
    """An upload that passed every check, with what the database needs to know about it."""

    data: bytes
    format: str
    width: int
    height: int
    content_hash: str
    thumbnail: bytes

    @property
    def suffix(self) -> str:
        return ALLOWED_FORMATS[self.format]


def validate_image(data: bytes) -> ValidatedImage:
    """Check size, format and pixel count before decoding, then decode fully to catch truncation."""
    max_bytes = settings.TASTEMAKER_MAX_IMAGE_BYTES
    if not data:
        raise ValidationError("The image file is empty.", code="empty")
    if len(data) > max_bytes:
        raise ValidationError(
            f"The image is {len(data):,} bytes; the limit is {max_bytes:,}.", code="too_large"
        )
    image = _open_header(data)
    _check_pixels(image.size)
    thumbnail = _decode_and_thumbnail(image)
    return ValidatedImage(
        data=data,
        format=image.format,
        width=image.size[0],
        height=image.size[1],
        content_hash=hashlib.sha256(data).hexdigest(),
        thumbnail=thumbnail,
    )


def _open_header(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except Image.DecompressionBombError as exc:
        # Pillow refuses, while reading the header, sizes past twice its own limit (178,956,970
        # pixels): far past ours, so the same answer as _check_pixels.
        raise ValidationError(
            f"The image claims more pixels than the limit of {settings.TASTEMAKER_MAX_IMAGE_PIXELS:,}.",
            code="too_many_pixels",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "Not a valid image: upload a PNG, JPEG or WebP file.", code="invalid_image"
        ) from exc
    return image


def _check_pixels(size: tuple[int, int]) -> None:
    max_pixels = settings.TASTEMAKER_MAX_IMAGE_PIXELS
    width, height = size
    if width * height > max_pixels:
        raise ValidationError(
            f"The image is {width}×{height} = {width * height:,} pixels; the limit is {max_pixels:,}.",
            code="too_many_pixels",
        )


def _decode_and_thumbnail(image: Image.Image) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            "The image could not be decoded (truncated or corrupt).", code="corrupt_image"
        ) from exc
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    thumb.save(buffer, format="WEBP", quality=80)
    return buffer.getvalue()
