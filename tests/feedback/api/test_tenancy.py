"""The API's one error boundary: every error body is short, keeps the first errors and counts the rest."""
import json

import pytest

from feedback.api.tenancy import MAX_ERROR_BODY, bounded_errors


def _size(data) -> int:
    return len(json.dumps(data))


def test_many_field_errors_are_cut_to_the_bound_and_counted():
    errors = {f"field{i}": ["This field is wrong."] for i in range(110_000)}
    bounded = bounded_errors(errors)
    assert _size(bounded) <= MAX_ERROR_BODY
    assert bounded["field0"] == ["This field is wrong."]
    assert bounded["more_errors"].endswith("more fields with errors are not shown.")


def test_an_echoed_huge_value_is_cut():
    bounded = bounded_errors({"action": [f'"{"x" * 1_000_000}" is not a valid choice.']})
    assert _size(bounded) <= MAX_ERROR_BODY and bounded["action"][0].endswith("…")


def test_per_item_errors_of_a_bulk_keep_the_index_of_each_bad_item():
    errors = {"creatives": [{}] * 300 + [{"image_base64": ["Not valid base64."] * 3}] + [{}] * 199 + ["x" * 5000]}
    bounded = bounded_errors(errors)
    assert bounded["creatives"]["300"] == {"image_base64": ["Not valid base64."] * 3}
    assert _size(bounded) <= MAX_ERROR_BODY


@pytest.mark.django_db
def test_an_api_answer_with_thousands_of_bad_items_is_short(tenant, api_as):
    ids = ["x"] * 4_999  # under the 5,000 ids allowed: each one is its own error
    response = api_as(tenant["reviewer"]).post(
        f"/api/v1/clients/{tenant['client'].slug}/flags/bulk/", {"action": "reject", "ids": ids}, format="json"
    )
    assert response.status_code == 400 and len(response.content) <= MAX_ERROR_BODY


@pytest.mark.django_db
def test_too_many_form_fields_is_a_json_400_naming_the_limit(tenant, api_as):
    response = api_as(tenant["manager"]).post(
        f"/api/v1/clients/{tenant['client'].slug}/creatives/", {f"f{i}": "v" for i in range(1500)}, format="multipart"
    )
    assert response.status_code == 400 and "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]


@pytest.mark.django_db
def test_a_body_over_the_size_limit_is_a_json_413(tenant, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(tenant["manager"]).post(
        f"/api/v1/clients/{tenant['client'].slug}/criteria/", {"name": "x" * 5000}, format="json"
    )
    assert response.status_code == 413 and "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]
