"""One error boundary: every malformed body of the corpus (tests/corpus.py), sent to every route and
method of the URLconf, is answered without a 500, and every 4xx is short and says what to fix.

Routes are discovered from the URLconf, so an endpoint added later is covered without anyone
listing it. The Django admin (Django's own forms) is left out.
"""
import json
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.models import Membership
from review.models import Flag
from tests.corpus import CORPUS, QUERY_CASES
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory, RatingFactory
from tests.routes import all_routes
from training.models import ModelVersion, TrainingRun

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

MAX_ERROR_BYTES = 2048
ROUTES = all_routes()
# Methods that end a session or archive objects go last, so every other request finds them in place.
LAST = ("DELETE",)
ANONYMOUS = ("api/v1/auth/token/", "login/")


@pytest.fixture
def world(settings):
    """A client with one object of every kind a route can name, and a manager to send everything as."""
    settings.TASTEMAKER_MAX_IMAGE_PIXELS = 40_000_000
    client = ClientFactory()
    manager = MembershipFactory(client=client, role="manager").user
    criterion = CriterionFactory(client=client)
    creative = CreativeFactory(client=client)
    rater = MembershipFactory(client=client, role="rater").user
    theirs = RatingFactory(creative=creative, rater=rater)
    mine = RatingFactory(creative=CreativeFactory(client=client), rater=manager)
    flag = Flag.objects.create(client=client, rating=theirs, criterion=criterion, rater=rater, creative=creative,
                               reasons=["outlier"], computed_at=timezone.now())
    run = TrainingRun.objects.create(client=client, trigger="manual")
    ModelVersion.objects.create(client=client, version=1, artifact="missing.pt", is_active=True, promoted=True)
    values = {
        "client_slug": client.slug, "creative_id": str(creative.id), "run_id": str(run.id), "version": "1",
        "variant": "image", "rater_id": str(rater.id), "criterion_id": str(criterion.id), "user_id": str(rater.id),
    }
    pk_by_collection = {"creatives": creative.id, "criteria": criterion.id, "ratings": mine.id, "flags": flag.id,
                        "training-runs": run.id}
    assert Membership.objects.filter(client=client).count() == 2
    return {"values": values, "pks": pk_by_collection, "manager": manager, "recent": timezone.now() - timedelta(1)}


def _path(route, world) -> str:
    values = dict(world["values"])
    for collection, pk in world["pks"].items():
        if f"{collection}/(?P<pk>" in route.pattern or f"{collection}/<int:pk>" in route.pattern:
            values["pk"] = str(pk)
    return route.path(values)


def _callers(world):
    api = APIClient()
    api.force_authenticate(world["manager"])
    browser = HttpClient()
    browser.force_login(world["manager"])
    return api, browser, HttpClient()


def _send(caller, method, path, case):
    try:
        return caller.generic(method, path, data=case.body, content_type=case.content_type)
    except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
        return exc


def _problem(route, method, path, case_name, response) -> str | None:
    """What is wrong with one answer, or None."""
    if isinstance(response, Exception):
        return f"{method} {path} [{case_name}]: 500 ({type(response).__name__}: {str(response)[:120]})"
    status = response.status_code
    if status >= 500:
        return f"{method} {path} [{case_name}]: {status}"
    if 400 <= status < 500:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if len(body) > MAX_ERROR_BYTES:
            return f"{method} {path} [{case_name}]: {status} with a {len(body):,}-byte body"
        if route.is_api and not _says_what_to_fix(body):
            return f"{method} {path} [{case_name}]: {status} without a message: {body[:100]!r}"
    return None


def _says_what_to_fix(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return bool(data) and isinstance(data, dict) and all(data.values())


def _requests(world):
    ordered = sorted(((r, m) for r in ROUTES for m in r.methods), key=lambda rm: (rm[1] in LAST, rm[0].pattern))
    api, browser, anonymous = _callers(world)
    for route, method in ordered:
        path = _path(route, world)
        caller = anonymous if route.pattern in ANONYMOUS else api if route.is_api else browser
        yield route, method, path, caller


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_no_malformed_body_answers_500_or_a_long_error(world, case, broker):
    problems = []
    for route, method, path, caller in _requests(world):
        if route.pattern == "logout/":
            continue  # ends the browser's session; it has no body to parse (tested by the query cases)
        problem = _problem(route, method, path, case.name, _send(caller, method, path, case))
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("query", list(QUERY_CASES.values()), ids=list(QUERY_CASES))
def test_no_malformed_query_string_answers_500(world, query, broker):
    problems = []
    for route, method, path, caller in _requests(world):
        if method != "GET":
            continue
        try:
            response = caller.get(path + query)
        except Exception as exc:  # noqa: BLE001
            response = exc
        problem = _problem(route, method, path + query, "query", response)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def test_the_corpus_reaches_every_api_route():
    api = [r for r in ROUTES if r.is_api]
    assert len(api) >= 30 and any("creatives/bulk" in r.pattern for r in api)
    assert len(CORPUS) >= 40
