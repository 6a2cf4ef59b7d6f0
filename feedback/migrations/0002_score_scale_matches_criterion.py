"""Pin each score's copied scale to its criterion's with a composite foreign key (PostgreSQL).

With `score_within_scale`, this makes "a score lies within its criterion's scale" a database
invariant. SQLite (the newcomer default) cannot add a constraint to an existing table; there the
service's validation and the check constraint on the copied bounds hold it.
"""
from django.db import migrations

FK_NAME = "score_scale_matches_criterion"


def add_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE feedback_score ADD CONSTRAINT {FK_NAME} "
        "FOREIGN KEY (criterion_id, scale_min, scale_max) "
        "REFERENCES feedback_criterion (id, scale_min, scale_max) "
        "ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED"
    )


def drop_fk(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE feedback_score DROP CONSTRAINT IF EXISTS {FK_NAME}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(add_fk, drop_fk)]
