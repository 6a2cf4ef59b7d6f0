"""seed_demo: a demo client with real images, a rubric, simulated raters and a quality report."""
import pytest
from django.core.management import call_command
from PIL import Image

from feedback.models import Creative, Criterion, Membership, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", creatives=30)


def test_demo_has_a_three_criterion_rubric_with_every_anchor(demo):
    criteria = Criterion.objects.filter(client__slug="demo")
    assert criteria.count() == 3
    assert all(set(c.anchors) == {"1", "2", "3", "4", "5"} for c in criteria)


def test_demo_creatives_have_real_images_and_four_fifths_have_three_ratings(demo):
    counts = []
    for creative in Creative.objects.filter(client__slug="demo"):
        with creative.image.open("rb") as handle:
            assert Image.open(handle).size[0] >= 256
        assert creative.ratings.filter(kind="normal").values("rater").distinct().count() == creative.normal_rating_count
        counts.append(creative.normal_rating_count)
    assert counts.count(3) == 24 and counts.count(0) == 6


def test_demo_rater_has_creatives_waiting(demo):
    from django.contrib.auth import get_user_model

    from feedback.models import Client
    from feedback.selectors import rater_progress

    rater = get_user_model().objects.get(username="demo-rater")
    _, left = rater_progress(client=Client.objects.get(slug="demo"), rater=rater)
    unrated = Creative.objects.filter(client__slug="demo", normal_rating_count=0, is_gold=False).count()
    assert left == unrated > 0


def test_demo_ratings_are_checked_so_review_pages_have_data(demo):
    assert not Rating.objects.filter(client__slug="demo", status="pending").exists()
    assert Rating.objects.filter(client__slug="demo", status="clean").exists()
    assert Rating.objects.filter(client__slug="demo", status="flagged").exists()


def test_seed_demo_twice_adds_nothing(demo):
    before = (Creative.objects.count(), Rating.objects.count(), Membership.objects.count())
    call_command("seed_demo", creatives=30)
    assert (Creative.objects.count(), Rating.objects.count(), Membership.objects.count()) == before
