"""Migrations keep existing databases working: a database at the schema before the review app
existed, with data in every moved table and a run of each kind, migrates forward without losing a
row or a value (quality "done" becomes the shared "succeeded"; model metrics keyed by criterion name
become keyed by criterion id), and back again."""
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


def _before_criterion_ids():
    """Every app at its latest migration except training, whose metrics were still keyed by name."""
    return [node for node in _latest() if node[0] != "training"] + [("training", "0001_initial")]


def _name_keyed_metrics() -> dict:
    # "renamed" matches no criterion: a name changed before the migration, left as it is.
    cell = {"mae": 0.4, "spearman": 0.5, "n": 12}
    return {
        "new": {"fit": cell, "tone": cell, "renamed": cell}, "baseline": {"fit": cell, "tone": cell},
        "active": None, "active_version": None, "summary": {"new": {"mae": 0.4, "spearman": 0.5}},
    }


def _seed_name_keyed_model(apps) -> dict:
    client = apps.get_model("feedback", "Client").objects.create(slug="named", name="Named Co")
    criteria = {
        name: apps.get_model("feedback", "Criterion").objects.create(
            client=client, name=name, question="?", anchors={str(p): str(p) for p in range(1, 6)}
        ).id
        for name in ("fit", "tone")
    }
    snapshot = {"label_count": 30, "criteria": ["fit", "tone"], "agreement": {"fit": 0.61, "tone": None}}
    apps.get_model("training", "ModelVersion").objects.create(
        client=client, version=1, artifact="models/x/v1.pt", metrics=_name_keyed_metrics(), dataset_snapshot=snapshot,
    )
    apps.get_model("training", "TrainingRun").objects.create(
        client=client, status="succeeded", metrics=_name_keyed_metrics()
    )
    return {"client": client.id, **criteria}


@pytest.mark.django_db(transaction=True)
def test_model_metrics_keyed_by_criterion_name_are_keyed_by_id_after_migrating_and_by_name_after_reversing():
    latest, before = _latest(), _before_criterion_ids()
    try:
        ids = _seed_name_keyed_model(_migrate(before))
        fit, tone = str(ids["fit"]), str(ids["tone"])
        apps = _migrate(latest)
        version = apps.get_model("training", "ModelVersion").objects.get(client_id=ids["client"])
        assert set(version.metrics["new"]) == {fit, tone, "renamed"}
        assert set(version.metrics["baseline"]) == {fit, tone}
        assert version.metrics["active"] is None and version.metrics["summary"]["new"]["mae"] == 0.4
        assert version.dataset_snapshot["criteria"] == [ids["fit"], ids["tone"]]
        assert version.dataset_snapshot["agreement"] == {fit: 0.61, tone: None}
        assert version.dataset_snapshot["label_count"] == 30
        assert version.dataset_snapshot["criterion_ids_by_name"] == {"fit": ids["fit"], "tone": ids["tone"]}
        run = apps.get_model("training", "TrainingRun").objects.get(client_id=ids["client"])
        assert set(run.metrics["new"]) == {fit, tone, "renamed"}

        back = _migrate(before)
        version = back.get_model("training", "ModelVersion").objects.get(client_id=ids["client"])
        assert version.metrics == _name_keyed_metrics()
        assert version.dataset_snapshot == {"label_count": 30, "criteria": ["fit", "tone"],
                                            "agreement": {"fit": 0.61, "tone": None}}
        assert back.get_model("training", "TrainingRun").objects.get().metrics == _name_keyed_metrics()
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_client_settings_outside_the_new_ranges_are_moved_into_them_and_the_migration_reverses():
    latest = _latest()
    before = [("feedback", "0007_audit_events")]
    try:
        old = _migrate(before)
        client = old.get_model("feedback", "Client").objects.create(
            slug="wide", name="Wide", overlap=50, repeat_rate=0.9, gold_rate=0.4, lease_seconds=5, retrain_threshold=0
        )
        new = _migrate(latest)
        moved = new.get_model("feedback", "Client").objects.get(id=client.id)
        settings = (moved.overlap, moved.repeat_rate, moved.gold_rate, moved.lease_seconds, moved.retrain_threshold)
        assert settings == (20, 0.5, 0.0, 10, 1)
        back = _migrate(before)
        assert back.get_model("feedback", "Client").objects.get(id=client.id).overlap == 20
    finally:
        _migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_existing_model_versions_get_the_checksum_and_size_of_their_stored_file():
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    latest = _latest()
    before = [node for node in latest if node[0] != "training"] + [("training", "0003_metrics_keyed_by_criterion_id")]
    try:
        apps = _migrate(before)
        client = apps.get_model("feedback", "Client").objects.create(slug="sums", name="Sums Co")
        stored = default_storage.save("models/client-old/v1.pt", ContentFile(b"an old checkpoint"))
        versions = apps.get_model("training", "ModelVersion").objects
        versions.create(client=client, version=1, artifact=stored)
        versions.create(client=client, version=2, artifact="models/client-old/gone.pt")
        apps = _migrate(latest)
        found = {v.version: v for v in apps.get_model("training", "ModelVersion").objects.filter(client_id=client.id)}
        assert (found[1].artifact_sha256, found[1].artifact_size) == (
            hashlib.sha256(b"an old checkpoint").hexdigest(), len(b"an old checkpoint"))
        assert (found[2].artifact_sha256, found[2].artifact_size) == ("", 0)
    finally:
        _migrate(latest)
