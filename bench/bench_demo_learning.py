"""Does the model learn the demo client's hidden taste, and do clean labels beat all labels?

On the demo simulator (known true scores): trains the taste model on (a) clean labels only and
(b) all labels including the noisy raters' (random, fast, straight-liner), with the same features,
seed and held-out split, and scores both, plus the predict-the-mean baseline, against the TRUE
scores of the held-out creatives. "Clean" is measured twice: by the consistency checker
(`review.quality.assess_quality`; a rating with any flagged label is left out, as the service
does), which is what the product trains on, and by the simulator's own noise flag per label (an
oracle), which bounds what a perfect checker could give.

    python bench/bench_demo_learning.py [--n 600]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from demo.simulator import CRITERION_NAMES, generate_creatives, simulate_ratings  # noqa: E402
from review.quality import assess_quality, rating_table_from_columns  # noqa: E402
from training.ml import (  # noqa: E402
    CreativeMetadata,
    CriterionScale,
    FeatureSpec,
    TasteDataset,
    TrainConfig,
    build_feature_matrix,
    copy_text,
    embed_texts,
    held_out_split,
    image_features_batch,
    metadata_features,
    predict,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=600)
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    creatives = generate_creatives(args.n, seed=0)
    ratings = simulate_ratings(creatives, overlap=3, seed=0)
    features, spec = _features(creatives)
    truth = np.array([[c.true_scores[k] for k in CRITERION_NAMES] for c in creatives], dtype=np.float32)
    held = held_out_split([c.external_id for c in creatives], 0.2, salt="demo")
    checked = _checker_flags(ratings)
    clean = _targets(creatives, ratings, keep=lambda i, r, name: not r.noisy[name])
    noisy = _targets(creatives, ratings, keep=lambda i, r, name: True)
    checker_clean = _targets(creatives, ratings, keep=lambda i, r, name: not checked[i])
    print(f"{args.n} creatives, {len(ratings)} ratings, held out {held.sum()}; "
          f"clean labels {np.sum(~np.isnan(clean))} cells of {np.sum(~np.isnan(noisy))}")
    rows = {
        "predict-the-mean baseline": np.tile(np.nanmean(clean[~held], axis=0), (held.sum(), 1)),
        "model on checker-clean labels": _fit_predict(features, spec, checker_clean, held),
        "model on oracle-clean labels": _fit_predict(features, spec, clean, held),
        "model on all labels (noisy incl.)": _fit_predict(features, spec, noisy, held),
    }
    names = " | ".join(f"{n[:15]:>15}" for n in CRITERION_NAMES)
    header = f"{'against the TRUE taste score (held-out)':<36} | {names}"
    print(f"\n{header} | {'mean':>6}\nSpearman rho")
    for name, pred in rows.items():
        rhos = [_spearman(pred[:, k], truth[held, k]) for k in range(len(CRITERION_NAMES))]
        print(f"  {name:<34} | " + " | ".join(f"{r:>15.3f}" for r in rhos) + f" | {np.mean(rhos):>6.3f}")
    print("MAE (rating points)")
    for name, pred in rows.items():
        maes = np.abs(pred - truth[held]).mean(axis=0)
        print(f"  {name:<34} | " + " | ".join(f"{m:>15.3f}" for m in maes) + f" | {maes.mean():>6.3f}")
    print(f"\n({time.perf_counter() - started:.0f} s)")


def _features(creatives):
    text = embed_texts([copy_text(c.headline, c.body) for c in creatives])
    image = image_features_batch([c.render_image() for c in creatives])
    meta = [CreativeMetadata(c.metadata["channel"], c.metadata["format"], len(c.headline), len(c.body))
            for c in creatives]
    spec = FeatureSpec.fit(criteria=[CriterionScale(k, 1, 5) for k in range(len(CRITERION_NAMES))], metadata=meta)
    return build_feature_matrix(text, image, metadata_features(meta, spec)), spec


def _checker_flags(ratings) -> np.ndarray:
    """Per rating: True when the checker flags any of its labels (the service's rule for status)."""
    rows = [(i, r.item, r.rater, name, r.scores[name], r.duration_ms)
            for i, r in enumerate(ratings) for name in CRITERION_NAMES]
    index, items, raters, criteria, values, durations = map(list, zip(*rows, strict=True))
    table = rating_table_from_columns(item=items, rater=raters, criterion=criteria, value=values,
                                      duration_ms=durations)
    report = assess_quality(table, n_boot=100)
    flagged = np.zeros(len(ratings), dtype=bool)
    np.logical_or.at(flagged, np.asarray(index), report.ratings.flagged)
    print(f"checker flagged {flagged.sum()} of {len(ratings)} ratings")
    return flagged


def _targets(creatives, ratings, *, keep) -> np.ndarray:
    index = {c.external_id: i for i, c in enumerate(creatives)}
    sums = np.zeros((len(creatives), len(CRITERION_NAMES)))
    counts = np.zeros_like(sums)
    for row, rating in enumerate(ratings):
        for k, name in enumerate(CRITERION_NAMES):
            if not keep(row, rating, name):
                continue
            sums[index[rating.item], k] += rating.scores[name]
            counts[index[rating.item], k] += 1
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan).astype(np.float32)


def _fit_predict(features, spec, targets, held) -> np.ndarray:
    data = TasteDataset(features, spec.normalise_targets(targets))
    train_rows = ~held & ~np.all(np.isnan(targets), axis=1)
    model = train(data.subset(train_rows), TrainConfig()).model
    return predict(model, features[held], spec)


def _spearman(pred, truth) -> float:
    return float(stats.spearmanr(pred, truth).statistic) if np.ptp(pred) > 0 else 0.0


if __name__ == "__main__":
    main()
