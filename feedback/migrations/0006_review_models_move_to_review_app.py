"""Hand the label-quality models over to the review app: state only, the tables stay as they are.

review 0001 takes the models into its state first; review 0002 then renames their tables.
"""
from django.db import migrations

MOVED = ["qualityrun", "criterionagreement", "raterstats", "itemconsensus", "flag", "reviewdecision", "raterexclusion"]


class Migration(migrations.Migration):

    dependencies = [
        ("feedback", "0005_rating_queue_leases_skips_gold"),
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        ),
    ]
