"""Orchestration: assess a long rating table per criterion into a QualityReport, and its JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from review.quality.agreement import (
    alpha_bootstrap_ci,
    krippendorff_alpha_long,
    weekly_agreement,
)
from review.quality.consensus import (
    Consensus,
    consensus_estimate,
    majority_vote,
    mean_consensus,
)
from review.quality.flags import (
    REASONS,
    SEVERITIES,
    FlagBuilder,
    QualityThresholds,
    RatingFlags,
    residual_scale,
)
from review.quality.rater_flags import EVIDENCE_FIELDS, flag_raters, rater_evidence, shrunk_bias
from review.quality.raters import (
    grouped_correlation,
    mean_by_rater,
    rater_agreement,
    repeat_differences,
    scale_use,
    speed_ratio,
)
from review.quality.table import KIND_REPEAT

RATER_FIELDS = ("n_ratings", "reliability", "bias", "mae", "modal_share", "entropy",
                "speed_ratio", "self_consistency", "n_repeats", "gold_accuracy", "n_gold",
                "n_compared")


@dataclass(frozen=True)
class CriterionSpec:
    """Level of measurement and scale of one criterion; scale None means observed min..max."""

    level: str = "ordinal"
    scale: tuple[float, float] | None = None
    # "auto": Dawid-Skene for nominal or binary labels, the graded model otherwise.
    consensus: str = "auto"


@dataclass(frozen=True)
class CriterionQuality:
    """Agreement summary of one criterion."""

    name: str
    level: str
    alpha: float
    alpha_ci: tuple[float, float]
    n_items: int
    n_ratings: int
    consensus_method: str
    alpha_by_week: dict[int, float] = field(default_factory=dict)
    # How the consensus iteration ended: a fit that stopped at its cap says so.
    converged: bool = True
    n_iter: int = 0
    last_change: float = 0.0
    strength: float = 1.0


@dataclass(frozen=True)
class ItemConsensus:
    """Per (item, criterion) consensus rows, as columns."""

    item: np.ndarray
    criterion: np.ndarray
    consensus: np.ndarray
    label: np.ndarray
    uncertainty: np.ndarray
    n_ratings: np.ndarray
    mean: np.ndarray
    majority: np.ndarray


@dataclass(frozen=True)
class RaterStats:
    """Per-rater statistics as columns (index = rater code); `criterion` is -1 for all criteria."""

    rater: np.ndarray
    criterion: np.ndarray
    columns: dict[str, np.ndarray]
    # Drift: (rater, week, reliability) rows.
    drift: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class QualityReport:
    """Everything the checker found about one rating table."""

    criteria: dict[str, CriterionQuality]
    items: ItemConsensus
    raters: RaterStats
    raters_by_criterion: list[RaterStats]
    ratings: RatingFlags
    thresholds: QualityThresholds
    item_labels: list[Any]
    rater_labels: list[Any]
    criterion_labels: list[Any]
    # The rated (item, rater, criterion) codes of every row, so flags can be named.
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]


def assess_quality(
    table: Any,
    *,
    criteria: Mapping[str, CriterionSpec] | None = None,
    default_level: str = "ordinal",
    thresholds: QualityThresholds | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> QualityReport:
    """Agreement, consensus, rater statistics and per-rating flags for a long rating table.

    `table` is a `review.quality.table.RatingTable` or anything with the same columns (the
    demo simulator's table works). Repeat ratings are kept out of agreement and consensus (they
    would count one rater twice) and are only compared with the rater's first rating.
    """
    thresholds = thresholds or QualityThresholds()
    ctx = _Context.from_table(table)
    flags = FlagBuilder(ctx.n_rows)
    names = _criterion_names(table, ctx.n_criteria)
    specs = {name: (criteria or {}).get(name, CriterionSpec(level=default_level)) for name in names}
    summaries, item_parts, rater_parts = {}, [], []
    for code, name in enumerate(names):
        result = _assess_criterion(ctx, code, name, specs[name], thresholds, flags,
                                   n_boot=n_boot, seed=seed)
        summaries[name] = result.summary
        item_parts.append(result.items)
        rater_parts.append(result.raters)
    combined = _combine_raters(rater_parts, ctx.n_raters)
    flag_raters(columns=combined.columns, item=ctx.item, rater=ctx.rater, value=ctx.value,
                kind=ctx.kind, n_criteria=ctx.n_criteria, thresholds=thresholds, flags=flags)
    return QualityReport(
        criteria=summaries,
        items=ItemConsensus(*(np.concatenate(part) for part in zip(*item_parts, strict=True))),
        raters=combined,
        raters_by_criterion=rater_parts,
        ratings=flags.build(thresholds),
        thresholds=thresholds,
        item_labels=_labels(getattr(table, "item_labels", None), ctx.n_items),
        rater_labels=_labels(getattr(table, "rater_labels", None), ctx.n_raters),
        criterion_labels=names,
        rows=(ctx.item, ctx.rater, ctx.criterion),
    )


def report_to_dict(report: QualityReport, *, include_clean: bool = False) -> dict[str, Any]:
    """JSON-ready dict: criteria, items, raters and flags (flagged ratings only by default)."""
    items, raters = report.item_labels, report.rater_labels
    criteria = report.criterion_labels
    return {
        "criteria": {name: _criterion_dict(summary) for name, summary in report.criteria.items()},
        "items": _items_dicts(report.items, items, criteria),
        "raters": _rater_dicts(report.raters, raters),
        "flags": _flag_dicts(report, include_clean=include_clean),
    }


# --- per criterion -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    item: np.ndarray
    rater: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    duration: np.ndarray | None
    kind: np.ndarray
    gold: np.ndarray | None
    week: np.ndarray | None
    prediction: np.ndarray | None
    prediction_std: np.ndarray | None
    n_items: int
    n_raters: int
    n_criteria: int
    team_duration: float

    @property
    def n_rows(self) -> int:
        return self.value.size

    @classmethod
    def from_table(cls, table: Any) -> _Context:
        def column(name: str, dtype: Any) -> np.ndarray | None:
            data = getattr(table, name, None)
            return None if data is None else np.asarray(data, dtype=dtype)

        item, rater = column("item", np.int64), column("rater", np.int64)
        criterion, value = column("criterion", np.int64), column("value", float)
        duration = column("duration_ms", float)
        kind = column("kind", np.int64)
        n_raters = int(rater.max()) + 1 if rater.size else 0
        team = (speed_ratio(raters=rater, durations=duration, n_raters=n_raters)[1]
                if duration is not None and duration.size else float("nan"))
        return cls(item, rater, criterion, value, duration,
                   np.zeros(value.size, np.int64) if kind is None else kind,
                   column("gold_value", float), column("week", np.int64),
                   column("model_prediction", float), column("model_std", float),
                   int(item.max()) + 1 if item.size else 0, n_raters,
                   int(criterion.max()) + 1 if criterion.size else 0, team)


@dataclass(frozen=True)
class _CriterionResult:
    summary: CriterionQuality
    items: tuple[np.ndarray, ...]
    raters: RaterStats


def _assess_criterion(ctx: _Context, code: int, name: str, spec: CriterionSpec,
                      thresholds: QualityThresholds, flags: FlagBuilder, *, n_boot: int,
                      seed: int) -> _CriterionResult:
    rows = np.flatnonzero((ctx.criterion == code) & np.isfinite(ctx.value))
    used = rows[ctx.kind[rows] != KIND_REPEAT]
    item_ids, local_item = np.unique(ctx.item[used], return_inverse=True)
    raters, values = ctx.rater[used], ctx.value[used]
    low, high = spec.scale or ((values.min(), values.max()) if values.size else (0.0, 1.0))
    span = float(high - low) or 1.0
    consensus = consensus_estimate(items=local_item, raters=raters, values=values,
                                   n_items=item_ids.size, n_raters=ctx.n_raters, level=spec.level,
                                   method=spec.consensus)
    categorical = consensus.method == "dawid_skene" and (spec.level == "nominal"
                                                         or np.unique(values).size <= 2)
    stats = rater_agreement(raters=raters, values=values, loo_consensus=consensus.loo_value,
                            n_raters=ctx.n_raters,
                            loo_label=consensus.loo_label if categorical else None)
    stats.update(scale_use(raters=raters, values=values, n_raters=ctx.n_raters))
    stats["n_ratings"] = np.bincount(raters, minlength=ctx.n_raters).astype(float)
    scale = _flag_consensus_rules(ctx, used, local_item, consensus, stats, span, thresholds,
                                  flags, item_ids.size, graded=not categorical)
    stats.update(_flag_row_rules(ctx, rows, span, thresholds, flags))
    stats.update(rater_evidence(
        raters=ctx.rater[used], values=ctx.value[used], consensus=consensus, stats=stats,
        residual_z=flags.residual_z[used], scale=scale, graded=not categorical,
        limit=thresholds.noise_limit * span, n_raters=ctx.n_raters))
    summary = CriterionQuality(
        name=name, level=spec.level,
        alpha=krippendorff_alpha_long(local_item, values, level=spec.level),
        alpha_ci=alpha_bootstrap_ci(local_item, values, level=spec.level, n_boot=n_boot,
                                    seed=seed),
        n_items=int(item_ids.size), n_ratings=int(used.size),
        consensus_method=consensus.method,
        alpha_by_week=_alpha_by_week(ctx, used, local_item, values, spec.level),
        converged=consensus.converged, n_iter=consensus.n_iter,
        last_change=consensus.last_change, strength=consensus.strength,
    )
    items = (item_ids, np.full(item_ids.size, code), consensus.value, consensus.label,
             consensus.uncertainty, np.bincount(local_item, minlength=item_ids.size),
             mean_consensus(items=local_item, values=values, n_items=item_ids.size),
             majority_vote(items=local_item, values=values, n_items=item_ids.size))
    drift = _rater_drift(ctx, used, consensus.loo_value)
    rater_stats = RaterStats(np.arange(ctx.n_raters), np.full(ctx.n_raters, code),
                             {key: stats[key] for key in RATER_FIELDS + EVIDENCE_FIELDS}, drift)
    return _CriterionResult(summary, items, rater_stats)


def _flag_consensus_rules(ctx, used, local_item, consensus: Consensus, stats, span, thresholds,
                          flags: FlagBuilder, n_items: int, *, graded: bool) -> np.ndarray:
    """Outliers against the LOO consensus; keeps each label's residual z for the rater rules.

    Returns the sd of each label's distance from its LOO consensus for a rater like the others.
    """
    raters, values = ctx.rater[used], ctx.value[used]
    stats["shrunk_bias"] = shrunk_bias(bias=stats["bias"], n_compared=stats["n_compared"],
                                       residual=values - consensus.loo_value, raters=raters)
    bias = stats["shrunk_bias"][raters]
    scale = residual_scale(items=local_item, values=values,
                           loo_uncertainty=consensus.loo_uncertainty, n_items=n_items)
    residual = values - bias - consensus.loo_value
    z = np.abs(residual) / scale
    flags.outlier_z[used] = z
    if graded:
        flags.residual_z[used] = residual / scale
    far = (z >= thresholds.outlier_z) & (np.abs(residual) >= thresholds.outlier_min_distance * span)
    flags.add("outlier", used[far], np.where(z[far] >= thresholds.outlier_high_z, 3, 2))
    return scale


def _flag_row_rules(ctx: _Context, rows, span, thresholds, flags: FlagBuilder) -> dict:
    """Too fast, repeat and gold checks; returns the per-rater statistics they produce."""
    n_raters, raters = ctx.n_raters, ctx.rater[rows]
    stats: dict[str, np.ndarray] = {}
    if ctx.duration is not None:
        duration = ctx.duration[rows]
        stats["speed_ratio"] = speed_ratio(raters=raters, durations=duration,
                                           n_raters=n_raters)[0]
        limit = thresholds.too_fast_fraction * ctx.team_duration
        fast = duration < limit
        flags.add("too_fast", rows[fast], np.where(duration[fast] < limit / 2, 2, 1))
    stats.update(_repeat_rule(ctx, rows, span, thresholds, flags))
    stats.update(_gold_rule(ctx, rows, span, thresholds, flags))
    if ctx.prediction is not None:
        std = np.zeros(rows.size) if ctx.prediction_std is None else ctx.prediction_std[rows]
        far = np.abs(ctx.value[rows] - ctx.prediction[rows]) > thresholds.model_distance * span
        confident = std < thresholds.model_confident_std * span
        flags.add("model_disagreement", rows[far & confident], 1)
    for key in ("speed_ratio", "self_consistency", "n_repeats", "gold_accuracy", "n_gold"):
        stats.setdefault(key, np.full(n_raters, np.nan))
    return stats


def _repeat_rule(ctx, rows, span, thresholds, flags: FlagBuilder) -> dict:
    is_repeat = ctx.kind[rows] == KIND_REPEAT
    if not is_repeat.any():
        return {}
    difference = repeat_differences(items=ctx.item[rows], raters=ctx.rater[rows],
                                    values=ctx.value[rows], is_repeat=is_repeat,
                                    n_raters=ctx.n_raters)
    bad = difference > thresholds.repeat_tolerance * span
    flags.add("repeat_inconsistent", rows[bad], 2)
    mean_difference, count = mean_by_rater(raters=ctx.rater[rows], values=difference,
                                           n_raters=ctx.n_raters)
    return {"self_consistency": 1.0 - mean_difference / span, "n_repeats": count}


def _gold_rule(ctx, rows, span, thresholds, flags: FlagBuilder) -> dict:
    if ctx.gold is None:
        return {}
    gold = ctx.gold[rows]
    has_gold = np.isfinite(gold)  # a gold answer counts whatever the row's kind says
    miss = np.where(has_gold, np.abs(ctx.value[rows] - gold) > thresholds.gold_tolerance * span,
                    np.nan)
    flags.add("gold_miss", rows[miss == 1], 2)
    miss_rate, count = mean_by_rater(raters=ctx.rater[rows], values=miss, n_raters=ctx.n_raters)
    return {"gold_accuracy": 1.0 - miss_rate, "n_gold": count}


def _alpha_by_week(ctx, used, local_item, values, level) -> dict[int, float]:
    if ctx.week is None:
        return {}
    return {week.week: week.alpha
            for week in weekly_agreement(local_item, values, ctx.week[used], level=level)}


def _rater_drift(ctx, used, loo_value):
    """Reliability per (rater, week): correlation with the LOO consensus within each week."""
    if ctx.week is None:
        return None
    usable = np.isfinite(loo_value)
    week_ids, week_code = np.unique(ctx.week[used][usable], return_inverse=True)
    groups = ctx.rater[used][usable] * max(week_ids.size, 1) + week_code
    n_groups = ctx.n_raters * max(week_ids.size, 1)
    corr = grouped_correlation(groups=groups, x=ctx.value[used][usable], y=loo_value[usable],
                               n_groups=n_groups)
    present = np.flatnonzero(np.isfinite(corr))
    n_weeks = max(week_ids.size, 1)
    return present // n_weeks, week_ids[present % n_weeks], corr[present]


def _combine_raters(parts: list[RaterStats], n_raters: int) -> RaterStats:
    """Pool per-criterion rater statistics, weighting each criterion by the rater's label count."""
    weights = np.stack([part.columns["n_ratings"] for part in parts])
    columns = {"n_ratings": weights.sum(axis=0)}
    for key in RATER_FIELDS[1:] + EVIDENCE_FIELDS:
        stacked = np.stack([part.columns[key] for part in parts])
        if key in ("n_repeats", "n_gold") + EVIDENCE_FIELDS:
            columns[key] = np.nansum(stacked, axis=0)
            continue
        if key == "n_compared":
            # Labels on several criteria of one rating share the rater's attention: the evidence
            # is the number of ratings compared, not of labels.
            columns[key] = np.nanmax(stacked, axis=0)
            continue
        w = np.where(np.isfinite(stacked), weights, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[key] = np.nansum(stacked * w, axis=0) / w.sum(axis=0)
    drift = parts[0].drift if len(parts) == 1 else None
    return RaterStats(np.arange(n_raters), np.full(n_raters, -1), columns, drift)


# --- JSON shaping --------------------------------------------------------------------------------


def _criterion_names(table: Any, n_criteria: int) -> list[str]:
    labels = getattr(table, "criterion_labels", None)
    return [str(x) for x in labels] if labels is not None else [str(i) for i in range(n_criteria)]


def _labels(labels, n: int) -> list[Any]:
    return list(labels) if labels is not None else list(range(n))


def _number(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _criterion_dict(summary: CriterionQuality) -> dict[str, Any]:
    return {"alpha": _number(summary.alpha),
            "alpha_ci": [_number(summary.alpha_ci[0]), _number(summary.alpha_ci[1])],
            "n_items": summary.n_items, "n_ratings": summary.n_ratings, "level": summary.level,
            "consensus_method": summary.consensus_method,
            "converged": summary.converged, "n_iter": summary.n_iter,
            "last_change": _number(summary.last_change), "strength": _number(summary.strength),
            "alpha_by_week": {str(k): _number(v) for k, v in summary.alpha_by_week.items()}}


def _items_dicts(items: ItemConsensus, item_labels, criteria) -> list[dict[str, Any]]:
    # Column at a time: a 10 MB report's rows are built in a fraction of the analysis's time.
    columns = (_pick(item_labels, items.item), _pick(criteria, items.criterion),
               _json_numbers(items.consensus), _json_numbers(items.uncertainty),
               items.n_ratings.tolist(), _json_numbers(items.label), _json_numbers(items.mean),
               _json_numbers(items.majority))
    keys = ("item", "criterion", "consensus", "uncertainty", "n_ratings", "label", "mean",
            "majority")
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _rater_dicts(raters: RaterStats, rater_labels) -> list[dict[str, Any]]:
    result = []
    for index in np.flatnonzero(raters.columns["n_ratings"] > 0).tolist():
        row: dict[str, Any] = {"rater": rater_labels[index]}
        row.update({key: _number(raters.columns[key][index]) for key in RATER_FIELDS})
        row["n_ratings"] = int(raters.columns["n_ratings"][index])
        result.append(row)
    return result


def _flag_dicts(report: QualityReport, *, include_clean: bool) -> list[dict[str, Any]]:
    flags = report.ratings
    item, rater, criterion = report.rows
    rows = np.arange(flags.flagged.size) if include_clean else np.flatnonzero(flags.flagged)
    masks = flags.reasons[rows]
    names = {int(mask): [name for index, name in enumerate(REASONS) if int(mask) & (1 << index)]
             for mask in np.unique(masks)}
    columns = (rows.tolist(), _pick(report.item_labels, item[rows]),
               _pick(report.rater_labels, rater[rows]),
               _pick(report.criterion_labels, criterion[rows]),
               [names[mask] for mask in masks.tolist()],
               np.array(SEVERITIES, dtype=object)[flags.severity[rows]].tolist(),
               np.where(flags.flagged[rows], "flagged", "clean").tolist(),
               _json_numbers(flags.outlier_z[rows]))
    keys = ("row", "item", "rater", "criterion", "reasons", "severity", "decision", "outlier_z")
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _pick(labels, codes: np.ndarray) -> list[Any]:
    """labels[code] for every code, as plain Python values."""
    return np.asarray(list(labels), dtype=object)[np.asarray(codes, dtype=np.int64)].tolist()


def _json_numbers(values: np.ndarray) -> list[float | None]:
    """Floats to 6 decimals with None where not finite (JSON has no NaN), as Python values.

    Six decimals are far below any label's resolution, and halve the report's size and its
    encoding time against full 17-digit floats.
    """
    values = np.asarray(values, dtype=float)
    result = np.round(values, 6).astype(object)
    result[~np.isfinite(values)] = None
    return result.tolist()
