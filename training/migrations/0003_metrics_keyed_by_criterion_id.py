"""Stored metrics and dataset snapshots key criteria by id instead of by (editable) name.

Converts, on every ModelVersion and TrainingRun, the per-criterion dicts of `metrics` (`new`,
`baseline`, `active`) and, on ModelVersion, `dataset_snapshot["criteria"]` (a list) and
`dataset_snapshot["agreement"]` (a dict). Names are mapped through the row's client's Criterion
rows (names are unique per client). Forward, a name becomes its criterion's id: a string key in
dicts (JSON keys are strings), an integer in the criteria list. Backward, an id becomes the
criterion's current name.

A key that matches no criterion of the client (a name changed before this migration ran, or an id
of a criterion that is gone) is left as it is, in both directions; the model card shows such a key
as stored. Model checkpoints are not touched: a format-1 file names its criteria, so forward the
snapshot also keeps `criterion_ids_by_name`, the names it was trained on and their ids, which
`training.services.artifacts.artifact_load` uses to read it even after a criterion is renamed.
"""
from django.db import migrations

METRIC_DICTS = ("new", "baseline", "active")


TRAINED_NAMES = "criterion_ids_by_name"


def names_to_ids(apps, schema_editor):
    _convert(apps, lambda criteria: {c.name: c.id for c in criteria}, forward=True)


def ids_to_names(apps, schema_editor):
    _convert(apps, lambda criteria: {str(c.id): c.name for c in criteria}, forward=False)


def _convert(apps, mapping_for, *, forward: bool):
    criterion_model = apps.get_model("feedback", "Criterion")
    mappings: dict[int, dict] = {}

    def mapping(client_id: int) -> dict:
        if client_id not in mappings:
            mappings[client_id] = mapping_for(criterion_model.objects.filter(client_id=client_id))
        return mappings[client_id]

    for version in apps.get_model("training", "ModelVersion").objects.iterator():
        keys = mapping(version.client_id)
        version.metrics = _metrics(version.metrics, keys)
        version.dataset_snapshot = _snapshot(version.dataset_snapshot, keys, forward=forward)
        version.save(update_fields=["metrics", "dataset_snapshot"])
    for run in apps.get_model("training", "TrainingRun").objects.exclude(metrics={}).iterator():
        run.metrics = _metrics(run.metrics, mapping(run.client_id))
        run.save(update_fields=["metrics"])


def _metrics(metrics, keys: dict):
    if not isinstance(metrics, dict):
        return metrics
    converted = dict(metrics)
    for part in METRIC_DICTS:
        if isinstance(metrics.get(part), dict):
            converted[part] = _rekeyed(metrics[part], keys)
    return converted


def _snapshot(snapshot, keys: dict, *, forward: bool):
    if not isinstance(snapshot, dict):
        return snapshot
    converted = dict(snapshot)
    converted.pop(TRAINED_NAMES, None)
    if forward and isinstance(snapshot.get("criteria"), list):
        converted[TRAINED_NAMES] = {name: keys[name] for name in snapshot["criteria"] if name in keys}
    if isinstance(snapshot.get("criteria"), list):
        # Forward the list holds ids (int), backward names; the mapping's keys are names or str(id).
        converted["criteria"] = [keys.get(str(item), item) for item in snapshot["criteria"]]
    if isinstance(snapshot.get("agreement"), dict):
        converted["agreement"] = _rekeyed(snapshot["agreement"], keys)
    return converted


def _rekeyed(values: dict, keys: dict) -> dict:
    return {str(keys.get(key, key)): value for key, value in values.items()}


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0002_training_runs_share_the_run_lifecycle"),
        ("feedback", "0006_review_models_move_to_review_app"),
    ]

    operations = [
        migrations.RunPython(names_to_ids, ids_to_names, elidable=False),
    ]
