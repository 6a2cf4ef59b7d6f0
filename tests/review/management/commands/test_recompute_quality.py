"""manage.py recompute_quality runs the service synchronously and reports progress."""
import io

import pytest
from django.core.management import CommandError, call_command

from review.models import ItemConsensus, QualityRun
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.django_db


def test_command_recomputes_and_prints_progress(tenant):
    agreeing_panel(tenant["client"])
    out = io.StringIO()
    call_command("recompute_quality", tenant["client"].slug, stdout=out)
    assert "Loading ratings" in out.getvalue() and "48 ratings checked" in out.getvalue()
    assert QualityRun.objects.get().status == "succeeded" and ItemConsensus.objects.exists()


def test_unknown_client_is_an_error():
    with pytest.raises(CommandError):
        call_command("recompute_quality", "nobody")
