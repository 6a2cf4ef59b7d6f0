"""Benchmark the ML core: training to early stop at 1k/10k/50k examples, and feature throughput.

Run: .venv/bin/python bench/bench_training_core.py [--sizes 1000 10000 50000] [--device cuda]
Prints the device first, so the same script gives comparable tables on CPU and GPU machines.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import time
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image, ImageDraw

from training.ml import (
    IMAGE_FEATURE_DIM,
    TEXT_EMBEDDING_DIM,
    TasteDataset,
    TrainConfig,
    embed_texts,
    evaluate,
    image_features,
    predict_normalised,
    resolve_device,
    summarise,
    train,
)

METADATA_DIM = 14  # about what FeatureSpec gives for 5 channels and 3 formats
N_CRITERIA = 3
_WORDS = ("summer", "sale", "running", "shoes", "coffee", "fresh", "bold", "premium", "save", "today")


def main() -> None:
    """Parse arguments, run each benchmark and print its table."""
    args = _parse_args()
    device = resolve_device(args.device)
    print(
        f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} "
        f"cpu={platform.processor() or platform.machine()} cores={os.cpu_count()}"
    )
    if torch.cuda.is_available():
        print(f"gpu={torch.cuda.get_device_name(0)}")
    _bench_training(args.sizes, device, args.max_epochs)
    if not args.skip_features:
        _bench_text(device, args.n_texts)
        _bench_images(args.n_images)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--device", default=None, help="default: cuda when available, else cpu")
    parser.add_argument("--max-epochs", type=int, default=TrainConfig().max_epochs)
    parser.add_argument("--n-texts", type=int, default=512)
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--skip-features", action="store_true")
    return parser.parse_args()


def _bench_training(sizes: list[int], device: str, max_epochs: int) -> None:
    dim = TEXT_EMBEDDING_DIM + IMAGE_FEATURE_DIM + METADATA_DIM
    print(f"\ntraining to early stop: input_dim={dim}, criteria={N_CRITERIA}, 20% labels missing")
    print(
        f"{'examples':>9} {'epochs':>6} {'best':>5} {'time_s':>8} {'s/epoch':>8} "
        f"{'examples/s':>11} {'heldout_mae':>11} {'spearman':>8}"
    )
    config = TrainConfig(max_epochs=max_epochs)
    for n in sizes:
        data, held_out = _synthetic(n, dim, seed=1), _synthetic(2_000, dim, seed=2)
        result = train(data, config, device=device)
        metrics = summarise(evaluate(predict_normalised(result.model, held_out.features), held_out.targets))
        print(
            f"{n:>9} {result.epochs_run:>6} {result.best_epoch:>5} {result.duration_s:>8.1f} "
            f"{result.duration_s / result.epochs_run:>8.3f} {result.examples_per_s:>11,.0f} "
            f"{metrics['mae']:>11.4f} {metrics['spearman']:>8.3f}"
        )


def _synthetic(n: int, dim: int, *, seed: int) -> TasteDataset:
    """Random features; targets are a fixed nonlinear function of them, noise and NaN holes."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    # The hidden function is drawn from a fixed seed so train and held-out sets share it.
    projection = np.random.default_rng(0).normal(size=(dim, N_CRITERIA)) / np.sqrt(dim)
    latent = x @ projection
    latent = latent + 0.5 * np.tanh(x[:, :N_CRITERIA] * x[:, N_CRITERIA : 2 * N_CRITERIA])
    y = 1.0 / (1.0 + np.exp(-2.0 * latent)) + rng.normal(scale=0.05, size=latent.shape)
    y[rng.random(y.shape) < 0.2] = np.nan
    return TasteDataset(features=x, targets=y.astype(np.float32))


def _bench_text(device: str, n_texts: int) -> None:
    rnd = random.Random(0)
    texts = [" ".join(rnd.choices(_WORDS, k=rnd.randint(8, 40))) for _ in range(n_texts)]
    started = time.perf_counter()
    embed_texts(texts[:8], device=device)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    embed_texts(texts, device=device)
    elapsed = time.perf_counter() - started
    print(
        f"\ntext embedding (all-MiniLM-L6-v2, {device}): first load {load_s:.1f} s, "
        f"{n_texts / elapsed:,.0f} texts/s over {n_texts} texts of 8-40 words, batch 64"
    )


def _bench_images(n_images: int) -> None:
    images = [_ad_png(seed) for seed in range(min(n_images, 20))]
    decoded = [Image.open(io.BytesIO(b)).convert("RGB") for b in images]
    for label, inputs in (("PNG bytes incl. decode", images), ("decoded image", decoded)):
        wall, cpu = _time_per_call(lambda i, inputs=inputs: image_features(inputs[i % len(inputs)]), n_images)
        # CPU time is reported too: on a shared machine wall time mostly measures the neighbours.
        print(
            f"image features (dim {IMAGE_FEATURE_DIM}) from 512x512 {label}: {1 / wall:,.0f} images/s, "
            f"{wall * 1e3:.2f} ms wall, {cpu * 1e3:.2f} ms CPU each"
        )


def _time_per_call(call: Callable[[int], object], n: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        call(i)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def _ad_png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    img = Image.new("RGB", (512, 512), colour)
    draw = ImageDraw.Draw(img)
    x0, y0 = (int(v) for v in rng.integers(50, 200, 2))
    draw.ellipse((x0, y0, x0 + 250, y0 + 250), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw.rectangle((0, 430, 512, 512), fill=(250, 250, 250))
    draw.text((20, 450), "SUMMER SALE - 30% OFF ALL RUNNING SHOES", fill=(0, 0, 0))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    main()
