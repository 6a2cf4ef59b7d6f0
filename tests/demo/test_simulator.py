"""Tests for the demo simulator: known truth, simulated raters and rendered creatives."""

import io
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from demo.copywriting import write_copy
from demo.images import render_creative_image
from demo.simulator import (
    CRITERIA,
    CRITERION_NAMES,
    DEMO_RATERS,
    generate_creatives,
    simulate_rating_matrix,
    simulate_ratings,
    taste_scores,
)


@pytest.fixture(scope="module")
def creatives():
    return generate_creatives(300, seed=7)


@pytest.fixture(scope="module")
def ratings(creatives):
    return simulate_ratings(creatives, seed=7)


def _rater_correlation(ratings, username):
    mine = [r for r in ratings if r.rater == username]
    values = np.array([[r.scores[n] for n in CRITERION_NAMES] for r in mine], float).ravel()
    truth = np.array([[r.true_scores[n] for n in CRITERION_NAMES] for r in mine]).ravel()
    if values.std() == 0:
        return 0.0
    return float(np.corrcoef(values, truth)[0, 1])


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def test_criteria_have_an_anchor_for_every_scale_point():
    for criterion in CRITERIA:
        assert sorted(criterion.anchors) == list(range(criterion.scale_min, criterion.scale_max + 1))
        assert all(len(text) > 20 for text in criterion.anchors.values())


def test_demo_raters_are_eight_with_the_intended_kind_mix():
    kinds = Counter(rater.kind for rater in DEMO_RATERS)
    assert kinds == {"careful": 4, "random": 1, "fast": 1, "straight_liner": 1, "harsh": 1}
    assert len({rater.username for rater in DEMO_RATERS}) == 8


def test_generate_creatives_is_deterministic_for_a_seed():
    assert generate_creatives(20, seed=3) == generate_creatives(20, seed=3)
    assert generate_creatives(20, seed=3) != generate_creatives(20, seed=4)


def test_creatives_have_unique_external_ids_and_valid_metadata(creatives):
    assert len({c.external_id for c in creatives}) == len(creatives)
    assert creatives[0].external_id == "demo-0001"
    for creative in creatives:
        assert creative.metadata["channel"] in {"instagram", "facebook", "display", "tiktok", "youtube"}
        assert creative.metadata["format"] in {"square", "story", "banner"}
        assert creative.headline and creative.body


def test_true_scores_equal_taste_of_the_attributes(creatives):
    for creative in creatives[:20]:
        assert creative.true_scores == taste_scores(creative.attributes)


def test_truth_spreads_over_the_whole_scale(creatives):
    truth = np.array([[c.true_scores[n] for n in CRITERION_NAMES] for c in creatives])
    assert truth.min() >= 1.0 and truth.max() <= 5.0
    for column in truth.T:
        counts = np.bincount(np.rint(column).astype(int), minlength=6)[1:]
        assert (counts >= 0.03 * len(column)).all(), counts
        assert column.std() > 0.8


def test_criteria_are_correlated_but_not_identical(creatives):
    truth = np.array([[c.true_scores[n] for n in CRITERION_NAMES] for c in creatives])
    correlations = np.corrcoef(truth.T)[np.triu_indices(3, k=1)]
    assert (correlations > 0.05).all() and (correlations < 0.8).all()


def test_simulate_ratings_is_deterministic_for_a_seed(creatives):
    assert simulate_ratings(creatives[:50], seed=1) == simulate_ratings(creatives[:50], seed=1)


def test_every_creative_gets_exactly_overlap_distinct_raters(creatives, ratings):
    raters_per_item: dict[str, list[str]] = {}
    for rating in ratings:
        raters_per_item.setdefault(rating.item, []).append(rating.rater)
    assert set(raters_per_item) == {c.external_id for c in creatives}
    assert all(len(set(raters)) == len(raters) == 3 for raters in raters_per_item.values())


def test_every_rater_gets_enough_items_and_careful_raters_do_most(ratings):
    load = Counter(rating.rater for rating in ratings)
    kinds = {rater.username: rater.kind for rater in DEMO_RATERS}
    assert min(load.values()) >= 50
    careful = sum(count for name, count in load.items() if kinds[name] == "careful")
    assert careful > len(ratings) / 2


def test_scores_are_integers_within_the_scale(ratings):
    for rating in ratings:
        assert set(rating.scores) == set(CRITERION_NAMES)
        assert all(isinstance(v, int) and 1 <= v <= 5 for v in rating.scores.values())


def test_straight_liner_gives_the_same_value_everywhere(ratings):
    values = {v for r in ratings if r.rater == "lee.steady" for v in r.scores.values()}
    assert values == {3}


def test_fast_rater_is_much_faster_than_careful_raters(ratings):
    fast = np.median([r.duration_ms for r in ratings if r.rater == "sam.quick"])
    careful = np.median([r.duration_ms for r in ratings if r.rater == "maya.chen"])
    assert fast < 1000 < 5000 < careful


def test_careful_raters_track_the_truth_far_better_than_the_random_rater(ratings):
    random_r = _rater_correlation(ratings, "alex.reyes")
    for rater in DEMO_RATERS:
        if rater.kind == "careful":
            assert _rater_correlation(ratings, rater.username) > 0.75 > 0.3 > random_r


def test_harsh_rater_scores_lower_than_the_truth(ratings):
    diffs = [r.scores[n] - r.true_scores[n] for r in ratings if r.rater == "dana.strict"
             for n in CRITERION_NAMES]
    assert np.mean(diffs) < -0.7


def test_noisy_flags_cover_bad_raters_and_are_rare_for_careful_ones(ratings):
    kinds = {rater.username: rater.kind for rater in DEMO_RATERS}
    by_kind: dict[str, list[bool]] = {}
    for rating in ratings:
        by_kind.setdefault(kinds[rating.rater], []).extend(rating.noisy.values())
    for kind in ("random", "fast", "straight_liner"):
        assert all(by_kind[kind])
    assert np.mean(by_kind["careful"]) < 0.03


def test_overlap_larger_than_the_rater_count_is_rejected(creatives):
    with pytest.raises(ValueError):
        simulate_ratings(creatives[:5], overlap=9)


def test_rendered_image_is_a_decodable_png_of_the_format_size(creatives):
    sizes = {"square": (512, 512), "story": (288, 512), "banner": (512, 256)}
    for creative in creatives[:6]:
        image = Image.open(io.BytesIO(creative.render_image()))
        assert image.format == "PNG"
        assert image.size == sizes[creative.metadata["format"]]


def test_rendering_is_deterministic(creatives):
    assert creatives[0].render_image() == creatives[0].render_image()


def test_palette_changes_the_colours(creatives):
    base = {**creatives[0].attributes, "headline": "Hello", "background": "flat"}
    warm = _pixels(render_creative_image({**base, "palette": "warm"}, size=(128, 128)))
    cool = _pixels(render_creative_image({**base, "palette": "cool"}, size=(128, 128)))
    # Warm images are red-heavy, cool ones blue-heavy: a colour statistic separates them.
    assert warm[..., 0].mean() - warm[..., 2].mean() > 50
    assert cool[..., 2].mean() - cool[..., 0].mean() > 30


def test_layout_changes_the_picture(creatives):
    base = {**creatives[0].attributes, "headline": "Hello", "palette": "monochrome"}
    hero = _pixels(render_creative_image({**base, "layout": "hero"}, size=(128, 128)))
    split = _pixels(render_creative_image({**base, "layout": "split"}, size=(128, 128)))
    assert np.abs(hero - split).mean() > 10


def test_copy_is_deterministic_and_follows_the_length():
    short = write_copy(product="coffee", tone="urgent", has_offer=False, length="short", seed=5)
    assert short == write_copy(product="coffee", tone="urgent", has_offer=False, length="short", seed=5)
    long = write_copy(product="coffee", tone="urgent", has_offer=False, length="long", seed=5)
    assert len(long.body) > len(short.body)


def test_rating_matrix_of_a_million_labels_has_consistent_columns():
    # How fast it is made is measured by bench/bench_quality_core.py.
    table = simulate_rating_matrix(50_000, 40, 3, overlap=20 / 3, seed=0)
    assert 990_000 <= len(table) <= 1_010_000
    assert table.true_scores.shape == (50_000, 3)
    assert {len(table.item), len(table.rater), len(table.criterion), len(table.duration_ms),
            len(table.noisy)} == {len(table)}


def test_rating_matrix_is_deterministic_and_within_the_scale():
    first = simulate_rating_matrix(500, 10, 2, overlap=3, scale=(0, 6), seed=2)
    second = simulate_rating_matrix(500, 10, 2, overlap=3, scale=(0, 6), seed=2)
    assert np.array_equal(first.value, second.value) and first.rater_kinds == second.rater_kinds
    assert first.value.min() >= 0 and first.value.max() <= 6


def test_rating_matrix_gives_each_item_distinct_raters():
    table = simulate_rating_matrix(2_000, 12, 1, overlap=4, seed=3)
    pairs = set(zip(table.item.tolist(), table.rater.tolist(), strict=True))
    assert len(pairs) == len(table) == 2_000 * 4


def test_rating_matrix_mixes_mostly_careful_raters():
    kinds = Counter(simulate_rating_matrix(100, 40, 1, seed=0).rater_kinds)
    assert kinds["careful"] == 32
    assert kinds["random"] == kinds["fast"] == kinds["straight_liner"] == kinds["harsh"] == 2
