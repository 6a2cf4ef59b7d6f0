"""The agency admins' list of clients: superusers only, one query per table, and creating a client."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import AuditEvent, Client
from review.models import CriterionAgreement
from tests.factories import (
    ClientFactory,
    CreativeFactory,
    CriterionFactory,
    MembershipFactory,
    RatingFactory,
    UserFactory,
)
from training.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

URL = "/agency/clients/"


@pytest.fixture
def admin(db):
    return UserFactory(is_superuser=True)


def _client_with_history(n_ratings: int = 2, alphas=(0.6, 0.8)):
    client = ClientFactory()
    criteria = [CriterionFactory(client=client) for _ in alphas]
    rater = MembershipFactory(client=client).user
    for _ in range(n_ratings):
        RatingFactory(creative=CreativeFactory(client=client), rater=rater)
    for criterion, alpha in zip(criteria, alphas, strict=True):
        CriterionAgreement.objects.create(client=client, criterion=criterion, alpha=alpha, computed_at=timezone.now())
    ModelVersion.objects.create(client=client, version=1, artifact="a.pt", is_active=False)
    ModelVersion.objects.create(client=client, version=2, artifact="b.pt", is_active=True, promoted=True)
    TrainingRun.objects.create(client=client, trigger="manual", status="succeeded")
    newest = TrainingRun.objects.create(client=client, trigger="auto", status="failed")
    return client, newest


@pytest.mark.parametrize("role", ["rater", "reviewer", "manager"])
def test_members_of_any_role_are_refused(client, tenant, role):
    client.force_login(tenant[role])
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get(URL).url.startswith("/login/")


def test_each_client_shows_its_labels_agreement_active_model_and_newest_run(client, admin):
    history, newest = _client_with_history(n_ratings=3)
    client.force_login(admin)
    rows = {row.client.slug: row for row in client.get(URL).context["rows"]}
    row = rows[history.slug]
    assert row.label_count == 3
    assert (round(row.agreement.mean_alpha, 3), row.agreement.lowest_alpha, row.agreement.criteria) == (0.7, 0.6, 2)
    assert row.active_model.version == 2 and row.last_run.id == newest.id


def test_a_client_without_history_shows_empty_cells(client, admin):
    bare = ClientFactory()
    client.force_login(admin)
    row = next(r for r in client.get(URL).context["rows"] if r.client == bare)
    assert (row.label_count, row.agreement, row.active_model, row.last_run) == (0, None, None, None)


def test_an_inactive_criterion_does_not_count_toward_agreement(client, admin):
    history, _ = _client_with_history(alphas=(0.2, 0.8))
    history.criteria.filter(agreements__alpha=0.2).update(active=False)
    client.force_login(admin)
    row = next(r for r in client.get(URL).context["rows"] if r.client == history)
    assert (row.agreement.mean_alpha, row.agreement.criteria) == (0.8, 1)


def test_the_list_reads_the_same_number_of_queries_for_one_client_or_many(client, admin):
    _client_with_history()
    client.force_login(admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(5):
        _client_with_history()
    with CaptureQueriesContext(connection) as six:
        client.get(URL)
    assert len(six) == len(one) <= 12


def test_an_admin_creates_a_client_and_it_is_audited(client, admin):
    client.force_login(admin)
    response = client.post(URL, {"slug": "acme-coffee", "name": "Acme Coffee"})
    assert response.status_code == 302
    created = Client.objects.get(slug="acme-coffee")
    assert created.name == "Acme Coffee"
    assert AuditEvent.objects.get(action="client.created").actor == admin


def test_a_taken_slug_is_named_next_to_the_field(client, admin):
    taken = ClientFactory(slug="taken", name="Taken")
    client.force_login(admin)
    response = client.post(URL, {"slug": "taken", "name": "Another"})
    assert response.context["form"].errors["slug"] == ["A client with the slug taken exists already (Taken)."]
    assert Client.objects.get(slug="taken").name == taken.name


def test_a_bad_slug_is_refused_with_what_to_fix(client, admin):
    client.force_login(admin)
    response = client.post(URL, {"slug": "Not a slug!", "name": "X"})
    assert "slug" in response.context["form"].errors
    assert not Client.objects.filter(name="X").exists()


def test_a_manager_cannot_create_a_client(client, tenant):
    client.force_login(tenant["manager"])
    assert client.post(URL, {"slug": "mine", "name": "Mine"}).status_code == 403
    assert not Client.objects.filter(slug="mine").exists()
