"""A second client for the transfer check: copies of a trained client's creatives, rated with the same taste."""
from django.core.files.base import ContentFile

from tests.factories import ClientFactory, CreativeFactory, CriterionFactory, UserFactory
from tests.training.services.labelled import label_creatives


def second_client(labelled: dict, *, name: str = "Globex", copies: int = 30) -> dict:
    """Client B: its first criterion is named like A's first (other case and spaces), its second is not."""
    other = ClientFactory(name=name)
    shared = CriterionFactory(client=other, name=f" {labelled['criteria'][0].name.upper()} ", order=0)
    CriterionFactory(client=other, name="Something else entirely", order=1)
    creatives = [CreativeFactory(client=other, headline=c.headline, channel=c.channel, content_hash=c.content_hash,
                                 image=ContentFile(c.image.read(), name=f"copy-{c.id}.png"))
                 for c in labelled["creatives"][:copies]]
    label_creatives(creatives=creatives, criteria=list(other.criteria.order_by("order")),
                    raters=[UserFactory() for _ in range(3)], status="clean")
    return {"other": other, "shared": shared, "other_creatives": creatives}
