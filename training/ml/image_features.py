"""Image features: cheap, robust colour/layout/texture statistics from a downscaled image.

No pretrained image encoder installs offline beside this torch build, so an image is described by
statistics a designer would name: palette (HSV histograms, channel moments, colourfulness), light
(brightness, contrast, clipping, entropy), busyness (edge density overall and on a 4x4 grid),
composition (a 4x4 grid of mean colours), a text-area proxy, and geometry.

`bench/bench_image_features.py` (1,200 demo creatives, 288 held out, true taste known) measured
mean held-out Spearman 0.29 for text + metadata, 0.72 with these statistics added, and 0.58 with
a small conv net learned from 64x64 pixels instead (which also took 8x longer to fit on CPU).
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

SIDE = 64  # pixels; statistics are stable at this size and it keeps one image well under 5 ms
GRID = 4
HUE_BINS, SAT_BINS, VAL_BINS, LUMA_BINS = 12, 4, 4, 16
# Layout of the vector, in order; the sum is the fixed width callers and checkpoints rely on.
FEATURE_BLOCKS = {
    "rgb_mean_std": 6,
    "hsv_histograms": HUE_BINS + SAT_BINS + VAL_BINS,
    "colourfulness": 1,
    "light": 5,
    "edges": 2,
    "edge_grid": GRID * GRID,
    "colour_grid": GRID * GRID * 3,
    "text_area": 1,
    "geometry": 2,
}
IMAGE_FEATURE_DIM = sum(FEATURE_BLOCKS.values())


def image_features(image: bytes | Image.Image) -> np.ndarray:
    """Describe one image (encoded bytes or a PIL image) as IMAGE_FEATURE_DIM float32 values."""
    img = _open(image)
    width, height = img.size
    small = img.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    rgb = np.asarray(small, dtype=np.float32) / 255.0
    hsv = np.asarray(small.convert("HSV"), dtype=np.float32) / 255.0
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    grad = _gradient_magnitude(luma)
    parts = [
        rgb.mean(axis=(0, 1)),
        rgb.std(axis=(0, 1)),
        _hsv_histograms(hsv),
        [_colourfulness(rgb)],
        _light_statistics(luma),
        [grad.mean(), (grad > 0.1).mean()],
        _grid_means(grad[..., None]).ravel(),
        _grid_means(rgb).ravel(),
        [_text_area_fraction(luma, grad)],
        [math.log(width / height), math.log10(width * height / 1e6)],
    ]
    vector = np.concatenate([np.asarray(p, dtype=np.float32).ravel() for p in parts])
    assert vector.shape == (IMAGE_FEATURE_DIM,)
    return vector


def image_features_batch(images: list[bytes | Image.Image]) -> np.ndarray:
    """Stack image_features for several images into (n, IMAGE_FEATURE_DIM)."""
    out = np.zeros((len(images), IMAGE_FEATURE_DIM), dtype=np.float32)
    for row, image in enumerate(images):
        out[row] = image_features(image)
    return out


def _open(image: bytes | Image.Image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    img = Image.open(io.BytesIO(image))
    # JPEG can decode straight at 1/2..1/8 scale, which is most of the cost for large photos.
    img.draft("RGB", (SIDE * 2, SIDE * 2))
    return img


def _hsv_histograms(hsv: np.ndarray) -> np.ndarray:
    hue, sat, val = hsv[..., 0].ravel(), hsv[..., 1].ravel(), hsv[..., 2].ravel()
    # Hue of near-grey pixels is noise, so each pixel votes for its hue with its saturation.
    hue_hist = np.bincount(_bin(hue, HUE_BINS), weights=sat, minlength=HUE_BINS)
    hue_hist = hue_hist / max(float(sat.sum()), 1e-6)
    sat_hist = np.bincount(_bin(sat, SAT_BINS), minlength=SAT_BINS) / sat.size
    val_hist = np.bincount(_bin(val, VAL_BINS), minlength=VAL_BINS) / val.size
    return np.concatenate([hue_hist, sat_hist, val_hist])


def _colourfulness(rgb: np.ndarray) -> float:
    # Hasler & Suesstrunk (2003) opponent-colour metric, on the 0..1 scale.
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg = red - green
    yb = 0.5 * (red + green) - blue
    spread = math.hypot(float(rg.std()), float(yb.std()))
    centre = math.hypot(float(rg.mean()), float(yb.mean()))
    return spread + 0.3 * centre


def _light_statistics(luma: np.ndarray) -> list[float]:
    hist = np.bincount(_bin(luma.ravel(), LUMA_BINS), minlength=LUMA_BINS) / luma.size
    nonzero = hist[hist > 0]
    entropy = float(-(nonzero * np.log2(nonzero)).sum()) / math.log2(LUMA_BINS)
    return [
        float(luma.mean()),
        float(luma.std()),
        float((luma < 0.15).mean()),
        float((luma > 0.85).mean()),
        entropy,
    ]


def _gradient_magnitude(luma: np.ndarray) -> np.ndarray:
    grad = np.zeros_like(luma)
    grad[:, :-1] += np.abs(np.diff(luma, axis=1))
    grad[:-1, :] += np.abs(np.diff(luma, axis=0))
    return grad


def _grid_means(values: np.ndarray) -> np.ndarray:
    cell = SIDE // GRID
    channels = values.shape[-1]
    return values.reshape(GRID, cell, GRID, cell, channels).mean(axis=(1, 3))


def _text_area_fraction(luma: np.ndarray, grad: np.ndarray) -> float:
    # Rendered text shows as small blocks that are both high-contrast and dense with sharp edges;
    # photos rarely have both at once at this scale.
    block = 8
    n = SIDE // block
    blocks_grad = grad.reshape(n, block, n, block).mean(axis=(1, 3))
    blocks_std = luma.reshape(n, block, n, block).std(axis=(1, 3))
    return float(((blocks_grad > 0.15) & (blocks_std > 0.2)).mean())


def _bin(values: np.ndarray, bins: int) -> np.ndarray:
    # bincount on clipped indices is several times faster than np.histogram at this size.
    return np.minimum((values * bins).astype(np.intp), bins - 1)
