"""A manager promotes a held-back model version, with a written reason that the audit log keeps."""
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from feedback.errors import Conflict
from feedback.models import Client
from feedback.services.audit import audit_record
from training.ml import MC_SAMPLES
from training.models import ModelVersion
from training.services.evaluation import store_active_predictions

logger = logging.getLogger(__name__)

# A reason is read later by someone who was not there: a few words at least, not "ok".
OVERRIDE_REASON_MIN_CHARS = 10
OVERRIDE_REASON_MAX_CHARS = 2000


def model_version_override(*, version: ModelVersion, actor: AbstractBaseUser, reason: str,
                           ip: str | None = None) -> ModelVersion:
    """Make a version that the rule held back the client's active model, recording who and why.

    Refused (Conflict) for a version that is already promoted or whose model file is missing; the
    reason is required. The queue's predictions are then refreshed from the new active model.
    """
    reason = (reason or "").strip()
    if len(reason) < OVERRIDE_REASON_MIN_CHARS:
        raise ValidationError({"reason": f"Say why this version should be promoted anyway "
                                         f"(at least {OVERRIDE_REASON_MIN_CHARS} characters)."})
    if len(reason) > OVERRIDE_REASON_MAX_CHARS:
        raise ValidationError({"reason": f"Keep the reason under {OVERRIDE_REASON_MAX_CHARS} characters."})
    with transaction.atomic():
        Client.objects.select_for_update(no_key=True).filter(id=version.client_id).first()
        version = ModelVersion.objects.select_for_update().get(id=version.id)
        if version.promoted or version.is_active:
            raise Conflict(f"v{version.version} is already promoted; there is nothing to override.")
        if not version.artifact or not default_storage.exists(version.artifact):
            raise Conflict(f"The model file of v{version.version} is missing from storage; it cannot be promoted.")
        previous = ModelVersion.objects.filter(client_id=version.client_id, is_active=True).first()
        ModelVersion.objects.filter(client_id=version.client_id, is_active=True).update(is_active=False)
        version.is_active, version.promoted = True, True
        version.override_reason, version.overridden_by, version.overridden_at = reason, actor, timezone.now()
        version.save(update_fields=["is_active", "promoted", "override_reason", "overridden_by", "overridden_at"])
        audit_record(
            action="model.override", actor=actor, client=version.client, target=f"model v{version.version}", ip=ip,
            before={"active_version": previous.version if previous else None, "promoted": False},
            after={"active_version": version.version, "promoted": True, "reason": reason,
                   "held_back_because": version.reason},
        )
    samples = int((version.hyperparameters or {}).get("mc_samples") or MC_SAMPLES)
    try:
        store_active_predictions(client=version.client, device="cpu", samples=samples)
    except Exception:  # the promotion stands; the next training run refreshes the queue's predictions
        logger.exception("Predictions of overridden v%s could not be stored", version.version)
    return version
