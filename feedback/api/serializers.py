"""Serializers: parse input into service arguments and shape output; no business rules here."""
import base64
import binascii

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from feedback.api.parsers import json_parse
from feedback.models import Client, Creative, Criterion, Rating


class ClientSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["slug", "name", "role", "overlap", "repeat_rate", "gold_rate", "lease_seconds", "retrain_threshold"]
        read_only_fields = ["slug", "name", "role"]

    def get_role(self, client: Client) -> str:
        return self.context["roles"][client.id]


def _setting_help(name: str) -> str:
    return str(Client._meta.get_field(name).help_text)


class ClientSettingsUpdateSerializer(serializers.Serializer):
    """What a manager may change: only the types are checked here; the allowed ranges are the model's.

    (`client_settings_update` validates with the model's `full_clean()`, so each range is declared
    once, in `feedback.models.CLIENT_SETTING_RANGES`, and a 400 names the field and its range.)
    """

    overlap = serializers.IntegerField(required=False, help_text=_setting_help("overlap"))
    repeat_rate = serializers.FloatField(required=False, help_text=_setting_help("repeat_rate"))
    gold_rate = serializers.FloatField(required=False, help_text=_setting_help("gold_rate"))
    lease_seconds = serializers.IntegerField(required=False, help_text=_setting_help("lease_seconds"))
    retrain_threshold = serializers.IntegerField(required=False, help_text=_setting_help("retrain_threshold"))


class CreativeSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Creative
        fields = [
            "id", "external_id", "image", "thumbnail", "width", "height", "content_hash",
            "headline", "body", "metadata", "archived", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_image(self, creative: Creative) -> str:
        return self._file_url(creative, "image")

    def get_thumbnail(self, creative: Creative) -> str:
        return self._file_url(creative, "thumbnail")

    def _file_url(self, creative: Creative, variant: str) -> str:
        """Files are served through a membership check, never from a public media folder."""
        client = self.context.get("client") or creative.client
        path = reverse("creative-file", args=[client.slug, creative.id, variant])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class JSONTextField(serializers.JSONField):
    """Accept metadata as a JSON object, or as JSON text in a multipart form."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json_parse(data) if data.strip() else {}
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from None
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return data


class UploadField(serializers.FileField):
    """An uploaded file read into bytes, refused before reading when it is over the size limit."""

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        limit = settings.TASTEMAKER_MAX_IMAGE_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
        return upload.read()


# A CSV of creatives' copy is text: 10,000 rows of generous copy stay well under this.
CSV_MAX_CHARS = 20_000_000


class CreativeWriteSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=200)
    image = UploadField(required=False)
    headline = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    metadata = JSONTextField(required=False, default=dict)


class CreativeUpdateSerializer(serializers.Serializer):
    image = UploadField(required=False)
    headline = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    metadata = JSONTextField(required=False)
    archived = serializers.BooleanField(required=False)


class CreativeCsvSerializer(serializers.Serializer):
    """A creatives CSV as text (the upload page reads the dropped file and sends it)."""

    csv = serializers.CharField(max_length=CSV_MAX_CHARS, trim_whitespace=False)


class CreativeCsvRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    external_id = serializers.CharField()
    image = serializers.CharField()
    image_name = serializers.CharField()
    headline = serializers.CharField()
    body = serializers.CharField()
    metadata = serializers.DictField()
    problem = serializers.CharField()


class Base64ImageField(serializers.CharField):
    """An image sent as base64 text inside JSON (bulk import)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if "," in text[:100] and text.startswith("data:"):
            text = text.split(",", 1)[1]
        limit = settings.TASTEMAKER_MAX_IMAGE_BYTES
        if len(text) * 3 // 4 > limit + 3:
            raise serializers.ValidationError(f"The image is over the limit of {limit:,} bytes.")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError("Not valid base64.") from exc


class BulkCreativeItemSerializer(CreativeWriteSerializer):
    image = None
    image_base64 = Base64ImageField(required=False)
    filename = serializers.CharField(required=False, default="upload", max_length=100)


class BulkCreativeSerializer(serializers.Serializer):
    creatives = BulkCreativeItemSerializer(many=True, allow_empty=False, max_length=settings.TASTEMAKER_BULK_MAX_ITEMS)


class CreativeUpsertResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    created = serializers.BooleanField()
    duplicates = serializers.ListField(child=serializers.IntegerField())


class CriterionSerializer(serializers.ModelSerializer):
    anchors = serializers.DictField(child=serializers.CharField(allow_blank=True))

    class Meta:
        model = Criterion
        fields = [
            "id", "name", "question", "scale_min", "scale_max", "anchors", "level", "order", "active", "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # Uniqueness per client is checked by the database constraint and reported by the service.
        validators = []


class RatingSerializer(serializers.ModelSerializer):
    """The kind is shown as the context's `membership` may see it (without one, as a rater would)."""

    rater = serializers.CharField(source="rater.username", read_only=True)
    scores = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField(
        help_text="Reviewers and managers see the true kind; raters see normal or calibration only."
    )

    class Meta:
        model = Rating
        fields = [
            "id", "creative", "rater", "scores", "client_uuid", "kind", "status",
            "duration_ms", "shown_at", "submitted_at",
        ]
        read_only_fields = fields

    def get_kind(self, rating: Rating) -> str:
        membership = self.context.get("membership")
        if membership is None:
            return rating.kind if rating.kind == Rating.Kind.CALIBRATION else Rating.Kind.NORMAL
        return membership.kind_shown(rating.kind)

    def get_scores(self, rating: Rating) -> dict[str, int]:
        return {str(score.criterion_id): score.value for score in rating.scores.all()}


class RatingCreateSerializer(serializers.Serializer):
    creative = serializers.IntegerField()
    scores = serializers.DictField(child=serializers.JSONField(), allow_empty=False)
    client_uuid = serializers.UUIDField()
    duration_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=86_400_000)
    shown_at = serializers.DateTimeField(required=False, allow_null=True)
