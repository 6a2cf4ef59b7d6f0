"""Shapes of the label-quality API: stored agreement, rater stats, flags, runs and decisions."""
from rest_framework import serializers

from review.models import Flag, QualityRun, RaterStats, ReviewDecision
from review.selectors import RATER_SORTS, QualitySummary


class QualityRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityRun
        fields = ["id", "status", "requested_at", "started_at", "finished_at", "duration_ms", "n_ratings", "error"]
        read_only_fields = fields


class QualityWeekSerializer(serializers.Serializer):
    """One week's alpha (documents `GET .../quality/`; the body is built by quality_summary_data)."""

    week = serializers.DateField()
    alpha = serializers.FloatField(allow_null=True)
    alpha_low = serializers.FloatField(allow_null=True)
    alpha_high = serializers.FloatField(allow_null=True)
    n_ratings = serializers.IntegerField()


class QualityCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    alpha = serializers.FloatField(allow_null=True)
    alpha_low = serializers.FloatField(allow_null=True)
    alpha_high = serializers.FloatField(allow_null=True)
    interval = serializers.ListField(child=serializers.FloatField(allow_null=True), min_length=2, max_length=2)
    n_items = serializers.IntegerField()
    n_ratings = serializers.IntegerField()
    consensus_method = serializers.CharField(allow_null=True)
    weeks = QualityWeekSerializer(many=True)


class QualitySummarySerializer(serializers.Serializer):
    """The body of `GET .../quality/`."""

    criteria = QualityCriterionSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Ratings per status.")
    open_flags = serializers.IntegerField()
    last_computed = serializers.DateTimeField(allow_null=True)
    last_run = QualityRunSerializer(allow_null=True)


class QualityRecomputeAnswerSerializer(serializers.Serializer):
    """The body of `POST .../quality/recompute/` (202)."""

    queued = serializers.BooleanField()
    run = QualityRunSerializer(allow_null=True)


class RaterDecisionAnswerSerializer(serializers.Serializer):
    """The body of `POST .../raters/<rater_id>/exclude|include`."""

    rater = serializers.CharField()
    rater_id = serializers.IntegerField()
    excluded = serializers.BooleanField()


class BulkDecisionAnswerSerializer(serializers.Serializer):
    """The body of `POST .../flags/bulk/`: the ratings whose flags were decided."""

    action = serializers.ChoiceField(choices=["accept", "reject"])
    ratings = serializers.ListField(child=serializers.IntegerField())


def quality_summary_data(summary: QualitySummary) -> dict:
    """The body of `GET .../quality/`."""
    criteria = []
    for row in summary.criteria:
        overall = row.overall
        low, high = (overall.alpha_low, overall.alpha_high) if overall else (None, None)
        criteria.append({
            "id": row.criterion.id, "name": row.criterion.name, "level": row.criterion.level,
            "alpha": overall.alpha if overall else None, "alpha_low": low, "alpha_high": high,
            "interval": [low, high], "n_items": overall.n_items if overall else 0,
            "n_ratings": overall.n_ratings if overall else 0,
            "consensus_method": overall.consensus_method if overall else None,
            "weeks": [
                {"week": w.week.isoformat(), "alpha": w.alpha, "alpha_low": w.alpha_low, "alpha_high": w.alpha_high,
                 "n_ratings": w.n_ratings}
                for w in row.weeks
            ],
        })
    last = summary.last_run
    return {
        "criteria": criteria,
        "counts": summary.status_counts,
        "open_flags": summary.open_flags,
        "last_computed": summary.last_computed.isoformat() if summary.last_computed else None,
        "last_run": QualityRunSerializer(last).data if last else None,
    }


class RaterStatsSerializer(serializers.ModelSerializer):
    rater = serializers.CharField(source="rater.username", read_only=True)
    rater_id = serializers.IntegerField(read_only=True)
    excluded = serializers.BooleanField(read_only=True)

    class Meta:
        model = RaterStats
        fields = [
            "rater", "rater_id", "reliability", "bias", "mae", "self_consistency", "gold_accuracy", "straight_lining",
            "entropy", "speed_ratio", "n_ratings", "n_repeats", "n_gold", "n_flagged", "excluded", "computed_at",
        ]
        read_only_fields = fields


class RaterSortSerializer(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[*RATER_SORTS, *(f"-{f}" for f in RATER_SORTS)], required=False, default="-reliability"
    )


class FlagSerializer(serializers.ModelSerializer):
    rater = serializers.CharField(source="rater.username", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True, default=None)

    class Meta:
        model = Flag
        fields = [
            "id", "rating", "rater", "creative", "criterion", "criterion_name", "reasons", "severity", "outlier_z",
            "status", "computed_at",
        ]
        read_only_fields = fields


class FlagFilterSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)
    rater = serializers.CharField(required=False, allow_blank=True)
    criterion = serializers.IntegerField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Flag.Status.choices, required=False, allow_blank=True)


class BulkDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[ReviewDecision.Action.ACCEPT, ReviewDecision.Action.REJECT])
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ExportFormatSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "jsonl"], required=False, default="csv")


class WorkersHealthSerializer(serializers.Serializer):
    alive = serializers.IntegerField(help_text="Workers whose heartbeat is fresh (three beats).")
    newest_heartbeat_age_s = serializers.FloatField(allow_null=True, help_text="Age of the freshest beat, any worker.")
    queues = serializers.ListField(child=serializers.CharField(), help_text="Queues the live workers consume.")


class RunHealthSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="quality check | training run")
    state = serializers.ChoiceField(choices=["none", "ok", "queued", "running", "retrying", "stuck", "failed"])
    problem = serializers.BooleanField(help_text="retrying, stuck or failed: the pages show it.")
    run_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True, help_text="When the state began (finished, last beat, queued).")
    error = serializers.CharField(allow_blank=True, help_text="The error's first line.")
    attempt = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    next_step = serializers.CharField(allow_blank=True, help_text="What the system will do next, or what to do.")


class ClientRunHealthSerializer(serializers.Serializer):
    workers = WorkersHealthSerializer()
    quality = RunHealthSerializer()
    training = RunHealthSerializer()


def client_health_data(health) -> dict:
    """The body of `GET .../run-health/`."""
    workers = health.workers
    age = workers.newest_beat_age_s
    body = {
        "workers": {
            "alive": workers.alive, "queues": sorted(workers.queues),
            "newest_heartbeat_age_s": None if age is None else round(age, 1),
        }
    }
    for run in health.runs:
        body[run.key] = RunHealthSerializer({
            "kind": run.kind, "state": run.state, "problem": run.problem, "run_id": run.run_id, "status": run.status,
            "at": run.at, "error": run.error, "attempt": run.attempt, "max_attempts": run.max_attempts,
            "next_step": run.next_step,
        }).data
    return body
