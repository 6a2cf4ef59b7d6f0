"""Create, upsert, update and archive creatives; images are validated before anything is written."""
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from feedback.images import ValidatedImage, validate_image
from feedback.models import Client, Creative
from feedback.selectors import creative_duplicates
from feedback.services.audit import audit_changes, audit_record

METADATA_COLUMNS = ("channel", "format", "campaign")


@dataclass
class CreativeInput:
    """What an import or API call says about one creative."""

    external_id: str
    headline: str = ""
    body: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    image: bytes | None = None
    filename: str = "upload"


@dataclass
class CreativeResult:
    """The outcome of one upsert: the row, whether it is new, and its duplicates by content."""

    creative: Creative
    created: bool
    duplicates: list[int]


def creative_upsert(*, client: Client, data: CreativeInput) -> CreativeResult:
    """Create the creative, or update the one with the same external_id (upsert).

    Two uploads of one new external_id at once (a.png and a.jpg dropped together) both find no row;
    the second insert hits the unique constraint, and is then an update of the row the first made.
    """
    image = _validated_image(data.image)
    try:
        with transaction.atomic():
            return _upsert_validated(client=client, data=data, image=image)
    except IntegrityError:
        with transaction.atomic():
            return _upsert_validated(client=client, data=data, image=image)


def creative_bulk_upsert(*, client: Client, items: list[CreativeInput]) -> list[CreativeResult]:
    """Upsert many creatives all-or-nothing: every item is validated before any is written."""
    images, errors = [], {}
    for index, item in enumerate(items):
        try:
            images.append(validate_image(item.image) if item.image is not None else None)
            _check_external_id(item.external_id)
        except ValidationError as exc:
            errors[str(index)] = exc.messages
    seen = [item.external_id for item in items]
    for index, external_id in enumerate(seen):
        if seen.index(external_id) != index:
            errors.setdefault(str(index), []).append(f"external_id {external_id!r} appears twice.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return [
            _upsert_validated(client=client, data=item, image=image)
            for item, image in zip(items, images, strict=True)
        ]


def creative_update(*, creative: Creative, data: dict[str, Any], actor: AbstractBaseUser | None) -> Creative:
    """Change copy, metadata, archive flag or image of an existing creative; the change is audited."""
    image = _validated_image(data.pop("image", None))
    before = _audited_fields(creative)
    for name in ("headline", "body", "archived"):
        if name in data:
            setattr(creative, name, data[name])
    if "metadata" in data:
        _apply_metadata(creative, data["metadata"])
    if image is not None:
        _attach_image(creative, image, filename="upload")
    creative.full_clean(exclude=["image", "thumbnail"])
    with transaction.atomic():
        creative.save()
        _audit_change(creative, actor=actor, action="creative.updated", before=before)
    return creative


def creative_archive(*, creative: Creative, actor: AbstractBaseUser | None) -> Creative:
    """Take a creative out of rating queues; its ratings stay (nothing is lost)."""
    return _archived_set(creative, archived=True, actor=actor)


def creative_unarchive(*, creative: Creative, actor: AbstractBaseUser | None) -> Creative:
    """Put an archived creative back into the rating queues."""
    return _archived_set(creative, archived=False, actor=actor)


def _archived_set(creative: Creative, *, archived: bool, actor: AbstractBaseUser | None) -> Creative:
    before = _audited_fields(creative)
    creative.archived = archived
    with transaction.atomic():
        creative.save(update_fields=["archived", "updated_at"])
        action = "creative.archived" if archived else "creative.unarchived"
        _audit_change(creative, actor=actor, action=action, before=before)
    return creative


def _audited_fields(creative: Creative) -> dict[str, Any]:
    return {
        "headline": creative.headline, "body": creative.body, "channel": creative.channel,
        "format": creative.format, "campaign": creative.campaign, "tags": list(creative.tags),
        "metadata": dict(creative.metadata), "archived": creative.archived, "content_hash": creative.content_hash,
    }


def _audit_change(creative: Creative, *, actor: AbstractBaseUser | None, action: str, before: dict) -> None:
    """One audit row naming only what changed; nothing when the edit changed nothing."""
    changed_before, changed_after = audit_changes(before, _audited_fields(creative))
    if changed_after:
        audit_record(action=action, actor=actor, client=creative.client, target=f"creative:{creative.id}",
                     before=changed_before, after=changed_after)


def _upsert_validated(*, client: Client, data: CreativeInput, image: ValidatedImage | None) -> CreativeResult:
    _check_external_id(data.external_id)
    creative = _existing_for_update(client=client, external_id=data.external_id)
    created = creative is None
    if created:
        if image is None:
            raise ValidationError({"image": ["An image is required for a new creative."]})
        creative = Creative(client=client, external_id=data.external_id)
    creative.headline, creative.body = data.headline, data.body
    _apply_metadata(creative, data.metadata)
    if image is not None:
        _attach_image(creative, image, filename=data.filename)
    # The one constraint, external_id unique per client, is left to the database: a row a concurrent
    # upload inserted since our lookup raises IntegrityError, and creative_upsert retries as an update.
    creative.full_clean(exclude=["image", "thumbnail"], validate_unique=False, validate_constraints=False)
    creative.save()
    duplicates = creative_duplicates(
        client=client, content_hash=creative.content_hash, exclude_id=creative.id
    )
    return CreativeResult(creative=creative, created=created, duplicates=duplicates)


def _existing_for_update(*, client: Client, external_id: str) -> Creative | None:
    return Creative.objects.select_for_update().filter(client=client, external_id=external_id).first()


def _validated_image(data: bytes | None) -> ValidatedImage | None:
    """Validate an upload, reporting problems under the `image` field."""
    if data is None:
        return None
    try:
        return validate_image(data)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc


def _check_external_id(external_id: str) -> None:
    if not external_id or not external_id.strip():
        raise ValidationError({"external_id": ["external_id is required."]})
    if len(external_id) > 200:
        raise ValidationError({"external_id": ["external_id is at most 200 characters."]})


def _apply_metadata(creative: Creative, metadata: dict[str, Any]) -> None:
    if not isinstance(metadata, dict):
        raise ValidationError({"metadata": ["metadata must be a JSON object."]})
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationError({"metadata": ["metadata.tags must be a list of strings."]})
    for column in METADATA_COLUMNS:
        value = metadata.get(column, "")
        if not isinstance(value, str):
            raise ValidationError({"metadata": [f"metadata.{column} must be a string."]})
        setattr(creative, column, value)
    creative.tags = tags
    creative.metadata = metadata


def _attach_image(creative: Creative, image: ValidatedImage, *, filename: str) -> None:
    creative.content_hash = image.content_hash
    creative.width, creative.height = image.width, image.height
    creative.image.save(f"{filename}{image.suffix}", ContentFile(image.data), save=False)
    creative.thumbnail.save("thumb.webp", ContentFile(image.thumbnail), save=False)
