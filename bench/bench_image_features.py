"""Do the image statistics earn their place? Held-out Spearman with the demo's hidden taste.

Generates demo creatives (demo.simulator: images rendered from latent attributes, a
known taste function), splits them by hashed key, and trains the same TasteModel on
  (a) text embedding + metadata,
  (b) text embedding + image statistics + metadata,
  (c) text embedding + metadata + a small conv net learned from 64x64 pixels (optional),
then prints held-out Spearman and MAE (1..5 scale) per criterion against the true scores.

Run: .venv/bin/python bench/bench_image_features.py [--n 1200] [--no-cnn]
"""

from __future__ import annotations

import argparse
import io
import time

import numpy as np
import torch
from PIL import Image
from torch import nn

from demo.simulator import CRITERIA, CRITERION_NAMES, generate_creatives
from training.ml import (
    CreativeMetadata,
    CriterionScale,
    FeatureSpec,
    TasteDataset,
    TrainConfig,
    build_feature_matrix,
    copy_text,
    embed_texts,
    evaluate,
    held_out_split,
    image_features,
    masked_loss,
    metadata_features,
    predict,
    resolve_device,
    set_seed,
    train,
)

THUMB = 64  # pixels per side fed to the conv net


def main() -> None:
    """Build features once, train each variant on the same split, print the comparison."""
    args = _parse_args()
    device = resolve_device(args.device)
    creatives = generate_creatives(args.n, seed=args.seed)
    held_out = held_out_split([c.external_id for c in creatives], 0.25, salt="bench")
    truth = np.array([[c.true_scores[n] for n in CRITERION_NAMES] for c in creatives], np.float32)
    spec = _spec(creatives)
    blocks, thumbs = _features(creatives, spec, device)
    print(f"device={device} creatives={args.n} train={int((~held_out).sum())} held_out={int(held_out.sum())}")
    variants = {
        "(a) text + metadata": build_feature_matrix(blocks["text"], blocks["image"][:, :0], blocks["meta"]),
        "(b) text + image stats + metadata": build_feature_matrix(blocks["text"], blocks["image"], blocks["meta"]),
        "    image stats + metadata only": build_feature_matrix(blocks["text"][:, :0], blocks["image"], blocks["meta"]),
    }
    results = {name: _fit_mlp(x, truth, held_out, spec, device) for name, x in variants.items()}
    if not args.no_cnn:
        text_meta = variants["(a) text + metadata"]
        results["(c) text + metadata + conv net on pixels"] = _fit_cnn(text_meta, thumbs, truth, held_out, spec, device)
    _print_table(results)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("--no-cnn", action="store_true")
    return parser.parse_args()


def _spec(creatives: list) -> FeatureSpec:
    # The simulator's criteria have no database ids; their column index stands in for one.
    criteria = [CriterionScale(k, c.scale_min, c.scale_max) for k, c in enumerate(CRITERIA)]
    return FeatureSpec.fit(criteria=criteria, metadata=[_metadata(c) for c in creatives])


def _metadata(creative) -> CreativeMetadata:
    return CreativeMetadata(
        channel=creative.metadata["channel"],
        format=creative.metadata["format"],
        headline_chars=len(creative.headline),
        body_chars=len(creative.body),
    )


def _features(creatives: list, spec: FeatureSpec, device: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    started = time.perf_counter()
    text = embed_texts([copy_text(c.headline, c.body) for c in creatives], device=device)
    text_s = time.perf_counter() - started
    started = time.perf_counter()
    pngs = [c.render_image() for c in creatives]
    render_s = time.perf_counter() - started
    started = time.perf_counter()
    image = np.stack([image_features(png) for png in pngs])
    image_s = time.perf_counter() - started
    thumbs = np.stack([_thumbnail(png) for png in pngs])
    meta = metadata_features([_metadata(c) for c in creatives], spec)
    n = len(creatives)
    print(
        f"features: text {n / text_s:,.0f} texts/s, rendering {n / render_s:,.0f} images/s, "
        f"image stats {n / image_s:,.0f} images/s ({image_s / n * 1e3:.2f} ms each incl. PNG decode)"
    )
    return {"text": text, "image": image, "meta": meta}, thumbs


def _thumbnail(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png)).convert("RGB").resize((THUMB, THUMB), Image.Resampling.BILINEAR)
    return (np.asarray(img, dtype=np.float32) / 255.0).transpose(2, 0, 1)


def _fit_mlp(
    x: np.ndarray, truth: np.ndarray, held_out: np.ndarray, spec: FeatureSpec, device: str
) -> tuple[dict, float]:
    started = time.perf_counter()
    data = TasteDataset(features=x[~held_out], targets=spec.normalise_targets(truth[~held_out]))
    model = train(data, TrainConfig(), device=device).model
    pred = predict(model, x[held_out], spec)
    return evaluate(pred, truth[held_out]), time.perf_counter() - started


class _PixelsAndFeatures(nn.Module):
    """A small conv net over thumbnails, fused late with the text + metadata features."""

    def __init__(self, feature_dim: int, n_outputs: int) -> None:
        super().__init__()
        channels = [3, 16, 32, 64]
        convs: list[nn.Module] = []
        for c_in, c_out in zip(channels, channels[1:], strict=False):
            convs += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.BatchNorm2d(c_out), nn.GELU()]
        self.conv = nn.Sequential(*convs, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(
            nn.Linear(channels[-1] + feature_dim, 256),
            nn.LayerNorm(256),
            nn.GELU(),
            nn.Dropout(0.2),
            nn.Linear(256, n_outputs),
        )

    def forward(self, pixels: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.conv(pixels), features], dim=1))


def _fit_cnn(
    features: np.ndarray,
    thumbs: np.ndarray,
    truth: np.ndarray,
    held_out: np.ndarray,
    spec: FeatureSpec,
    device: str,
) -> tuple[dict, float]:
    started = time.perf_counter()
    set_seed(0)
    mean, std = features[~held_out].mean(0), features[~held_out].std(0) + 1e-6
    feats = torch.as_tensor((features - mean) / std, device=device)
    pixels = torch.as_tensor(thumbs, device=device)
    targets = torch.as_tensor(spec.normalise_targets(truth), device=device)
    train_rows = np.flatnonzero(~held_out)
    rng = np.random.default_rng(0)
    val_rows = rng.choice(train_rows, size=len(train_rows) // 7, replace=False)
    fit_rows = np.setdiff1d(train_rows, val_rows)
    model = _PixelsAndFeatures(feats.shape[1], targets.shape[1]).to(device)
    best = _train_cnn(model, pixels, feats, targets, fit_rows, val_rows)
    model.load_state_dict(best)
    model.eval()
    rows = torch.as_tensor(np.flatnonzero(held_out), device=device)
    with torch.no_grad():
        normalised = model(pixels[rows], feats[rows]).clamp(0, 1).cpu().numpy()
    pred = spec.denormalise(normalised)
    return evaluate(pred, truth[held_out]), time.perf_counter() - started


def _train_cnn(model, pixels, feats, targets, fit_rows, val_rows, patience: int = 10) -> dict:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    fit = torch.as_tensor(fit_rows, device=feats.device)
    val = torch.as_tensor(val_rows, device=feats.device)
    best_loss, best_state, bad = float("inf"), None, 0
    for _epoch in range(100):
        model.train()
        for batch in fit[torch.randperm(len(fit), device=feats.device)].split(64):
            loss = masked_loss(model(pixels[batch], feats[batch]), targets[batch], torch.ones_like(targets[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(masked_loss(model(pixels[val], feats[val]), targets[val], torch.ones_like(targets[val])))
        if val_loss < best_loss - 1e-5:
            best_loss, best_state, bad = val_loss, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            bad += 1
            if bad >= patience:
                break
    return best_state


def _print_table(results: dict[str, tuple[dict, float]]) -> None:
    header = "".join(f"{name[:15]:>17}" for name in CRITERION_NAMES)
    print("\nheld-out Spearman with true taste (MAE on 1..5 in brackets)")
    print(f"{'variant':<42}{header}  {'mean':>6} {'fit_s':>6}")
    for name, (metrics, seconds) in results.items():
        columns = range(len(CRITERION_NAMES))  # evaluate keys metrics by column without ids
        cells = "".join(f"{metrics[k]['spearman']:>8.3f} ({metrics[k]['mae']:.3f})" for k in columns)
        mean = np.mean([metrics[k]["spearman"] for k in columns])
        print(f"{name:<42}{cells}  {mean:>6.3f} {seconds:>6.1f}")


if __name__ == "__main__":
    main()
