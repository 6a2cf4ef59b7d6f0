"""rating_create's portable path (SQLite, the embedded default), and the rubric version trigger there."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = r"""
import json, uuid, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from feedback.models import Client, Creative, Criterion, Lease, Rating, Score
from feedback.services.ratings import RatingInput, rating_create
from jobs.contract import QUALITY_RUN
from jobs.lifecycle import run_model
from django.utils import timezone
client = Client.objects.create(slug="lite", name="Lite")
criteria = [Criterion.objects.create(client=client, name=f"c{i}", question="?", anchors={}) for i in range(2)]
Criterion.objects.filter(id=criteria[1].id).update(order=3)
version = Client.objects.get(id=client.id).rubric_version
rater = get_user_model().objects.create(username="r")
creative = Creative.objects.create(client=client, external_id="x", image="x.png", content_hash="0" * 64)
now = timezone.now()
Lease.objects.create(client=client, creative=creative, rater=rater, kind="gold", created_at=now,
                     expires_at=now + timezone.timedelta(seconds=60))
rating, created = rating_create(client=Client.objects.get(id=client.id), rater=rater, data=RatingInput(
    creative_id=creative.id, scores={str(c.id): 2 for c in criteria}, client_uuid=uuid.uuid4()))
print(json.dumps({
    "version": version, "created": created, "kind": rating.kind, "scores": Score.objects.filter(rating=rating).count(),
    "leases": Lease.objects.count(), "runs": run_model(QUALITY_RUN).objects.filter(client=client).count(),
    "vendor": __import__("django.db").db.connection.vendor,
}))
"""


def test_on_sqlite_a_rating_is_stored_by_the_portable_path_and_criteria_writes_bump_the_version(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_BROKER_URL": "memory://",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'lite.sqlite3'}", "DJANGO_MEDIA_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {"version": 3, "created": True, "kind": "gold", "scores": 2, "leases": 0, "runs": 1,
                     "vendor": "sqlite"}
