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
