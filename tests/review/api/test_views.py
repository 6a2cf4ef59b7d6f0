"""Quality API: contract shapes, filters, decisions, export, tenancy (404/403/401), query counts."""
import csv
import io
import json

import pytest

from feedback.models import Rating
from review.models import Flag, QualityRun, ReviewDecision
from review.services.recompute import quality_recompute
from tests.factories import ClientFactory, CriterionFactory, MembershipFactory
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.django_db

READ_ENDPOINTS = ["quality/", "raters/", "flags/", "labels/export?format=csv", "labels/export?format=jsonl"]


@pytest.fixture
def assessed(tenant):
    creatives, raters, ratings = agreeing_panel(tenant["client"])
    quality_recompute(client=tenant["client"])
    return {**tenant, "creatives": creatives, "raters": raters, "ratings": ratings}


def _url(tenant, path: str) -> str:
    return f"/api/v1/clients/{tenant['client'].slug}/{path}"


def test_quality_shape(assessed, api_as):
    body = api_as(assessed["reviewer"]).get(_url(assessed, "quality/")).json()
    assert {"criteria", "counts", "last_computed", "last_run", "open_flags"} <= body.keys()
    first = body["criteria"][0]
    expected = {"id", "name", "alpha", "alpha_low", "alpha_high", "interval", "n_items", "n_ratings", "weeks"}
    assert expected <= first.keys()
    assert first["alpha_low"] <= first["alpha"] <= first["alpha_high"]
    assert body["counts"] == {"pending": 0, "clean": 47, "flagged": 1, "accepted": 0, "rejected": 0}
    assert body["last_run"]["status"] == "succeeded" and body["last_computed"]


def test_raters_shape_and_sort(assessed, api_as):
    api = api_as(assessed["manager"])
    rows = api.get(_url(assessed, "raters/")).json()
    assert len(rows) == 4
    expected = {"rater", "reliability", "bias", "self_consistency", "speed_ratio", "n_ratings", "excluded"}
    assert expected <= rows[0].keys()
    assert rows[0]["rater"] in {r.username for r in assessed["raters"]}
    reliabilities = [r["reliability"] for r in rows]
    assert reliabilities == sorted(reliabilities, reverse=True)
    by_bias = [r["bias"] for r in api.get(_url(assessed, "raters/?sort=bias")).json()]
    assert by_bias == sorted(by_bias)
    assert api.get(_url(assessed, "raters/?sort=password")).status_code == 400


def test_flags_shape_and_filters(assessed, api_as):
    api = api_as(assessed["reviewer"])
    page = api.get(_url(assessed, "flags/")).json()
    assert {"count", "next", "previous", "results"} <= page.keys() and page["count"] == 2
    flag = page["results"][0]
    assert {"id", "rating", "rater", "creative", "criterion", "reasons", "status"} <= flag.keys()
    assert flag["rater"] == assessed["raters"][3].username and flag["reasons"] == ["outlier"]
    criterion = assessed["criteria"][0].id
    assert api.get(_url(assessed, f"flags/?criterion={criterion}")).json()["count"] == 1
    assert api.get(_url(assessed, "flags/?reason=outlier&status=open")).json()["count"] == 2
    assert api.get(_url(assessed, "flags/?reason=too_fast")).json()["count"] == 0
    assert api.get(_url(assessed, f"flags/?rater={assessed['raters'][0].username}")).json()["count"] == 0


def test_reject_a_flag_then_accept_it(assessed, api_as):
    api = api_as(assessed["reviewer"])
    flag = Flag.objects.first()
    rejected = api.post(_url(assessed, f"flags/{flag.id}/reject"), {"note": "typo"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert Rating.objects.get(id=flag.rating_id).status == "rejected"
    accepted = api.post(_url(assessed, f"flags/{flag.id}/accept/"))
    assert accepted.json()["status"] == "accepted"
    log = list(ReviewDecision.objects.order_by("id").values_list("action", "note"))
    assert log == [("reject", "typo"), ("accept", "")]


def test_bulk_decision(assessed, api_as):
    ids = list(Flag.objects.values_list("id", flat=True))
    response = api_as(assessed["reviewer"]).post(
        _url(assessed, "flags/bulk/"), {"action": "reject", "ids": ids}, format="json"
    )
    assert response.status_code == 200 and response.json()["ratings"] == [assessed["ratings"][(0, 3)].id]


def test_exclude_and_include_a_rater(assessed, api_as):
    api, rater = api_as(assessed["reviewer"]), assessed["raters"][3]
    answer = api.post(_url(assessed, f"raters/{rater.id}/exclude")).json()
    assert answer == {"rater": rater.username, "rater_id": rater.id, "excluded": True}
    assert Rating.objects.filter(rater=rater).exclude(status="rejected").count() == 0
    assert api.post(_url(assessed, f"raters/{rater.id}/include")).json()["excluded"] is False


def test_including_a_rater_of_another_client_answers_404(assessed, api_as):
    stranger = MembershipFactory(client=ClientFactory(), role="rater").user
    response = api_as(assessed["reviewer"]).post(_url(assessed, f"raters/{stranger.id}/include"))
    assert response.status_code == 404 and not ReviewDecision.objects.exists()


def test_another_clients_rater_and_an_unknown_id_answer_alike(assessed, api_as):
    stranger = MembershipFactory(client=ClientFactory(), role="rater").user
    api = api_as(assessed["reviewer"])
    theirs = api.post(_url(assessed, f"raters/{stranger.id}/exclude"))
    nobody = api.post(_url(assessed, f"raters/{stranger.id + 10_000}/exclude"))
    assert (theirs.status_code, theirs.json()) == (nobody.status_code, nobody.json()) == (
        404, {"detail": "No such rater in this client."}
    )


def test_rater_stats_carry_the_rater_id_the_decision_routes_take(assessed, api_as):
    rows = api_as(assessed["reviewer"]).get(_url(assessed, "raters/")).json()
    assert {row["rater"]: row["rater_id"] for row in rows} == {r.username: r.id for r in assessed["raters"]}


def test_recompute_is_debounced(assessed, api_as, broker):
    api = api_as(assessed["reviewer"])
    first, second = (api.post(_url(assessed, "quality/recompute/")) for _ in range(2))
    assert (first.status_code, second.status_code) == (202, 202)
    assert (first.json()["queued"], second.json()["queued"]) == (True, False)
    assert QualityRun.objects.filter(status="queued").count() == 1


def test_export_csv_and_jsonl_give_the_clean_consensus_labels(assessed, api_as):
    api = api_as(assessed["reviewer"])
    response = api.get(_url(assessed, "labels/export?format=csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 12 * 2
    first = rows[0]
    assert first["creative_id"] == str(assessed["creatives"][0].id) and first["n_clean"] == "3"
    assert float(first["label"]) == pytest.approx(1.0, abs=0.5)
    lines = b"".join(api.get(_url(assessed, "labels/export?format=jsonl")).streaming_content).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 24
    assert records[0]["external_id"] == assessed["creatives"][0].external_id
    assert {r["criterion"] for r in records} == {c.name for c in assessed["criteria"]}


@pytest.mark.parametrize("path", [*READ_ENDPOINTS, "quality/recompute/", "flags/1/accept", "flags/bulk/"])
def test_rater_gets_403(assessed, api_as, path):
    api = api_as(assessed["rater"])
    post = "recompute" in path or "accept" in path or "bulk" in path
    response = api.post(_url(assessed, path), {}) if post else api.get(_url(assessed, path))
    assert response.status_code == 403


@pytest.mark.parametrize("path", [*READ_ENDPOINTS, "quality/recompute/", "flags/1/accept", "flags/bulk/"])
def test_another_clients_url_is_404(assessed, api_as, path):
    outsider = MembershipFactory(client=ClientFactory(), role="manager").user
    api = api_as(outsider)
    post = "recompute" in path or "accept" in path or "bulk" in path
    response = api.post(_url(assessed, path), {}) if post else api.get(_url(assessed, path))
    assert response.status_code == 404


def test_another_clients_flag_id_is_404(assessed, api_as):
    other = ClientFactory()
    CriterionFactory(client=other)
    agreeing_panel(other)
    quality_recompute(client=other)
    foreign = Flag.objects.filter(client=other).first()
    response = api_as(assessed["reviewer"]).post(_url(assessed, f"flags/{foreign.id}/reject"))
    assert response.status_code == 404 and foreign.rating.status != "rejected"


@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_no_credentials_is_401(assessed, client, path):
    assert client.get(_url(assessed, path)).status_code == 401


@pytest.mark.parametrize("path", ["flags/", "raters/", "quality/"])
def test_list_endpoints_use_a_constant_number_of_queries(tenant, api_as, django_assert_max_num_queries, path):
    agreeing_panel(tenant["client"], n_creatives=30, n_raters=6)
    for rating in Rating.objects.filter(rater__username__in=Rating.objects.values("rater__username")[:1]):
        rating.duration_ms = 10
        rating.save()
    quality_recompute(client=tenant["client"])
    api = api_as(tenant["reviewer"])
    assert Flag.objects.count() > 10
    with django_assert_max_num_queries(7):
        assert api.get(_url(tenant, path)).status_code == 200


def test_csv_export_defuses_spreadsheet_formulas(assessed, api_as):
    creative = assessed["creatives"][0]
    creative.external_id = "=HYPERLINK(1)"
    creative.save()
    body = b"".join(api_as(assessed["reviewer"]).get(_url(assessed, "labels/export?format=csv")).streaming_content)
    assert b",'=HYPERLINK(1)," in body and b",=HYPERLINK" not in body


def test_an_unknown_export_format_is_a_400_naming_the_choices(assessed, api_as):
    response = api_as(assessed["reviewer"]).get(_url(assessed, "labels/export?format=xml"))
    assert response.status_code == 400 and "format" in response.json()


def test_run_health_shows_a_failed_run_and_no_worker(tenant, api_as):
    from django.utils import timezone

    QualityRun.objects.create(
        client=tenant["client"], status="failed", attempts=1, finished_at=timezone.now(),
        error="TypeError: CursorDebugWrapper.copy() takes 2 positional arguments but 3 were given\nTraceback",
    )
    body = api_as(tenant["reviewer"]).get(_url(tenant, "run-health/")).json()
    assert body["workers"] == {"alive": 0, "queues": [], "newest_heartbeat_age_s": None}
    quality = body["quality"]
    assert quality["state"] == "failed" and quality["problem"] is True and quality["at"]
    assert quality["error"] == "TypeError: CursorDebugWrapper.copy() takes 2 positional arguments but 3 were given"
    assert "will not retry by itself" in quality["next_step"]
    assert body["training"]["state"] == "none" and body["training"]["problem"] is False


def test_run_health_is_for_reviewers_and_members_only(tenant, api_as, other_user):
    assert api_as(tenant["rater"]).get(_url(tenant, "run-health/")).status_code == 403
    assert api_as(other_user).get(_url(tenant, "run-health/")).status_code == 404
