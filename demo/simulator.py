"""Demo world with a known truth: generated creatives, a hidden client taste and simulated raters.

The consistency checker and the per-client model are judged against this truth: `taste_scores` is
what the client "really" thinks, raters see it through their own bias and noise, and each label
knows whether it is noisy (see `SimulatedRating`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np

from demo.copywriting import CATEGORIES, COPY_LENGTHS, TONES, write_copy
from demo.images import BACKGROUNDS, LAYOUTS, PALETTES, render_creative_image


@dataclass(frozen=True)
class DemoCriterion:
    """One rubric criterion with an anchor text for every point of its ordinal scale."""

    name: str
    question: str
    anchors: dict[int, str]
    scale_min: int = 1
    scale_max: int = 5


CRITERIA: tuple[DemoCriterion, ...] = (
    DemoCriterion(
        name="brand_fit",
        question="Does this creative look and sound like our brand?",
        anchors={
            1: "Off-brand: colours, tone or offer contradict how the brand presents itself.",
            2: "Mostly off-brand: one element fits, the overall impression does not.",
            3: "Neutral: nothing wrong, but it could belong to any brand in the category.",
            4: "On-brand: palette and tone fit; a regular customer would recognise the brand.",
            5: "Unmistakably ours: every element expresses the brand, recognisable without the logo.",
        },
    ),
    DemoCriterion(
        name="visual_appeal",
        question="How visually appealing is the creative at a glance?",
        anchors={
            1: "Unappealing: cluttered or muddy, the eye finds nothing to rest on.",
            2: "Weak: a clear focal point is missing or the product is badly sized.",
            3: "Acceptable: clean enough, but would not stop the scroll.",
            4: "Attractive: clear focal point, harmonious colours, balanced layout.",
            5: "Striking: would stop the scroll; polished, with a strong focal point.",
        },
    ),
    DemoCriterion(
        name="message_clarity",
        question="Is it clear what is offered and what to do next?",
        anchors={
            1: "Unclear: cannot tell what is sold or what the call to action is.",
            2: "Hard work: the message is there but buried in text or layout.",
            3: "Understandable after a second look; the call to action is findable.",
            4: "Clear: product, benefit and next step are understood in a few seconds.",
            5: "Instantly clear: one message, one action, nothing to decode.",
        },
    ),
)
CRITERION_NAMES: tuple[str, ...] = tuple(criterion.name for criterion in CRITERIA)
RATER_KINDS = ("careful", "random", "fast", "straight_liner", "harsh")
# Rater kinds whose every label is noisy: they carry (almost) no information about the item.
NOISY_RATER_KINDS = frozenset({"random", "fast", "straight_liner"})
CHANNELS = ("instagram", "facebook", "display", "tiktok", "youtube")
FORMATS = ("square", "story", "banner")
CAMPAIGNS = ("spring-launch", "summer-sale", "back-to-school", "holiday-push", "always-on")
PRODUCT_SHAPES = {"sneakers": "shoe", "coffee": "can", "skincare": "bottle", "headphones": "box",
                  "soda": "can", "snacks": "box", "smartphone": "phone"}
# Formats each channel really serves, so metadata stays plausible (no TikTok banners).
_CHANNEL_FORMATS = {"instagram": ("square", "story"), "facebook": ("square", "banner"),
                    "display": ("banner", "square"), "tiktok": ("story",), "youtube": ("banner",)}
_FORMAT_SIZES = {"square": (512, 512), "story": (288, 512), "banner": (512, 256)}


@dataclass(frozen=True)
class DemoCreative:
    """A generated creative: copy, metadata, the latent attributes and its hidden true scores."""

    external_id: str
    headline: str
    body: str
    metadata: dict[str, Any]
    attributes: dict[str, Any]
    true_scores: dict[str, float]

    def render_image(self, *, size: tuple[int, int] | None = None) -> bytes:
        """Render this creative as PNG bytes, sized by its format unless `size` is given."""
        return render_image(self, size=size)


@dataclass(frozen=True)
class RaterProfile:
    """A simulated rater: kind, leniency (`bias`, scale points), noise sd, speed and share of work."""

    username: str
    kind: str
    bias: float = 0.0
    noise: float = 0.5
    median_duration_ms: int = 9000
    workload: float = 1.0


DEMO_RATERS: tuple[RaterProfile, ...] = (
    RaterProfile("maya.chen", "careful", bias=0.1, noise=0.4, median_duration_ms=8000),
    RaterProfile("jonas.weber", "careful", bias=-0.15, noise=0.5, median_duration_ms=11000),
    RaterProfile("priya.nair", "careful", bias=0.2, noise=0.6, median_duration_ms=6000),
    RaterProfile("tomas.silva", "careful", bias=0.0, noise=0.45, median_duration_ms=15000),
    RaterProfile("alex.reyes", "random", noise=0.0, median_duration_ms=5000, workload=0.55),
    RaterProfile("sam.quick", "fast", noise=1.5, median_duration_ms=600, workload=0.55),
    RaterProfile("lee.steady", "straight_liner", noise=0.0, median_duration_ms=2500,
                 workload=0.55),
    RaterProfile("dana.strict", "harsh", bias=-1.2, noise=0.5, median_duration_ms=9000,
                 workload=0.55),
)


@dataclass(frozen=True)
class SimulatedRating:
    """One rater's scores for one creative, with the truth and which labels are noisy.

    A label (one criterion of one rating) is **noisy** when either
      1. its rater's kind is random, fast or straight_liner (every label they give), or
      2. it is at least 2 points away from what the rater would give without noise,
         `|value - clip(round(true + rater.bias))| >= 2`.
    Rule 1 covers raters whose labels carry no usable signal; a checker finds them through
    reliability, speed and scale use. Rule 2 catches gross slips by otherwise good raters, which are
    rare (with noise sd <= 0.6 about 1% of labels or fewer). A harsh rater's constant offset is
    bias, not noise: it is correctable, so it alone does not make a label noisy.
    """

    rater: str
    item: str
    scores: dict[str, int]
    duration_ms: int
    true_scores: dict[str, float]
    noisy: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class RatingTable:
    """Ratings as flat numpy columns (one row per label), for benchmarks of millions of labels."""

    item: np.ndarray
    rater: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    duration_ms: np.ndarray
    noisy: np.ndarray
    true_scores: np.ndarray
    rater_kinds: tuple[str, ...]
    rater_bias: np.ndarray

    def __len__(self) -> int:
        return int(self.value.shape[0])


class _RaterArrays(NamedTuple):
    kind: np.ndarray
    bias: np.ndarray
    noise: np.ndarray
    median_duration_ms: np.ndarray
    workload: np.ndarray


def generate_creatives(n: int = 300, *, seed: int = 0) -> list[DemoCreative]:
    """Generate `n` creatives with copy, metadata, attributes and true scores (no images)."""
    rng = np.random.default_rng(seed)
    return [_generate_creative(index, rng) for index in range(n)]


def render_image(creative: DemoCreative, *, size: tuple[int, int] | None = None) -> bytes:
    """Render a creative's image as PNG bytes (deterministic)."""
    attrs = {**creative.attributes, "headline": creative.headline, "body": creative.body}
    return render_creative_image(attrs, size=size or _FORMAT_SIZES[creative.metadata["format"]])


def taste_scores(attributes: Mapping[str, Any]) -> dict[str, float]:
    """The hidden client taste: true score per criterion (1..5, continuous) from the attributes.

    Each criterion is a sum of main effects and interactions on a latent scale, then squashed
    onto 1..5 by a logistic curve so scores are continuous, bounded and spread over the scale:
      - brand_fit: palette-category fit, tone-category fit, offers cheapening premium tone,
        playful tone on TikTok, minimal layout with premium tone.
      - visual_appeal: layout, palette, background, product size (best near 55% of the frame),
        layout-format match, neon on TikTok, long copy in a text-heavy banner.
      - message_clarity: copy length, headline length, tone, offer (strongest with urgent tone),
        layout, long copy on display, plus some tone and palette fit (a recognisable product
        reads faster).
    Criteria share terms (palette fit, layout, tone fit), so they correlate without being equal.
    """
    palette_fit = _PALETTE_FIT[attributes["product"]][attributes["palette"]]
    tone_fit = _TONE_FIT[attributes["tone"]][attributes["product"]]
    latent = {
        "brand_fit": _brand_fit_latent(attributes, palette_fit, tone_fit),
        "visual_appeal": _visual_appeal_latent(attributes, palette_fit),
        "message_clarity": _message_clarity_latent(attributes, palette_fit, tone_fit),
    }
    return {
        name: round(_to_scale((value - _LATENT_CENTRE[name]) / _LATENT_SPREAD[name]), 4)
        for name, value in latent.items()
    }


def simulate_ratings(creatives: Sequence[DemoCreative], raters: Sequence[RaterProfile] = DEMO_RATERS,
                     *, overlap: int = 3, seed: int = 0) -> list[SimulatedRating]:
    """Rate every creative by exactly `overlap` distinct raters; work shared by rater workload."""
    if not 0 < overlap <= len(raters):
        raise ValueError(f"overlap must be between 1 and {len(raters)}, got {overlap}")
    rng = np.random.default_rng(seed)
    truth = np.array([[c.true_scores[name] for name in CRITERION_NAMES] for c in creatives], float)
    arrays = _arrays_from_profiles(raters)
    item_idx, rater_idx = _assign(rng, len(creatives), arrays.workload, np.full(len(creatives), overlap))
    values, noisy = _label(rng, truth[item_idx], arrays, rater_idx, (1, 5))
    durations = _durations(rng, arrays, rater_idx)
    return [
        SimulatedRating(
            rater=raters[r].username,
            item=creatives[i].external_id,
            scores=dict(zip(CRITERION_NAMES, map(int, values[row]), strict=True)),
            duration_ms=int(durations[row]),
            true_scores=dict(creatives[i].true_scores),
            noisy=dict(zip(CRITERION_NAMES, map(bool, noisy[row]), strict=True)),
        )
        for row, (i, r) in enumerate(zip(item_idx.tolist(), rater_idx.tolist(), strict=True))
    ]


def simulate_rating_matrix(n_items: int, n_raters: int, n_criteria: int, *, overlap: float = 3,
                           scale: tuple[int, int] = (1, 5), seed: int = 0,
                           rater_kinds: Sequence[str] | None = None) -> RatingTable:
    """Vectorised ratings for benchmarks: latent truth, a realistic rater mix, flat label columns.

    A fractional `overlap` gives each item floor or ceil raters, so 50,000 items x 3 criteria at
    overlap 20/3 makes about 1,000,000 labels. Noisy labels follow `SimulatedRating`'s definition.
    """
    if not 0 < overlap <= n_raters:
        raise ValueError(f"overlap must be between 1 and {n_raters}, got {overlap}")
    rng = np.random.default_rng(seed)
    kinds = tuple(rater_kinds) if rater_kinds is not None else _default_kind_mix(n_raters, rng)
    arrays = _arrays_for_kinds(kinds, rng)
    truth = _latent_truth(rng, n_items, n_criteria, scale)
    base = math.floor(overlap)
    per_item = base + (rng.random(n_items) < overlap - base)
    item_idx, rater_idx = _assign(rng, n_items, arrays.workload, per_item)
    values, noisy = _label(rng, truth[item_idx], arrays, rater_idx, scale)
    durations = _durations(rng, arrays, rater_idx)
    return RatingTable(
        item=np.repeat(item_idx, n_criteria).astype(np.int32),
        rater=np.repeat(rater_idx, n_criteria).astype(np.int32),
        criterion=np.tile(np.arange(n_criteria, dtype=np.int16), len(item_idx)),
        value=values.ravel().astype(np.int16),
        duration_ms=np.repeat(durations, n_criteria).astype(np.int32),
        noisy=noisy.ravel(),
        true_scores=truth,
        rater_kinds=kinds,
        rater_bias=arrays.bias,
    )


# --- creatives and taste -------------------------------------------------------------------------

_CATEGORY_NAMES = tuple(CATEGORIES)
_PALETTE_NAMES = tuple(PALETTES)
# How well each palette suits each product category (-1 clashes .. +1 ideal), as a brand team would.
_PALETTE_FIT: dict[str, dict[str, float]] = {
    "sneakers": {"neon": 1.0, "cool": 0.5, "monochrome": 0.3, "warm": 0.0, "pastel": -0.5,
                 "earthy": -0.6},
    "coffee": {"earthy": 1.0, "warm": 0.8, "monochrome": 0.2, "cool": -0.3, "pastel": -0.4,
               "neon": -1.0},
    "skincare": {"pastel": 1.0, "monochrome": 0.5, "cool": 0.3, "earthy": 0.2, "warm": -0.3,
                 "neon": -1.0},
    "headphones": {"monochrome": 1.0, "cool": 0.6, "neon": 0.4, "warm": -0.3, "pastel": -0.5,
                   "earthy": -0.7},
    "soda": {"neon": 0.8, "warm": 0.8, "pastel": 0.2, "cool": 0.2, "monochrome": -0.6,
             "earthy": -0.8},
    "snacks": {"warm": 1.0, "earthy": 0.4, "neon": 0.3, "pastel": 0.0, "cool": -0.4,
               "monochrome": -0.6},
    "smartphone": {"monochrome": 1.0, "cool": 0.8, "neon": 0.0, "pastel": -0.2, "warm": -0.4,
                   "earthy": -0.8},
}
_TONE_FIT: dict[str, dict[str, float]] = {
    "premium": {"skincare": 1.0, "headphones": 0.8, "smartphone": 0.6, "coffee": 0.4,
                "sneakers": 0.0, "soda": -0.7, "snacks": -0.7},
    "playful": {"soda": 1.0, "snacks": 1.0, "sneakers": 0.5, "coffee": 0.0, "headphones": -0.3,
                "skincare": -0.5, "smartphone": -0.3},
    "urgent": {"sneakers": 0.2, "snacks": 0.2, "soda": 0.0, "coffee": -0.3, "headphones": -0.3,
               "smartphone": -0.3, "skincare": -0.7},
    "informative": {"smartphone": 0.7, "headphones": 0.5, "skincare": 0.4, "coffee": 0.0,
                    "sneakers": -0.2, "soda": -0.4, "snacks": -0.3},
}
_LAYOUT_APPEAL = {"hero": 0.7, "minimal": 0.5, "split": 0.3, "grid": -0.3, "banner": -0.7}
_PALETTE_APPEAL = {"pastel": 0.3, "cool": 0.3, "monochrome": 0.2, "warm": 0.1, "earthy": 0.0,
                   "neon": -0.4}
_BACKGROUND_APPEAL = {"gradient": 0.3, "flat": 0.0, "noise": -0.5}
_LAYOUT_FORMAT_MATCH = {("hero", "story"), ("minimal", "story"), ("split", "banner"),
                        ("banner", "banner"), ("grid", "square"), ("hero", "square")}
_LENGTH_CLARITY = {"short": 0.7, "medium": 0.1, "long": -0.7}
_TONE_CLARITY = {"informative": 0.6, "urgent": 0.2, "premium": -0.2, "playful": -0.3}
_LAYOUT_CLARITY = {"banner": 0.4, "minimal": 0.3, "hero": 0.3, "split": 0.0, "grid": -0.7}
# Centres of each latent over the generator's attribute distribution (measured on 20,000
# creatives), so a typical creative lands mid-scale and the logistic uses both ends of the scale.
_LATENT_CENTRE = {"brand_fit": 0.13, "visual_appeal": 0.17, "message_clarity": 0.44}
_LATENT_SPREAD = {"brand_fit": 0.99, "visual_appeal": 0.83, "message_clarity": 0.86}
# Logistic gain on the standardised latent: 1.8 puts roughly 5-10% of creatives near each end.
_LATENT_GAIN = 1.5


def _brand_fit_latent(a: Mapping[str, Any], palette_fit: float, tone_fit: float) -> float:
    premium_offer = a["has_offer"] and a["tone"] == "premium"
    tiktok_tone = {"playful": 0.4, "informative": -0.4}.get(a["tone"], 0.0) if a["channel"] == "tiktok" else 0.0
    minimal_premium = a["layout"] == "minimal" and a["tone"] == "premium"
    return (1.3 * palette_fit + 1.0 * tone_fit - 0.9 * premium_offer + tiktok_tone
            + 0.6 * minimal_premium)


def _visual_appeal_latent(a: Mapping[str, Any], palette_fit: float) -> float:
    format_match = (a["layout"], a["format"]) in _LAYOUT_FORMAT_MATCH
    neon_tiktok = a["palette"] == "neon" and a["channel"] == "tiktok"
    cluttered = a["layout"] == "banner" and a["copy_length"] == "long"
    return (_LAYOUT_APPEAL[a["layout"]] + _PALETTE_APPEAL[a["palette"]] + 0.5 * palette_fit
            + _BACKGROUND_APPEAL[a["background"]] - 12.0 * (a["product_scale"] - 0.55) ** 2
            + 0.4 * format_match + 0.8 * neon_tiktok - 0.6 * cluttered)


def _message_clarity_latent(a: Mapping[str, Any], palette_fit: float, tone_fit: float) -> float:
    offer = (0.5 if a["tone"] == "urgent" else 0.2) * a["has_offer"]
    long_display = a["channel"] == "display" and a["copy_length"] == "long"
    return (_LENGTH_CLARITY[a["copy_length"]] - 0.15 * max(0, a["headline_words"] - 5)
            + _TONE_CLARITY[a["tone"]] + offer + _LAYOUT_CLARITY[a["layout"]]
            - 0.6 * long_display + 0.5 * tone_fit + 0.4 * palette_fit)


def _to_scale(latent: float) -> float:
    return 1.0 + 4.0 / (1.0 + math.exp(-_LATENT_GAIN * latent))


def _generate_creative(index: int, rng: np.random.Generator) -> DemoCreative:
    attributes = _draw_attributes(rng)
    copy = write_copy(product=attributes["product"], tone=attributes["tone"],
                      has_offer=attributes["has_offer"], length=attributes["copy_length"],
                      seed=attributes["seed"])
    attributes["cta"] = copy.cta
    attributes["headline_words"] = len(copy.headline.split())
    attributes["body_sentences"] = copy.body.count(".") or 1
    tags = [attributes["product"], attributes["tone"]] + (["offer"] if attributes["has_offer"] else [])
    metadata = {"channel": attributes["channel"], "format": attributes["format"],
                "campaign": _pick(rng, CAMPAIGNS), "tags": tags}
    return DemoCreative(external_id=f"demo-{index + 1:04d}", headline=copy.headline, body=copy.body,
                        metadata=metadata, attributes=attributes, true_scores=taste_scores(attributes))


def _draw_attributes(rng: np.random.Generator) -> dict[str, Any]:
    product = _pick(rng, _CATEGORY_NAMES)
    channel = _pick(rng, CHANNELS)
    return {
        "product": product,
        "shape": PRODUCT_SHAPES[product],
        "layout": _pick(rng, LAYOUTS),
        "palette": _pick(rng, _PALETTE_NAMES),
        "background": _pick(rng, BACKGROUNDS, (0.5, 0.25, 0.25)),
        "product_scale": round(float(rng.uniform(0.3, 0.8)), 3),
        "tone": _pick(rng, TONES),
        "has_offer": bool(rng.random() < 0.4),
        "copy_length": _pick(rng, COPY_LENGTHS, (0.4, 0.4, 0.2)),
        "channel": channel,
        "format": _pick(rng, _CHANNEL_FORMATS[channel]),
        "seed": int(rng.integers(0, 2**31 - 1)),
    }


def _pick(rng: np.random.Generator, options: Sequence[str], weights: Sequence[float] = ()) -> str:
    # Index draws are much faster than rng.choice on small tuples (no array conversion per call).
    if not weights:
        return options[int(rng.integers(len(options)))]
    return options[bisect.bisect(list(accumulate(weights)), rng.random() * sum(weights))]


# --- raters and labels ---------------------------------------------------------------------------

# Per-kind defaults for generated raters: (bias sd, noise range, median duration range ms, workload).
_KIND_PARAMS = {
    "careful": (0.2, (0.4, 0.6), (6000, 15000), 1.0),
    "random": (0.0, (0.0, 0.0), (3000, 6000), 0.5),
    "fast": (0.0, (1.5, 1.5), (500, 700), 0.5),
    "straight_liner": (0.0, (0.0, 0.0), (2000, 3000), 0.5),
    "harsh": (0.2, (0.4, 0.6), (6000, 15000), 0.5),
}
_HARSH_BIAS = -1.2


def _arrays_from_profiles(raters: Sequence[RaterProfile]) -> _RaterArrays:
    for rater in raters:
        if rater.kind not in RATER_KINDS:
            raise ValueError(f"unknown rater kind {rater.kind!r}")
    return _RaterArrays(
        kind=np.array([RATER_KINDS.index(r.kind) for r in raters]),
        bias=np.array([r.bias for r in raters], float),
        noise=np.array([r.noise for r in raters], float),
        median_duration_ms=np.array([r.median_duration_ms for r in raters], float),
        workload=np.array([r.workload for r in raters], float),
    )


def _default_kind_mix(n_raters: int, rng: np.random.Generator) -> tuple[str, ...]:
    # About 5% of each problem kind (at least one each once there are 8 raters), the rest careful.
    per_kind = max(1, round(0.05 * n_raters)) if n_raters >= 8 else 0
    kinds = ["random", "fast", "straight_liner", "harsh"] * per_kind
    kinds += ["careful"] * (n_raters - len(kinds))
    return tuple(str(kind) for kind in rng.permutation(kinds))


def _arrays_for_kinds(kinds: Sequence[str], rng: np.random.Generator) -> _RaterArrays:
    unknown = set(kinds) - set(RATER_KINDS)
    if unknown:
        raise ValueError(f"unknown rater kinds {sorted(unknown)}")
    params = [_KIND_PARAMS[kind] for kind in kinds]
    bias = np.array([rng.normal(0.0, p[0]) for p in params])
    bias += np.where(np.array(kinds) == "harsh", _HARSH_BIAS, 0.0)
    return _RaterArrays(
        kind=np.array([RATER_KINDS.index(kind) for kind in kinds]),
        bias=bias,
        noise=np.array([rng.uniform(*p[1]) for p in params]),
        median_duration_ms=np.array([rng.uniform(*p[2]) for p in params]),
        workload=np.array([p[3] for p in params]),
    )


def _latent_truth(rng: np.random.Generator, n_items: int, n_criteria: int,
                  scale: tuple[int, int]) -> np.ndarray:
    # Criteria share half their variance (one "overall quality" factor), like real rubrics do.
    shared = rng.standard_normal((n_items, 1))
    specific = rng.standard_normal((n_items, n_criteria))
    latent = math.sqrt(0.5) * shared + math.sqrt(0.5) * specific
    low, high = scale
    return low + (high - low) / (1.0 + np.exp(-1.8 * latent))


def _assign(rng: np.random.Generator, n_items: int, workload: np.ndarray,
            per_item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Gumbel top-k: weighted sampling of distinct raters per item without replacement, vectorised.
    keys = np.log(workload)[None, :] + rng.gumbel(size=(n_items, workload.shape[0]))
    order = np.argsort(-keys, axis=1)
    take = np.arange(workload.shape[0])[None, :] < per_item[:, None]
    items = np.broadcast_to(np.arange(n_items)[:, None], order.shape)[take]
    return items, order[take]


def _label(rng: np.random.Generator, truth: np.ndarray, arrays: _RaterArrays,
           rater_idx: np.ndarray, scale: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    low, high = scale
    kind = arrays.kind[rater_idx][:, None]
    bias = arrays.bias[rater_idx][:, None]
    noise = arrays.noise[rater_idx][:, None]
    noisy_values = np.rint(truth + bias + noise * rng.standard_normal(truth.shape))
    values = np.clip(noisy_values, low, high)
    values = np.where(kind == RATER_KINDS.index("random"),
                      rng.integers(low, high + 1, size=truth.shape), values)
    values = np.where(kind == RATER_KINDS.index("straight_liner"), round((low + high) / 2), values)
    intended = np.clip(np.rint(truth + bias), low, high)
    noisy_kind = np.isin(kind, [RATER_KINDS.index(k) for k in NOISY_RATER_KINDS])
    noisy = noisy_kind | (np.abs(values - intended) >= 2)
    return values.astype(np.int16), noisy


def _durations(rng: np.random.Generator, arrays: _RaterArrays, rater_idx: np.ndarray) -> np.ndarray:
    # Log-normal around each rater's median: rating times are skewed, with occasional long pauses.
    median = arrays.median_duration_ms[rater_idx]
    return np.maximum(150, median * np.exp(0.35 * rng.standard_normal(rater_idx.shape))).astype(np.int64)
