"""Production settings, in a subprocess with production's environment: `check --deploy` passes, HTTPS
is enforced behind the proxy header, and a missing required variable is one line naming it."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
REQUIRED = ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"]


def _production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "tastemaker.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "TASTEMAKER_VAR_DIR": str(tmp_path),
    }
    return {key: value for key, value in {**env, **overrides}.items() if value is not None}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_at_warning_level(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", [REQUIRED, ["DJANGO_SECRET_KEY"], ["DATABASE_URL", "DJANGO_ALLOWED_HOSTS"]])
def test_missing_required_variables_are_one_line_naming_each(tmp_path, missing):
    env = _production_env(tmp_path, **dict.fromkeys(missing))
    result = _run(["manage.py", "check"], env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr
    assert all(name in lines[0] for name in missing)
    assert not any(name in lines[0] for name in set(REQUIRED) - set(missing))


def test_a_broker_that_is_not_redis_needs_a_cache_url(tmp_path):
    result = _run(["manage.py", "check"], _production_env(tmp_path, CELERY_BROKER_URL="amqp://rabbit//"))
    assert result.returncode == 1 and "DJANGO_CACHE_URL" in result.stderr and "Traceback" not in result.stderr


PROBE = """
import django, json
django.setup()
from django.test import Client
http = Client(HTTP_HOST="tastemaker.example")
plain = http.get("/login/")
secure = http.get("/login/", HTTP_X_FORWARDED_PROTO="https")
health = http.get("/health/live")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security", ""),
               secure.get("Content-Security-Policy", ""), secure.get("X-Frame-Options", "")],
    "health_redirected": health.status_code == 301,
    "cache": __import__("django.conf").conf.settings.CACHES["default"]["BACKEND"],
}))
"""


def test_production_redirects_http_and_sends_hsts_and_csp_over_https(tmp_path):
    import json

    result = _run(["-c", PROBE], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["plain"] == [301, "https://tastemaker.example/login/"]
    status, hsts, csp, frames = answer["secure"]
    assert status == 200 and hsts == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and frames == "DENY"
    assert answer["health_redirected"] is False  # load balancers check /health/ over plain HTTP
    assert answer["cache"] == "django.core.cache.backends.redis.RedisCache"
