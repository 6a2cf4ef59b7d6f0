"""Request ids: taken from X-Request-ID or made, echoed, and on every JSON log line of the request."""
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.logs import RequestIdMiddleware, logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The JSON log configuration, writing to a buffer; the settings' own configuration afterwards."""
    stream = io.StringIO()
    config = logging_config(log_format="json", level="INFO")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(settings.LOGGING)


def _logging_view(request):
    logging.getLogger("tastemaker.test").info("inside the view")
    return HttpResponse("ok")


def test_a_request_without_an_id_gets_one_echoed(client):
    first, second = client.get("/login/"), client.get("/login/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_the_callers_request_id_is_kept_and_echoed(client):
    assert client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a.42").headers["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("given", ["has space", "x" * 129, "new\nline", ""])
def test_a_malformed_request_id_is_replaced(client, given):
    echoed = client.get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert echoed != given and len(echoed) == 32


def test_json_log_lines_of_a_request_carry_its_id(json_lines):
    request = RequestFactory().get("/anything/", HTTP_X_REQUEST_ID="req-123")
    RequestIdMiddleware(_logging_view)(request)
    logging.getLogger("tastemaker.test").info("outside any request")
    inside, outside = json_lines()
    assert inside["message"] == "inside the view" and inside["request_id"] == "req-123"
    assert inside["level"] == "INFO" and inside["logger"] == "tastemaker.test" and inside["time"]
    assert outside["request_id"] is None and outside["task_id"] is None


def test_production_logs_json_by_default():
    import subprocess
    import sys

    env = {"DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "example.com", "DATABASE_URL": "sqlite:////tmp/x.db",
           "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    code = "from django.conf import settings; print(settings.LOGGING['formatters']['main']['()'])"
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env={**_base_env(), **env},
                         capture_output=True, text=True, timeout=60, cwd=settings.BASE_DIR)
    assert out.stdout.strip() == "pythonjsonlogger.json.JsonFormatter", out.stderr[-1000:]


def _base_env() -> dict:
    import os

    return {key: value for key, value in os.environ.items() if key != "TASTEMAKER_LOG_FORMAT"}
