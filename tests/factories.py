"""factory_boy factories; related objects always stay inside the same client."""
import io
import uuid

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image

from feedback.models import Client, Creative, Criterion, Membership, Rating, Role, Score

PASSWORD = "pass-for-tests-1"


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)).save(buffer, "PNG")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    slug = factory.Sequence(lambda n: f"client-{n}")
    name = factory.Sequence(lambda n: f"Client {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    role = Role.RATER


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"criterion_{n}")
    question = "How well does it fit?"
    scale_min = 1
    scale_max = 5
    anchors = factory.LazyAttribute(
        lambda o: {str(p): f"anchor {p}" for p in range(o.scale_min, o.scale_max + 1)}
    )


class CreativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creative

    client = factory.SubFactory(ClientFactory)
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    headline = factory.Sequence(lambda n: f"Headline {n}")
    body = "Body copy."
    image = factory.LazyAttributeSequence(lambda o, n: ContentFile(_png(n), name=f"{o.external_id}.png"))


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating with a score for every active criterion of its creative's client."""

    class Meta:
        model = Rating
        skip_postgeneration_save = True

    creative = factory.SubFactory(CreativeFactory)
    client = factory.SelfAttribute("creative.client")
    rater = factory.SubFactory(UserFactory)
    client_uuid = factory.LazyFunction(uuid.uuid4)
    duration_ms = 4000

    @factory.post_generation
    def scores(self, create, extracted, **kwargs):
        if not create:
            return
        values = extracted or {}
        for criterion in Criterion.objects.filter(client=self.client, active=True):
            Score.objects.create(
                rating=self, criterion=criterion, value=values.get(criterion.id, criterion.scale_min),
                scale_min=criterion.scale_min, scale_max=criterion.scale_max,
            )
