"""Migrations keep existing databases working: a database at the schema before the review app
existed, with data in every moved table and a run of each kind, migrates forward without losing a
row or a value (quality "done" becomes the shared "succeeded"), and back again."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The leaf migrations of the last release before review became its own app.
BEFORE_REVIEW_APP = [
    ("feedback", "0005_rating_queue_leases_skips_gold"),
    ("training", "0001_initial"),
    ("review", None),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _seed_old_schema(apps) -> dict:
    """One row in each label-quality table, written through the historical feedback models."""
    user = apps.get_model("auth", "User").objects.create(username="old-rater")
    client = apps.get_model("feedback", "Client").objects.create(slug="old", name="Old Co")
    creative = apps.get_model("feedback", "Creative").objects.create(
        client=client, external_id="c1", image="clients/1/creatives/x.png", content_hash="x" * 64
    )
    criterion = apps.get_model("feedback", "Criterion").objects.create(
        client=client, name="fit", question="Fits?", anchors={str(p): str(p) for p in range(1, 6)}
    )
    rating = apps.get_model("feedback", "Rating").objects.create(
        client=client, creative=creative, rater=user, status="flagged"
    )
    now = timezone.now()
    feedback = lambda name: apps.get_model("feedback", name).objects  # noqa: E731
    run = feedback("QualityRun").create(client=client, status="done", n_ratings=1, finished_at=now)
    feedback("CriterionAgreement").create(client=client, criterion=criterion, alpha=0.61, computed_at=now)
    feedback("RaterStats").create(client=client, rater=user, reliability=0.7, n_ratings=1, computed_at=now)
    feedback("ItemConsensus").create(
        client=client, creative=creative, criterion=criterion, consensus=3.5, clean_consensus=3.5,
        clean_weight=0.8, n_clean=1, computed_at=now,
    )
    flag = feedback("Flag").create(
        client=client, rating=rating, criterion=criterion, rater=user, creative=creative, reasons=["outlier"],
        computed_at=now,
    )
    feedback("ReviewDecision").create(client=client, actor=user, action="reject", rating=rating)
    feedback("RaterExclusion").create(client=client, rater=user, accepted_rating_ids=[rating.id], excluded_at=now)
    training_run = apps.get_model("training", "TrainingRun").objects.create(
        client=client, status="succeeded", celery_task_id="message-1"
    )
    return {"client": client.id, "rating": rating.id, "flag": flag.id, "run": run.id, "training_run": training_run.id}


@pytest.mark.django_db(transaction=True)
def test_label_quality_rows_survive_the_move_to_the_review_app_and_back():
    latest = _latest()
    try:
        ids = _seed_old_schema(_migrate(BEFORE_REVIEW_APP))
        apps = _migrate(latest)
        review = lambda name: apps.get_model("review", name).objects  # noqa: E731
        flag = review("Flag").get(id=ids["flag"])
        assert (flag.rating_id, flag.reasons) == (ids["rating"], ["outlier"])
        quality_run = review("QualityRun").get(id=ids["run"])
        assert (quality_run.client_id, quality_run.status) == (ids["client"], "succeeded")
        assert apps.get_model("training", "TrainingRun").objects.get(id=ids["training_run"]).message_id == "message-1"
        assert review("ItemConsensus").get().clean_consensus == 3.5
        assert review("CriterionAgreement").get().alpha == 0.61
        assert review("RaterStats").get().reliability == 0.7
        assert review("ReviewDecision").get().action == "reject"
        assert review("RaterExclusion").get().accepted_rating_ids == [ids["rating"]]
        assert apps.get_model("review", "Flag")._meta.db_table == "review_flag"

        back = _migrate(BEFORE_REVIEW_APP)
        assert back.get_model("feedback", "Flag").objects.get(id=ids["flag"]).reasons == ["outlier"]
        assert back.get_model("feedback", "QualityRun").objects.get(id=ids["run"]).status == "done"
        old_run = back.get_model("training", "TrainingRun").objects.get(id=ids["training_run"])
        assert old_run.celery_task_id == "message-1"
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_moved_models_keep_their_content_types_and_so_their_permissions():
    latest = _latest()
    try:
        old = _migrate(BEFORE_REVIEW_APP)
        content_type = old.get_model("contenttypes", "ContentType")
        flag_type = content_type.objects.get_or_create(app_label="feedback", model="flag")[0]
        permission = old.get_model("auth", "Permission").objects.create(
            content_type=flag_type, codename="audit_flag", name="Can audit flags"
        )
        new = _migrate(latest)
        moved = new.get_model("auth", "Permission").objects.select_related("content_type").get(id=permission.id)
        assert (moved.content_type.app_label, moved.content_type.model) == ("review", "flag")
    finally:
        _migrate(latest)
