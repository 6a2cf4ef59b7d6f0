"""GET /metrics: off without a token, 401 without the right bearer, and the figures a platform team reads."""
import os
import subprocess
import sys
import uuid

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from jobs.contract import QUALITY_RUN
from jobs.lifecycle import run_model
from tests.factories import ClientFactory, CreativeFactory

pytestmark = pytest.mark.django_db
TOKEN = "scrape-" + "x" * 40


@pytest.fixture
def metrics_on(settings):
    settings.TASTEMAKER_METRICS_TOKEN = TOKEN
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def _scrape(http) -> str:
    response = http.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _value(text: str, sample: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(sample + " ")]
    assert lines, f"{sample} not in the scrape"
    return float(lines[0].rsplit(" ", 1)[1])


def test_metrics_answer_404_while_no_token_is_set(settings):
    settings.TASTEMAKER_METRICS_TOKEN = ""
    assert HttpClient(HTTP_AUTHORIZATION="Bearer anything").get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}", "Bearer"])
def test_metrics_without_the_bearer_token_answer_401(settings, header):
    settings.TASTEMAKER_METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = HttpClient(**extra).get("/metrics")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_each_stored_rating_counts_once(metrics_on, tenant, api_as, django_capture_on_commit_callbacks):
    before = _scrape(metrics_on)
    base = _value(before, 'tastemaker_ratings_total{kind="normal"}') if 'ratings_total{kind="normal"}' in before else 0
    api = api_as(tenant["rater"])
    body = {"creative": CreativeFactory(client=tenant["client"]).id, "client_uuid": str(uuid.uuid4()),
            "scores": {str(c.id): 3 for c in tenant["criteria"]}}
    url = f"/api/v1/clients/{tenant['client'].slug}/ratings/"
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(url, body, format="json").status_code == 201
        assert api.post(url, body, format="json").status_code == 200  # the same uuid again: not a new rating
    assert _value(_scrape(metrics_on), 'tastemaker_ratings_total{kind="normal"}') == base + 1


def test_queue_depths_are_read_from_the_broker(metrics_on, broker):
    broker.rpush("quality", b"{}", b"{}")
    broker.rpush("training\x06\x163", b"{}")
    text = _scrape(metrics_on)
    assert _value(text, 'tastemaker_queue_depth{queue="quality"}') == 2
    assert _value(text, 'tastemaker_queue_depth{queue="training"}') == 1
    assert _value(text, 'tastemaker_queue_depth{queue="default"}') == 0


def test_the_age_of_each_clients_last_good_quality_run_is_a_gauge(metrics_on):
    fresh, never = ClientFactory(), ClientFactory()
    finished = timezone.now() - timezone.timedelta(minutes=10)
    model = run_model(QUALITY_RUN)
    model.objects.create(client=fresh, status="succeeded", finished_at=finished)
    model.objects.create(client=fresh, status="failed", finished_at=timezone.now())
    model.objects.create(client=never, status="failed", finished_at=timezone.now())
    text = _scrape(metrics_on)
    age = _value(text, f'tastemaker_quality_last_success_age_seconds{{client="{fresh.slug}"}}')
    assert 595 < age < 700
    assert f'client="{never.slug}"' not in text


def test_in_multiprocess_mode_the_scrape_sums_every_process(metrics_on, tmp_path, monkeypatch):
    """What gunicorn's workers and Celery's pool do: each process writes files, the scrape adds them up."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    script = "from jobs.metrics import rating_stored, run_finished\n" \
             "rating_stored(kind='gold'); rating_stored(kind='gold')\n" \
             "run_finished(model='training.TrainingRun', outcome='succeeded')\n"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    text = _scrape(metrics_on)
    assert _value(text, 'tastemaker_ratings_total{kind="gold"}') == 4
    assert _value(text, 'tastemaker_runs_finished_total{kind="training",outcome="succeeded"}') == 2
