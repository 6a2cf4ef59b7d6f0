"""manage.py retrain: --wait trains in this process and promotes (names and routes: tests/jobs/test_contract.py)."""
from io import StringIO

from django.core.management import call_command

from training.models import ModelVersion


def test_retrain_wait_trains_and_promotes_in_process(labelled):
    out = StringIO()
    call_command("retrain", labelled["client"].slug, "--wait", stdout=out, stderr=StringIO())
    assert "succeeded promoted" in out.getvalue()
    assert ModelVersion.objects.get(client=labelled["client"]).is_active
