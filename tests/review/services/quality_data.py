"""Small rating sets with a known structure for the quality service tests."""
from feedback.models import Creative, Criterion, Rating
from tests.factories import CreativeFactory, RatingFactory, UserFactory


def rate(creative: Creative, rater, value: int | dict, *, kind: str = Rating.Kind.NORMAL, duration_ms: int = 4000):
    """One rating of `creative` by `rater`; an int gives every active criterion that value."""
    criteria = Criterion.objects.filter(client=creative.client, active=True)
    scores = value if isinstance(value, dict) else {c.id: value for c in criteria}
    return RatingFactory(creative=creative, rater=rater, kind=kind, duration_ms=duration_ms, scores=scores)


def agreeing_panel(client, *, n_creatives: int = 12, n_raters: int = 4, outlier: bool = True):
    """Raters who agree on every creative (values cycle 1..5); the last rater is far off on creative 0."""
    creatives = [CreativeFactory(client=client) for _ in range(n_creatives)]
    raters = [UserFactory() for _ in range(n_raters)]
    ratings = {}
    for i, creative in enumerate(creatives):
        base = 1 + i % 5
        for j, rater in enumerate(raters):
            value = base if j % 2 == 0 or base == 5 else base + 1
            if outlier and i == 0 and j == n_raters - 1:
                value = 5
            ratings[(i, j)] = rate(creative, rater, value)
    return creatives, raters, ratings
