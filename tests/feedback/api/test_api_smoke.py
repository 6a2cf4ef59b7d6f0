"""End-to-end happy path through the API: token, clients, rubric, creative, rating."""
import uuid

import pytest

pytestmark = pytest.mark.django_db


def test_token_then_list_my_clients(tenant, client):
    user = tenant["rater"]
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pass-for-tests-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.json() == [
        {
            "slug": tenant["client"].slug, "name": tenant["client"].name, "role": "rater",
            "overlap": 3, "repeat_rate": 0.05, "gold_rate": 0.05, "lease_seconds": 120, "retrain_threshold": 50,
        }
    ]


def test_manager_uploads_creative_and_rater_rates_it(tenant, api_as, png_bytes):
    slug = tenant["client"].slug
    created = api_as(tenant["manager"]).post(
        f"/api/v1/clients/{slug}/creatives/",
        {"image": _upload(png_bytes()), "headline": "Hi", "body": "B", "external_id": "a1",
         "metadata": '{"channel": "instagram", "tags": ["summer"]}'},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    scores = {str(c.id): 3 for c in tenant["criteria"]}
    body = {"creative": created.json()["id"], "scores": scores, "client_uuid": str(uuid.uuid4()), "duration_ms": 5000}
    first = api_as(tenant["rater"]).post(f"/api/v1/clients/{slug}/ratings/", body, format="json")
    again = api_as(tenant["rater"]).post(f"/api/v1/clients/{slug}/ratings/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.png", data, content_type="image/png")
