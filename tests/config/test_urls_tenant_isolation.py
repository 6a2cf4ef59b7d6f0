"""Every client-scoped URL, API and page, answers 404 for another client's slug or objects.

The routes are discovered from the URLconf, so an endpoint added later is covered without
anyone remembering to list it here.
"""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory, RatingFactory

pytestmark = pytest.mark.django_db

SAFE_ARGS = {"client_slug": None, "variant": "image", "format": "json"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        pattern = prefix + _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, pattern)
        elif isinstance(entry, URLPattern) and "client_slug" in pattern:
            yield pattern, entry.callback


def _pattern_text(pattern) -> str:
    text = str(pattern)
    return text.lstrip("^").rstrip("$").replace("\\Z", "")


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(method.upper() for method in actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        handled = [m for m in view_class.http_method_names if hasattr(view_class, m)]
        return sorted(m.upper() for m in handled if m not in {"options", "head"})
    return ["GET", "POST"]  # a function view: try both


def _concrete(pattern: str, values: dict[str, str]) -> str:
    """Fill `<conv:name>` and `(?P<name>...)` parameters of a route with concrete values."""
    def value(name: str) -> str:
        return values.get(name, values["pk"])

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m.group(1)), pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), path)
    path = path.replace("\\.", ".").replace("\\", "")
    return "/" + path.lstrip("/")


def client_scoped_routes():
    return [
        pytest.param(pattern, method, _is_function_view(cb), id=f"{method} {pattern}")
        for pattern, cb in _walk(get_resolver().url_patterns)
        for method in _methods(cb)
    ]


def _is_function_view(callback) -> bool:
    return not (getattr(callback, "cls", None) or getattr(callback, "view_class", None))


@pytest.fixture
def two_clients():
    own, other = ClientFactory(), ClientFactory()
    manager = MembershipFactory(client=own, role="manager").user
    CriterionFactory(client=other)
    creative = CreativeFactory(client=other)
    rating = RatingFactory(creative=creative, rater=MembershipFactory(client=other).user)
    return {"own": own, "other": other, "manager": manager, "rating": rating, "creative": creative}


def test_routes_are_discovered():
    patterns = {param.values[0] for param in client_scoped_routes()}
    assert any("creatives" in p for p in patterns) and any("ratings" in p for p in patterns)


@pytest.mark.parametrize(("pattern", "method", "function_view"), client_scoped_routes())
def test_another_clients_slug_answers_404(two_clients, pattern, method, function_view):
    other = two_clients["other"]
    values = {
        "client_slug": other.slug, "pk": str(two_clients["creative"].id),
        "creative_id": str(two_clients["creative"].id), **{k: v for k, v in SAFE_ARGS.items() if v},
    }
    api = APIClient()
    api.force_login(two_clients["manager"])
    response = api.generic(method, _concrete(pattern, values), data="{}", content_type="application/json")
    # A function view tried with a method it does not accept may answer 405: that reveals nothing.
    allowed = {404, 405} if function_view else {404}
    assert response.status_code in allowed, (method, pattern, response.status_code)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("creatives/{creative}/", "GET"), ("creatives/{creative}/", "PATCH"), ("creatives/{creative}/", "DELETE"),
        ("ratings/{rating}/", "GET"), ("criteria/{criterion}/", "GET"), ("criteria/{criterion}/", "PATCH"),
    ],
)
def test_another_clients_object_under_my_slug_answers_404(two_clients, path, method):
    ids = {
        "creative": two_clients["creative"].id, "rating": two_clients["rating"].id,
        "criterion": two_clients["other"].criteria.first().id,
    }
    api = APIClient()
    api.force_login(two_clients["manager"])
    url = f"/api/v1/clients/{two_clients['own'].slug}/" + path.format(**ids)
    response = api.generic(method, url, data="{}", content_type="application/json")
    assert response.status_code == 404


def test_creative_file_of_another_client_answers_404(two_clients, client):
    client.force_login(two_clients["manager"])
    creative = two_clients["creative"]
    response = client.get(f"/c/{two_clients['own'].slug}/creatives/{creative.id}/image/")
    assert response.status_code == 404
