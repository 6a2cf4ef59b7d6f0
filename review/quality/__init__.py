"""Numeric core of the consistency checker: agreement, consensus, rater stats, per-rating flags.

Pure numpy (no Django, no torch) so it can be tested and benchmarked alone; the Celery task and
the `check_labels` command feed it a long `RatingTable` and persist the `QualityReport`.
"""

from review.quality.agreement import (
    WeeklyAgreement,
    alpha_bootstrap_ci,
    krippendorff_alpha,
    krippendorff_alpha_long,
    weekly_agreement,
)
from review.quality.clean import (
    RATING_STATUSES,
    CleanConsensus,
    clean_consensus,
    rating_statuses,
    training_weights,
)
from review.quality.consensus import (
    CONSENSUS_METHODS,
    Consensus,
    consensus_estimate,
    dawid_skene,
    graded_consensus,
    majority_vote,
    mean_consensus,
    plain_mean_consensus,
)
from review.quality.flags import REASONS, SEVERITIES, QualityThresholds, RatingFlags
from review.quality.report import (
    CriterionQuality,
    CriterionSpec,
    ItemConsensus,
    QualityReport,
    RaterStats,
    assess_quality,
    report_to_dict,
)
from review.quality.table import KINDS, RatingTable, rating_table_from_columns

__all__ = [
    "CONSENSUS_METHODS", "KINDS", "RATING_STATUSES", "REASONS", "SEVERITIES", "CleanConsensus",
    "Consensus", "CriterionQuality", "CriterionSpec", "ItemConsensus", "QualityReport",
    "QualityThresholds", "RaterStats", "RatingFlags", "RatingTable", "WeeklyAgreement",
    "alpha_bootstrap_ci", "assess_quality", "clean_consensus", "consensus_estimate", "dawid_skene",
    "graded_consensus", "krippendorff_alpha", "krippendorff_alpha_long", "majority_vote",
    "mean_consensus", "plain_mean_consensus", "rating_statuses", "rating_table_from_columns",
    "report_to_dict", "training_weights", "weekly_agreement",
]
