"""Numeric core of the consistency checker: agreement, consensus, rater stats, per-rating flags.

Pure numpy (no Django, no torch) so it can be tested and benchmarked alone; the Celery task and
the `check_labels` command feed it a long `RatingTable` and persist the `QualityReport`.
"""

from review.quality.agreement import (
    alpha_bootstrap_ci,
    krippendorff_alpha,
    krippendorff_alpha_long,
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
    "CONSENSUS_METHODS", "KINDS", "REASONS", "SEVERITIES", "Consensus", "CriterionQuality", "CriterionSpec",
    "ItemConsensus", "QualityReport", "QualityThresholds", "RaterStats", "RatingFlags",
    "RatingTable", "alpha_bootstrap_ci", "assess_quality", "consensus_estimate", "dawid_skene",
    "krippendorff_alpha", "krippendorff_alpha_long", "majority_vote", "mean_consensus",
    "graded_consensus", "plain_mean_consensus", "rating_table_from_columns", "report_to_dict",
]
