"""Creatives API: upload, upsert, bulk, filters, archive, and clear 400s that change nothing."""
import base64
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from feedback.models import Creative
from tests.corpus import png_claiming
from tests.factories import CreativeFactory

pytestmark = pytest.mark.django_db


def _upload(data: bytes, name: str = "x.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def manager_api(tenant, api_as):
    return api_as(tenant["manager"])


@pytest.fixture
def url(tenant):
    return f"/api/v1/clients/{tenant['client'].slug}/creatives/"


def _post(api, url, image: bytes, **fields):
    body = {"image": _upload(image), "external_id": "ext-1", "headline": "H", "body": "B", **fields}
    return api.post(url, body, format="multipart")


def test_upload_stores_image_thumbnail_and_metadata_columns(manager_api, url, png_bytes):
    response = _post(manager_api, url, png_bytes(), metadata=json.dumps({"channel": "tiktok", "tags": ["a"]}))
    assert response.status_code == 201
    creative = Creative.objects.get(id=response.json()["id"])
    assert (creative.width, creative.height, creative.channel, creative.tags) == (64, 48, "tiktok", ["a"])
    assert creative.thumbnail.name.endswith(".webp")


def test_same_external_id_updates_instead_of_duplicating(manager_api, url, png_bytes):
    _post(manager_api, url, png_bytes())
    response = _post(manager_api, url, png_bytes((1, 2, 3)), headline="Changed")
    assert response.status_code == 200 and response.json()["created"] is False
    assert Creative.objects.get().headline == "Changed"


def test_same_image_under_another_external_id_is_reported_as_duplicate(manager_api, url, png_bytes):
    first = _post(manager_api, url, png_bytes()).json()
    second = _post(manager_api, url, png_bytes(), external_id="ext-2").json()
    assert second["duplicates"] == [first["id"]]


def test_image_url_is_served_only_through_membership(manager_api, url, png_bytes):
    image_url = _post(manager_api, url, png_bytes()).json()["image"]
    assert "/c/" in image_url and "/media/" not in image_url
    assert manager_api.get(image_url).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"not an image at all", "image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image"),
    ],
)


def test_non_images_are_refused_with_a_field_error(manager_api, url, payload, field):
    response = _post(manager_api, url, payload)
    assert response.status_code == 400 and field in response.json()
    assert not Creative.objects.exists()


def test_truncated_image_is_refused(manager_api, url):
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, format="PNG")
    response = _post(manager_api, url, buffer.getvalue()[:-2000])
    assert response.status_code == 400
    assert "truncated" in json.dumps(response.json())


def test_decompression_bomb_is_refused_before_decoding(manager_api, url, settings):
    settings.TASTEMAKER_MAX_IMAGE_PIXELS = 10_000
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")  # tiny file, 25 Mpx
    response = _post(manager_api, url, buffer.getvalue())
    assert response.status_code == 400 and "pixels" in json.dumps(response.json())


def test_oversize_file_is_refused(manager_api, url, settings, png_bytes):
    settings.TASTEMAKER_MAX_IMAGE_BYTES = 100
    response = _post(manager_api, url, png_bytes())
    assert response.status_code == 400 and "limit" in json.dumps(response.json())


def test_malformed_metadata_json_is_a_field_error(manager_api, url, png_bytes):
    response = _post(manager_api, url, png_bytes(), metadata="{not json")
    assert response.status_code == 400 and "metadata" in response.json()


def test_malformed_json_body_is_a_400(manager_api, tenant):
    response = manager_api.generic(
        "POST", f"/api/v1/clients/{tenant['client'].slug}/creatives/bulk/", "{oops", content_type="application/json"
    )
    assert response.status_code == 400


def test_new_creative_without_image_is_refused(manager_api, url):
    response = manager_api.post(url, {"external_id": "x"}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()


def _bulk_url(tenant) -> str:
    return f"/api/v1/clients/{tenant['client'].slug}/creatives/bulk/"


def _bulk_item(png: bytes, external_id: str) -> dict:
    return {"external_id": external_id, "image_base64": base64.b64encode(png).decode(), "headline": external_id}


def test_bulk_creates_all_items(manager_api, tenant, png_bytes):
    items = [_bulk_item(png_bytes((i, 0, 0)), f"b{i}") for i in range(5)]
    response = manager_api.post(_bulk_url(tenant), {"creatives": items}, format="json")
    assert response.status_code == 201 and len(response.json()["results"]) == 5
    assert Creative.objects.count() == 5


def test_bulk_with_one_bad_item_writes_nothing_and_names_the_item(manager_api, tenant, png_bytes):
    items = [_bulk_item(png_bytes((i, 0, 0)), f"b{i}") for i in range(3)]
    items[1]["image_base64"] = base64.b64encode(b"garbage").decode()
    response = manager_api.post(_bulk_url(tenant), {"creatives": items}, format="json")
    assert response.status_code == 400 and "1" in response.json()
    assert not Creative.objects.exists()


def test_bulk_over_500_items_is_refused(manager_api, tenant):
    items = [{"external_id": f"b{i}"} for i in range(501)]
    response = manager_api.post(_bulk_url(tenant), {"creatives": items}, format="json")
    assert response.status_code == 400


def test_list_filters_by_campaign_channel_tag_and_archived(manager_api, tenant, url):
    CreativeFactory(client=tenant["client"], campaign="spring", channel="tiktok", tags=["x"])
    CreativeFactory(client=tenant["client"], campaign="fall", channel="display", tags=["y"], archived=True)
    def ids(query):
        return [row["external_id"] for row in manager_api.get(url + query).json()["results"]]
    assert len(ids("?campaign=spring")) == len(ids("?channel=tiktok")) == len(ids("?tag=x")) == 1
    assert len(ids("?archived=true")) == 1 and ids("?tag=x") != ids("?tag=y")


def test_list_uses_a_constant_number_of_queries(manager_api, tenant, url, django_assert_max_num_queries):
    for _ in range(30):
        CreativeFactory(client=tenant["client"])
    with django_assert_max_num_queries(6):
        assert manager_api.get(url).status_code == 200


def test_delete_archives_and_keeps_the_row(manager_api, tenant, url):
    creative = CreativeFactory(client=tenant["client"])
    assert manager_api.delete(f"{url}{creative.id}/").status_code == 204
    creative.refresh_from_db()
    assert creative.archived


def test_patch_changes_copy(manager_api, tenant, url):
    creative = CreativeFactory(client=tenant["client"])
    response = manager_api.patch(f"{url}{creative.id}/", {"headline": "<b>New</b>"}, format="json")
    assert response.status_code == 200 and response.json()["headline"] == "<b>New</b>"


BOMB = png_claiming(65536, 65536)  # 2^32 pixels claimed: past Pillow's own hard limit


def test_an_image_claiming_more_than_pillows_hard_limit_is_a_400_on_upload(manager_api, url):
    response = _post(manager_api, url, BOMB)
    assert response.status_code == 400 and "pixels" in response.json()["image"][0]


def test_an_image_claiming_more_than_pillows_hard_limit_is_a_400_in_bulk(manager_api, tenant):
    item = {"external_id": "bomb", "image_base64": base64.b64encode(BOMB).decode()}
    response = manager_api.post(_bulk_url(tenant), {"creatives": [item]}, format="json")
    assert response.status_code == 400 and not Creative.objects.exists()


def test_an_image_claiming_more_than_pillows_hard_limit_is_a_400_on_patch(manager_api, tenant, url):
    creative = CreativeFactory(client=tenant["client"])
    response = manager_api.patch(f"{url}{creative.id}/", {"image": _upload(BOMB)}, format="multipart")
    assert response.status_code == 400 and "pixels" in response.json()["image"][0]


def test_the_format_filter_is_the_creatives_format(manager_api, tenant, url):
    CreativeFactory(client=tenant["client"], format="square")
    CreativeFactory(client=tenant["client"], format="story")
    response = manager_api.get(f"{url}?format=square")
    assert response.status_code == 200 and [c["id"] for c in response.json()["results"]] == [
        Creative.objects.get(format="square").id
    ]


# --- Both storage backends: the local folder and the S3-protocol server (tests/storage.py) ---


def _stored_bytes(name: str) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_upload_writes_image_and_thumbnail_to_the_configured_store(manager_api, url, png_bytes, storage_backend):
    image = png_bytes((10, 200, 30))
    creative = Creative.objects.get(id=_post(manager_api, url, image).json()["id"])
    assert _stored_bytes(creative.image.name) == image
    assert Image.open(io.BytesIO(_stored_bytes(creative.thumbnail.name))).format == "WEBP"
    if storage_backend["name"] == "s3":
        keys = storage_backend["server"].keys(storage_backend["bucket"])
        assert {creative.image.name, creative.thumbnail.name} <= set(keys)


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_with_s3_an_upload_leaves_the_local_media_folder_empty(manager_api, url, png_bytes, storage_backend, settings):
    assert _post(manager_api, url, png_bytes()).status_code == 201
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(media.iterdir())


@pytest.mark.parametrize("variant", ["image", "thumbnail"])
def test_a_member_is_streamed_the_stored_file(manager_api, url, png_bytes, storage_backend, variant):
    created = _post(manager_api, url, png_bytes((90, 90, 200))).json()
    creative = Creative.objects.get(id=created["id"])
    response = manager_api.get(created[variant])
    assert response.status_code == 200
    assert response["Content-Type"] == ("image/png" if variant == "image" else "image/webp")
    assert response["Cache-Control"] == "private, max-age=86400"
    assert b"".join(response.streaming_content) == _stored_bytes(getattr(creative, variant).name)


def test_another_clients_member_gets_404_for_a_stored_file(manager_api, url, png_bytes, storage_backend, api_as):
    from tests.factories import ClientFactory, MembershipFactory

    image_url = _post(manager_api, url, png_bytes()).json()["image"]
    outsider = MembershipFactory(client=ClientFactory(), role="manager").user
    assert api_as(outsider).get(image_url).status_code == 404


def test_a_file_gone_from_the_store_is_404_not_500(manager_api, url, png_bytes, storage_backend):
    from django.core.files.storage import default_storage

    created = _post(manager_api, url, png_bytes()).json()
    default_storage.delete(Creative.objects.get(id=created["id"]).image.name)
    assert manager_api.get(created["image"]).status_code == 404


def test_csv_endpoint_parses_rows_like_import_creatives_and_writes_nothing(manager_api, url):
    text = "image,external_id,tags\nads/a.png,c1,x;y\nhttps://cdn.example/b.png,c2,\n"
    response = manager_api.post(url + "csv/", {"csv": text}, format="json")
    assert response.status_code == 200
    first, second = response.json()["rows"]
    assert (first["external_id"], first["image_name"], first["metadata"], first["problem"]) == (
        "c1", "a.png", {"tags": ["x", "y"]}, ""
    )
    assert "never fetches URLs" in second["problem"]
    assert Creative.objects.count() == 0


def test_csv_endpoint_refuses_a_file_without_the_columns_as_a_field_error(manager_api, url):
    response = manager_api.post(url + "csv/", {"csv": "headline\nx\n"}, format="json")
    assert response.status_code == 400
    assert "image" in response.json()["csv"][0]


def test_csv_endpoint_needs_the_csv_field(manager_api, url):
    response = manager_api.post(url + "csv/", {}, format="json")
    assert response.status_code == 400 and "csv" in response.json()


def test_patch_through_the_api_is_audited_as_the_caller(manager_api, tenant, url):
    from feedback.models import AuditEvent

    creative = CreativeFactory(client=tenant["client"], headline="Old")
    manager_api.patch(f"{url}{creative.id}/", {"headline": "New"}, format="json")
    event = AuditEvent.objects.get(target=f"creative:{creative.id}")
    assert (event.action, event.actor) == ("creative.updated", tenant["manager"])
