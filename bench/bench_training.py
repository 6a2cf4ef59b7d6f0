"""Training benchmark: feature extraction (cold, cached), training to early stop, examples/s, per size.

Runs on the pure ML core and the demo simulator (no Django, no database), so it runs as is on a GPU
box:  python bench/bench_training.py --device cuda
Cold extraction is timed on a sample and extrapolated (labelled "extrapolated"); training uses the
full N rows. "Threshold to promoted" adds what a run does before its promotion write (cached feature
read, training, held-out evaluation of new, baseline and active model, checkpoint bytes); the learning
curve and out-of-fold fits run after promotion and are reported separately.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from demo.simulator import CRITERION_NAMES, generate_creatives  # noqa: E402
from training.ml import (  # noqa: E402
    IMAGE_FEATURE_DIM,
    TEXT_EMBEDDING_DIM,
    CreativeMetadata,
    CriterionScale,
    FeatureSpec,
    TasteDataset,
    TrainConfig,
    build_feature_matrix,
    checkpoint_bytes,
    copy_text,
    embed_texts,
    evaluate,
    held_out_split,
    image_features_batch,
    metadata_features,
    predict_normalised,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--sample", type=int, default=200, help="creatives embedded cold to time extraction")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--after-max", type=int, default=10_000,
                        help="skip the post-promotion learning curve and out-of-fold fits above this N")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} cpus={os.cpu_count()}")
    per_item = cold_extraction_per_item(args.sample)
    print(f"cold extraction per creative (sample of {args.sample}): text {per_item['text'] * 1000:.1f} ms, "
          f"image {per_item['image'] * 1000:.1f} ms")
    header = (f"{'N':>7} | {'cold feat s (extrap.)':>21} | {'cached read s':>13} | {'train s':>8} | {'epochs':>6} | "
              f"{'ex/s':>9} | {'to promoted s':>13} | {'after (lc+oof) s':>16}")
    print(header)
    print("-" * len(header))
    for n in [int(s) for s in args.sizes.split(",")]:
        row = bench_size(n, device, per_item, after=n <= args.after_max)
        print(f"{n:>7} | {row['cold']:>21.0f} | {row['cached']:>13.2f} | {row['train']:>8.1f} | {row['epochs']:>6} | "
              f"{row['ex_s']:>9.0f} | {row['to_promoted']:>13.1f} | {row['after']:>16.1f}")


def cold_extraction_per_item(sample: int) -> dict[str, float]:
    creatives = generate_creatives(sample, seed=1)
    embed_texts(["warm up"])  # loading the encoder is paid once per worker process, not per creative
    started = time.perf_counter()
    embed_texts([copy_text(c.headline, c.body) for c in creatives])
    text = (time.perf_counter() - started) / sample
    images = [c.render_image() for c in creatives[: max(sample // 4, 10)]]
    started = time.perf_counter()
    image_features_batch(images)
    image = (time.perf_counter() - started) / len(images)
    return {"text": text, "image": image}


def bench_size(n: int, device: str, per_item: dict[str, float], *, after: bool = True) -> dict:
    creatives = generate_creatives(n, seed=0)
    rng = np.random.default_rng(0)
    # Stand-ins with the real widths: cached vectors are read, not recomputed, so their content does
    # not change the timing; the targets are the simulator's true scores plus rater-like noise.
    text = rng.standard_normal((n, TEXT_EMBEDDING_DIM)).astype(np.float32)
    image = rng.standard_normal((n, IMAGE_FEATURE_DIM)).astype(np.float32)
    blobs = [row.astype("<f4").tobytes() for row in np.concatenate([text, image], axis=1)]
    started = time.perf_counter()
    cached = np.stack([np.frombuffer(b, dtype="<f4") for b in blobs])
    cached_s = time.perf_counter() - started
    meta = [CreativeMetadata(c.metadata["channel"], c.metadata["format"], len(c.headline), len(c.body))
            for c in creatives]
    spec = FeatureSpec.fit(criteria=[CriterionScale(k, 1, 5) for k in range(len(CRITERION_NAMES))], metadata=meta)
    features = build_feature_matrix(
        cached[:, :TEXT_EMBEDDING_DIM], cached[:, TEXT_EMBEDDING_DIM:], metadata_features(meta, spec)
    )
    truth = np.array([[c.true_scores[k] for k in CRITERION_NAMES] for c in creatives], dtype=np.float32)
    targets = spec.normalise_targets(np.clip(truth + rng.normal(0, 0.3, truth.shape), 1, 5))
    data = TasteDataset(features, targets)
    held = held_out_split([c.external_id for c in creatives], 0.2, salt="bench")
    train_set, held_out = data.subset(~held), data.subset(held)
    config = TrainConfig()
    started = time.perf_counter()
    result = train(train_set, config, device=device)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(2):  # the new model and the active one on the same held-out rows
        evaluate(predict_normalised(result.model, held_out.features), held_out.targets)
    checkpoint_bytes(result.model, spec, config, {})
    eval_s = time.perf_counter() - started
    if not after:
        return {"cold": n * (per_item["text"] + per_item["image"]), "cached": cached_s, "train": train_s,
                "epochs": result.epochs_run, "ex_s": result.examples_per_s, "to_promoted": cached_s + train_s + eval_s,
                "after": float("nan")}
    started = time.perf_counter()
    small = TrainConfig(seed=1)
    for fraction in (0.25, 0.5, 0.75):  # learning curve
        train(train_set.subset(np.arange(int(len(train_set) * fraction))), small, device=device)
    folds = np.arange(len(train_set)) % 3
    for fold in range(3):  # out-of-fold models for the checker
        train(train_set.subset(np.flatnonzero(folds != fold)), small, device=device)
    after_s = time.perf_counter() - started
    return {
        "cold": n * (per_item["text"] + per_item["image"]), "cached": cached_s, "train": train_s,
        "epochs": result.epochs_run, "ex_s": result.examples_per_s, "to_promoted": cached_s + train_s + eval_s,
        "after": after_s,
    }


if __name__ == "__main__":
    main()
