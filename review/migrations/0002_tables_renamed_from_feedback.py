"""Rename the moved tables from feedback_* to review_*, and move their content types (and so their
permissions and admin history) to the review app. Both steps reverse cleanly."""
from django.db import migrations

MOVED = ["qualityrun", "criterionagreement", "raterstats", "itemconsensus", "flag", "reviewdecision", "raterexclusion"]


def content_types_to(source: str, target: str):
    def move(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            old = content_type.objects.using(db).filter(app_label=source, model=model).first()
            if old is None:
                continue
            # A row the target app got from an earlier post_migrate holds no history: the old one wins.
            content_type.objects.using(db).filter(app_label=target, model=model).delete()
            old.app_label = target
            old.save(update_fields=["app_label"])

    return move


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0001_initial"),
        ("feedback", "0006_review_models_move_to_review_app"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        *[migrations.AlterModelTable(name=name, table=None) for name in MOVED],
        migrations.RunPython(content_types_to("feedback", "review"), content_types_to("review", "feedback")),
    ]
