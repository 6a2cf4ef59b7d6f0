"""Strict, bounded JSON: what PostgreSQL could not store or Python could not parse is a ParseError."""
import pytest

from feedback.api.parsers import MAX_JSON_DEPTH, json_parse


def test_plain_json_parses():
    assert json_parse('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested deeper"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e999}', "too large"),
        ('{"a": "x\\u0000"}', "NUL"),
        ('{"\\u0000": 1}', "NUL"),
        ('{"a": "\\ud800"}', "lone surrogates"),
        ('{"a": 1', "Malformed JSON"),
        ("9" * 5000, "digits"),
    ],
)
def test_unstorable_or_unparsable_json_is_refused_with_its_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        json_parse(text)


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_JSON_DEPTH
    assert json_parse("[" * depth + "]" * depth) is not None


def test_a_deep_json_body_is_a_400_on_any_endpoint(tenant, api_as):
    response = api_as(tenant["rater"]).generic(
        "POST", f"/api/v1/clients/{tenant['client'].slug}/ratings/", "[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and response.json() == {
        "detail": f"JSON parse error: JSON nested deeper than {MAX_JSON_DEPTH} levels."
    }
