"""System checks tagged "tastemaker": what cannot work is a warning naming the setting to look at."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.checks import check_broker, check_database, check_heartbeat_settings, check_media_root

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_a_working_configuration_has_no_warnings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-not-created-yet"
    assert check_database() + check_broker() + check_media_root() + check_heartbeat_settings() == []


def test_an_unreachable_broker_is_a_warning(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    [warning] = check_broker()
    assert warning.id == "tastemaker.W002" and "CELERY_BROKER_URL" in warning.hint


def test_a_media_root_that_cannot_be_a_folder_is_a_warning(settings, tmp_path):
    (tmp_path / "a-file").write_text("x")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    [warning] = check_media_root()
    assert warning.id == "tastemaker.W003" and "is not a folder" in warning.msg


def test_a_heartbeat_interval_of_zero_is_a_warning(settings):
    settings.TASTEMAKER_WORKER_HEARTBEAT_S = 0
    assert [w.id for w in check_heartbeat_settings()] == ["tastemaker.W004"]


def test_manage_py_check_warns_about_an_unreachable_database_and_broker(tmp_path):
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "TASTEMAKER_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--tag", "tastemaker"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # warnings: a restarting dependency must not stop migrate
    assert "tastemaker.W001" in output and "tastemaker.W002" in output and "Traceback" not in output
