"""/health/live and /health/ready: JSON, no credentials, 200/503, cheap, nothing about any client."""
import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext

from jobs.heartbeat import worker_heartbeat_beat


def test_live_answers_without_credentials_or_any_query(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0 and "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_answers_200_with_every_check_when_database_and_broker_answer(client, tenant):
    worker_heartbeat_beat(hostname="celery@w", pid=1, queues=["default"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "workers", "last_quality_run", "last_training_run"}
    assert body["checks"]["workers"]["newest_heartbeat_age_s"] < 5
    assert len(queries) <= 3
    assert tenant["client"].slug not in response.content.decode()


@pytest.mark.django_db
def test_ready_answers_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_ready_answers_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    def refused(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("jobs.health.workers_alive", refused)
    response = client.get("/health/ready")
    database = response.json()["checks"]["database"]
    assert response.status_code == 503 and database == {"ok": False, "ms": database["ms"],
                                                          "error": "OperationalError: connection refused"}


def test_ready_refuses_writes(client, db):
    assert client.post("/health/ready").status_code == 405
