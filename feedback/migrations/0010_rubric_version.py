"""Client.rubric_version, kept by a trigger on feedback_criterion: any write to a client's criteria,
by whatever path (services, admin, factories, raw SQL), bumps it in the same transaction.

The rating path caches a client's active criteria per process, keyed by this version
(`feedback.selectors.rubric_active`), so a rating reads no criteria from the database.
"""
from django.db import migrations, models

POSTGRESQL_FORWARD = """
CREATE FUNCTION feedback_rubric_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.client_id <> NEW.client_id) THEN
        UPDATE feedback_client SET rubric_version = rubric_version + 1 WHERE id = OLD.client_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE feedback_client SET rubric_version = rubric_version + 1 WHERE id = NEW.client_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER feedback_criterion_rubric_version
    AFTER INSERT OR UPDATE OR DELETE ON feedback_criterion
    FOR EACH ROW EXECUTE FUNCTION feedback_rubric_version_bump();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS feedback_criterion_rubric_version ON feedback_criterion;
DROP FUNCTION IF EXISTS feedback_rubric_version_bump();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER feedback_criterion_rubric_version_insert AFTER INSERT ON feedback_criterion
       BEGIN UPDATE feedback_client SET rubric_version = rubric_version + 1 WHERE id = NEW.client_id; END""",
    """CREATE TRIGGER feedback_criterion_rubric_version_update AFTER UPDATE ON feedback_criterion
       BEGIN UPDATE feedback_client SET rubric_version = rubric_version + 1 WHERE id IN (OLD.client_id, NEW.client_id);
       END""",
    """CREATE TRIGGER feedback_criterion_rubric_version_delete AFTER DELETE ON feedback_criterion
       BEGIN UPDATE feedback_client SET rubric_version = rubric_version + 1 WHERE id = OLD.client_id; END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS feedback_criterion_rubric_version_{op}" for op in ("insert", "update", "delete")
]


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_BACKWARD, SQLITE_BACKWARD)


def _run(schema_editor, postgresql: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No rubric version trigger for {vendor}.")


class Migration(migrations.Migration):

    dependencies = [("feedback", "0009_lease_token_and_api_tokens")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="rubric_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(forward, backward),
    ]
