"""Schema-driven fuzzing: schemathesis sends generated requests to every operation of the live schema.

A live server holds two clients with two users each (a manager and a rater) and real data (rubric,
creatives, ratings, a quality report). As each user of client A, every operation gets up to
FUZZ_EXAMPLES generated cases, valid and invalid by the schema (ids drawn from both clients' real
objects part of the time). Every answer must not be a 5xx, must match the schema where the schema
documents its status, and must carry nothing of client B (its slug, usernames, copy, rubric, ids).
"""
import os
import time

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from feedback.models import Creative, Criterion, Rating
from feedback.services.tokens import api_token_issue
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory
from tests.training.services.labelled import label_creatives

pytestmark = pytest.mark.integration

FUZZ_EXAMPLES = int(os.environ.get("TASTEMAKER_FUZZ_EXAMPLES", "12"))
# Logging out revokes the fuzzer's own token (every later case would be a 401): tested elsewhere.
SKIPPED = {"POST /api/v1/auth/logout/"}
SECRET = "bravo-secret-7f3a"


def _client(prefix: str) -> dict:
    client = ClientFactory(slug=f"{prefix}-client", name=f"{prefix} client")
    criteria = [CriterionFactory(client=client, order=k, name=f"{prefix}-criterion-{k}") for k in range(2)]
    creatives = [CreativeFactory(client=client, headline=f"{prefix}-headline-{i} {'bold' if i % 2 else 'quiet'}",
                                 external_id=f"{prefix}-ext-{i}") for i in range(12)]
    manager = MembershipFactory(client=client, role="manager", user__username=f"{prefix}-manager").user
    rater = MembershipFactory(client=client, role="rater", user__username=f"{prefix}-rater").user
    extra = [MembershipFactory(client=client, role="rater", user__username=f"{prefix}-extra-{k}").user
             for k in range(2)]
    label_creatives(creatives=creatives, criteria=criteria, raters=[rater, *extra], status="pending")
    return {"client": client, "criteria": criteria, "creatives": creatives, "manager": manager, "rater": rater}


@pytest.fixture
def two_clients(transactional_db, broker, settings):
    settings.QUALITY_BOOTSTRAP_SAMPLES = 20
    settings.QUALITY_WEEKLY_BOOTSTRAP_SAMPLES = 10
    a, b = _client("alpha"), _client(SECRET)
    for side in (a, b):
        call_command("recompute_quality", side["client"].slug, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return a, b


def _secrets(b: dict) -> tuple[set[str], dict[str, set[int]]]:
    """What of client B must never reach A's users: its strings, and its ids by the key that names them."""
    client = b["client"]
    ids = {
        "creative": set(Creative.objects.filter(client=client).values_list("id", flat=True)),
        "criterion": set(Criterion.objects.filter(client=client).values_list("id", flat=True)),
        "rating": set(Rating.objects.filter(client=client).values_list("id", flat=True)),
    }
    return {SECRET}, ids


def _leaks(body, strings: set[str], ids: dict[str, set[int]], key: str = "") -> list[str]:
    found = []
    if isinstance(body, dict):
        for k, v in body.items():
            found += _leaks(v, strings, ids, k)
    elif isinstance(body, list):
        for v in body:
            found += _leaks(v, strings, ids, key)
    elif isinstance(body, str):
        found += [f"{key}={body[:80]!r}" for s in strings if s in body]
    elif isinstance(body, int) and not isinstance(body, bool):
        singular = key[:-1] if key.endswith("s") else key
        if body in ids.get(singular, ()):
            found.append(f"{key}={body} (an id of client B)")
    return found


@pytest.mark.parametrize("role", ["manager", "rater"])
def test_no_operation_answers_5xx_breaks_its_schema_or_shows_another_clients_data(two_clients, live_server, role):
    a, b = two_clients
    _, token = api_token_issue(user=a[role])
    headers = {"Authorization": f"Token {token}"}
    raw = yaml.safe_load(requests.get(f"{live_server.url}/api/schema/", headers=headers, timeout=30).text)
    schema = schemathesis.openapi.from_dict(raw)
    strings, ids = _secrets(b)
    known = {
        "id": sorted({c.id for c in a["creatives"] + b["creatives"]}
                     | set(Rating.objects.values_list("id", flat=True)[:20])),
        "creative_id": sorted(c.id for c in a["creatives"] + b["creatives"]),
        "rater_id": [a["rater"].id, b["rater"].id, a["manager"].id, b["manager"].id],
        "version": [1, 2],
    }
    session = requests.Session()
    operations, cases, failures, statuses = 0, 0, [], {}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue
        operations += 1
        names = {p.name for p in operation.path_parameters}
        fixed = {"client_slug": a["client"].slug} if "client_slug" in names else {}
        drawn = [name for name in names if name in known]
        if drawn:
            real = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in drawn}).flatmap(
                lambda values, operation=operation, fixed=fixed: operation.as_strategy(
                    path_parameters={**fixed, **values}))
            strategy = st.one_of(real, operation.as_strategy(path_parameters=fixed or None))
        else:
            strategy = operation.as_strategy(path_parameters=fixed or None)
        # And input that breaks the schema (wrong types, out-of-range values): a 4xx, never a 5xx.
        invalid = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=fixed or None)
        strategy = st.one_of(strategy, invalid)

        @hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
        @hypothesis.given(case=strategy)
        def run(case):
            nonlocal cases
            cases += 1
            response = case.call(base_url=live_server.url, session=session, headers=headers, timeout=30)
            where = f"{case.method} {case.formatted_path} -> {response.status_code}"
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                         content_type_conformance])
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
                for problem in getattr(exc, "exceptions", [exc]):
                    lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
                    failures.append(f"{where}: {' / '.join(lines[:3])[:400]}")
                return
            if "json" in response.headers.get("Content-Type", ""):
                leaked = _leaks(response.json(), strings, ids)
            else:
                leaked = [s for s in strings if s.encode() in response.content]
            if leaked:
                failures.append(f"{where}: client B's data: {leaked[:3]}")

        run()
    print(f"\nschemathesis as {role} of client A: {operations} operations, {cases} cases, "
          f"{len(failures)} failures, {time.monotonic() - started:.1f} s; "
          f"answers by status {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert cases >= operations
