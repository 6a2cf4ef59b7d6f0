"""Pure ML core of Tastemaker: features, the taste model, training, evaluation, checkpoints.

Imports neither Django nor `feedback`, so it can be tested and benchmarked on its own.
"""

from training.ml.checkpoint import (
    Checkpoint,
    CheckpointError,
    checkpoint_bytes,
    library_versions,
    load_checkpoint,
    save_checkpoint,
)
from training.ml.config import ModelConfig, TrainConfig
from training.ml.evaluate import CriterionMetrics, evaluate, is_better, mean_baseline, summarise
from training.ml.features import (
    CreativeMetadata,
    CriterionScale,
    FeatureSpec,
    TasteDataset,
    build_feature_matrix,
    metadata_features,
)
from training.ml.image_features import IMAGE_FEATURE_DIM, image_features, image_features_batch
from training.ml.learning_curve import (
    LabelsNeeded,
    LearningCurvePoint,
    explain_labels_needed,
    extrapolate_labels_needed,
    fit_learning_curve,
    learning_curve,
)
from training.ml.model import TasteModel, masked_loss
from training.ml.predict import MC_SAMPLES, Prediction, predict, predict_normalised, predict_with_uncertainty
from training.ml.promotion import (
    RELATIVE_MAE_MARGIN,
    compare_criteria,
    compare_errors,
    held_back_for,
    promotion_allowed,
)
from training.ml.split import HELD_OUT_FRACTION, held_out_split
from training.ml.text_features import TEXT_EMBEDDING_DIM, copy_text, embed_texts
from training.ml.train import EpochStats, TrainResult, resolve_device, set_seed, train

__all__ = [
    "HELD_OUT_FRACTION",
    "IMAGE_FEATURE_DIM",
    "MC_SAMPLES",
    "RELATIVE_MAE_MARGIN",
    "TEXT_EMBEDDING_DIM",
    "Checkpoint",
    "CheckpointError",
    "CreativeMetadata",
    "CriterionMetrics",
    "CriterionScale",
    "EpochStats",
    "FeatureSpec",
    "LabelsNeeded",
    "LearningCurvePoint",
    "ModelConfig",
    "Prediction",
    "TasteDataset",
    "TasteModel",
    "TrainConfig",
    "TrainResult",
    "build_feature_matrix",
    "checkpoint_bytes",
    "compare_criteria",
    "compare_errors",
    "copy_text",
    "embed_texts",
    "evaluate",
    "explain_labels_needed",
    "extrapolate_labels_needed",
    "fit_learning_curve",
    "held_back_for",
    "held_out_split",
    "library_versions",
    "image_features",
    "image_features_batch",
    "is_better",
    "learning_curve",
    "load_checkpoint",
    "masked_loss",
    "mean_baseline",
    "metadata_features",
    "predict",
    "predict_normalised",
    "predict_with_uncertainty",
    "promotion_allowed",
    "resolve_device",
    "save_checkpoint",
    "set_seed",
    "summarise",
    "train",
]
