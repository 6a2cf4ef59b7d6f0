"""quality_table_load on PostgreSQL under DEBUG: the COPY read works through Django's debug cursor."""
import pytest
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper

from review.services.rating_table import quality_table_load
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.django_db


def test_ratings_load_by_copy_when_debug_wraps_every_cursor(tenant, settings):
    settings.DEBUG = True  # what the local settings do: every cursor is a CursorDebugWrapper
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        assert isinstance(cursor, CursorDebugWrapper)
    _, _, ratings = agreeing_panel(tenant["client"])
    loaded = quality_table_load(client=tenant["client"])
    assert loaded.n_ratings == len(ratings)
    assert sorted(loaded.ratings.id.tolist()) == sorted(r.id for r in ratings.values())


def test_a_whole_recompute_succeeds_under_debug_on_postgresql(tenant, settings):
    from review.models import QualityRun
    from review.services.recompute import quality_recompute

    settings.DEBUG = True
    agreeing_panel(tenant["client"])
    run = quality_recompute(client=tenant["client"])
    assert run.status == QualityRun.Status.SUCCEEDED, run.error
