"""Labels with a signal a model can learn: 'bold' headlines score high on the first criterion."""
from feedback.models import Rating, Score


def true_score(creative, k: int) -> int:
    """The score every rater gives: criterion 0 follows the headline, criterion 1 the channel."""
    if k == 0:
        return 5 if "bold" in creative.headline else 2
    return 4 if creative.channel == "ig" else 1


def label_creatives(*, creatives, criteria, raters, status: str) -> list[Rating]:
    """Rate every creative by every rater with the true score, stored with `status`."""
    ratings = []
    for creative in creatives:
        for rater in raters:
            rating = Rating.objects.create(client=creative.client, creative=creative, rater=rater, status=status,
                                           duration_ms=5000)
            Score.objects.bulk_create(
                Score(rating=rating, criterion=c, value=true_score(creative, k), scale_min=c.scale_min,
                      scale_max=c.scale_max)
                for k, c in enumerate(criteria)
            )
            ratings.append(rating)
    return ratings
