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


def test_every_demo_creative_has_a_real_image_and_exactly_three_ratings(demo):
    for creative in Creative.objects.filter(client__slug="demo"):
        with creative.image.open("rb") as handle:
            assert Image.open(handle).size[0] >= 256
        assert creative.ratings.filter(kind="normal").values("rater").distinct().count() == 3
        assert creative.normal_rating_count == 3


def test_demo_ratings_are_checked_so_review_pages_have_data(demo):
    assert not Rating.objects.filter(client__slug="demo", status="pending").exists()
    assert Rating.objects.filter(client__slug="demo", status="flagged").exists()


def test_seed_demo_twice_adds_nothing(demo):
    before = (Creative.objects.count(), Rating.objects.count(), Membership.objects.count())
    call_command("seed_demo", creatives=30)
    assert (Creative.objects.count(), Rating.objects.count(), Membership.objects.count()) == before
