"""Load the demo client: generated creatives, a rubric with anchors, simulated raters' ratings."""
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo.simulator import CRITERIA, DEMO_RATERS, generate_creatives, simulate_ratings
from feedback.models import Client, Creative, Criterion, Rating, Role, Score
from feedback.services.creatives import CreativeInput, creative_upsert
from feedback.services.gold import gold_set
from feedback.services.ratings import normal_rating_counts_refresh
from feedback.services.tenancy import client_create, membership_set
from review.services.recompute import quality_recompute

DEMO_SLUG = "demo"
DEMO_PASSWORD = "tastemaker-demo"
DEMO_STAFF = {"demo-manager": Role.MANAGER, "demo-reviewer": Role.REVIEWER, "demo-rater": Role.RATER}
# Simulated ratings are spread over this many past days so weekly agreement has a trend.
HISTORY_DAYS = 42
DEMO_ADMIN = "demo-admin"
GOLD_EVERY = 25
# The newest fifth arrives unrated, so a newcomer logging in as demo-rater has a queue to work.
RATED_SHARE = 0.8


@dataclass(frozen=True)
class DemoSummary:
    """What the demo seeding created, and how to log in."""

    client: Client
    creatives: int
    ratings: int
    logins: dict[str, str]


def demo_seed(
    *, n_creatives: int = 300, seed: int = 0, progress: Callable[[int, int], None] | None = None
) -> DemoSummary:
    """Create the demo client from the simulator; safe to re-run (it upserts and skips rated items)."""
    client, _ = client_create(slug=DEMO_SLUG, name="Demo Brand Co.")
    criteria = _demo_rubric(client)
    creatives = generate_creatives(n_creatives, seed=seed)
    ids = {}
    for index, creative in enumerate(creatives):
        result = creative_upsert(client=client, data=CreativeInput(
            external_id=creative.external_id, headline=creative.headline, body=creative.body,
            metadata=creative.metadata, image=creative.render_image(), filename=creative.external_id,
        ))
        ids[creative.external_id] = result.creative.id
        if progress:
            progress(index + 1, len(creatives))
    logins = {name: DEMO_PASSWORD for name in [*DEMO_STAFF, *(r.username for r in DEMO_RATERS)]}
    _demo_admin()
    logins[DEMO_ADMIN] = DEMO_PASSWORD
    for username, role in DEMO_STAFF.items():
        membership_set(client=client, username=username, role=role, password=DEMO_PASSWORD)
    raters = {
        r.username: membership_set(client=client, username=r.username, role=Role.RATER, password=DEMO_PASSWORD)[0].user
        for r in DEMO_RATERS
    }
    n_ratings = _store_simulated_ratings(client, criteria, creatives, ids, raters, seed)
    normal_rating_counts_refresh(client=client)
    _demo_gold(client, criteria, creatives, ids)
    quality_recompute(client=client)  # so the review pages have a report to show right away
    return DemoSummary(client=client, creatives=len(creatives), ratings=n_ratings, logins=logins)


def _demo_admin() -> None:
    """An agency admin (superuser) who sees every client and the Django admin."""
    user_model = get_user_model()
    if not user_model.objects.filter(username=DEMO_ADMIN).exists():
        user_model.objects.create_superuser(DEMO_ADMIN, "", DEMO_PASSWORD)


def _demo_gold(client, criteria, creatives, ids) -> None:
    """Every 25th creative is gold, its reference scores the rounded hidden truth."""
    manager = get_user_model().objects.get(username="demo-manager")
    for creative in creatives[::GOLD_EVERY]:
        scores = {str(criteria[name].id): int(round(value)) for name, value in creative.true_scores.items()}
        gold_set(client=client, creative=Creative.objects.get(id=ids[creative.external_id]), scores=scores, by=manager)


def _demo_rubric(client: Client) -> dict[str, Criterion]:
    rubric = {}
    for order, spec in enumerate(CRITERIA):
        rubric[spec.name], _ = Criterion.objects.get_or_create(
            client=client, name=spec.name,
            defaults={
                "question": spec.question, "scale_min": spec.scale_min, "scale_max": spec.scale_max,
                "anchors": {str(k): v for k, v in spec.anchors.items()}, "order": order,
            },
        )
    return rubric


@transaction.atomic
def _store_simulated_ratings(client, criteria, creatives, ids, raters, seed) -> int:
    """Insert the simulator's ratings in bulk, back-dated over the last weeks, skipping existing ones."""
    if Rating.objects.filter(client=client, rater__in=raters.values()).exists():
        return Rating.objects.filter(client=client).count()
    rated = creatives[: int(len(creatives) * RATED_SHARE)]
    simulated = simulate_ratings(rated, DEMO_RATERS, overlap=client.overlap, seed=seed)
    rng = np.random.default_rng(seed)
    now = timezone.now()
    offsets = np.sort(rng.uniform(0, HISTORY_DAYS * 86400, len(simulated)))[::-1]
    ratings = [
        Rating(
            client=client, creative_id=ids[sim.item], rater=raters[sim.rater], client_uuid=uuid.uuid4(),
            kind=Rating.Kind.NORMAL, duration_ms=sim.duration_ms,
            shown_at=now - timedelta(seconds=float(offset) + sim.duration_ms / 1000),
        )
        for sim, offset in zip(simulated, offsets, strict=True)
    ]
    Rating.objects.bulk_create(ratings, batch_size=1000)
    for rating in ratings:  # submitted_at is auto_now_add; back-date it after the insert
        rating.submitted_at = rating.shown_at + timedelta(milliseconds=rating.duration_ms)
    Rating.objects.bulk_update(ratings, ["submitted_at"], batch_size=1000)
    Score.objects.bulk_create(
        [
            Score(rating=rating, criterion=criteria[name], value=value,
                  scale_min=criteria[name].scale_min, scale_max=criteria[name].scale_max)
            for rating, sim in zip(ratings, simulated, strict=True)
            for name, value in sim.scores.items()
        ],
        batch_size=2000,
    )
    return len(ratings)
