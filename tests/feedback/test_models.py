"""Invariants the database itself enforces, whatever code writes the rows."""
import uuid

import pytest
from django.db import IntegrityError, transaction

from feedback.models import Membership, Rating, Score
from tests.factories import CreativeFactory, CriterionFactory, MembershipFactory, RatingFactory

pytestmark = pytest.mark.django_db


def test_one_membership_per_user_and_client():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=membership.user, client=membership.client, role="manager")


def test_external_id_unique_per_client():
    creative = CreativeFactory()
    with pytest.raises(IntegrityError):
        CreativeFactory(client=creative.client, external_id=creative.external_id)


def test_same_external_id_in_another_client_is_fine():
    creative = CreativeFactory()
    assert CreativeFactory(external_id=creative.external_id).client != creative.client


def test_one_rating_per_client_uuid():
    rating = RatingFactory()
    with pytest.raises(IntegrityError):
        RatingFactory(client_uuid=rating.client_uuid)


def test_score_outside_the_scale_is_refused_by_the_database():
    criterion = CriterionFactory()
    rating = Rating.objects.create(
        client=criterion.client, creative=CreativeFactory(client=criterion.client),
        rater=MembershipFactory(client=criterion.client).user, client_uuid=uuid.uuid4(),
    )
    with pytest.raises(IntegrityError):
        Score.objects.create(rating=rating, criterion=criterion, value=9, scale_min=1, scale_max=5)


def test_score_cannot_claim_a_wider_scale_than_its_criterion():
    criterion = CriterionFactory()
    rating = Rating.objects.create(
        client=criterion.client, creative=CreativeFactory(client=criterion.client),
        rater=MembershipFactory(client=criterion.client).user, client_uuid=uuid.uuid4(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(rating=rating, criterion=criterion, value=9, scale_min=1, scale_max=10)
        # The composite foreign key is deferred: it is checked at commit.
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
