"""The model card's words and chart, from stored facts (no database)."""
from datetime import UTC, datetime

from training.web.card import learning_curve_chart, readiness_sentence

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CURVE = [{"n_labels": 60, "mae": 0.95}, {"n_labels": 120, "mae": 0.8}, {"n_labels": 240, "mae": 0.7}]
READY = {"target_mae": 0.5, "labels_now": 240, "labels_needed": 1240, "extra_labels": 1000, "extra_creatives": 334,
         "overlap": 3, "rater_hours": 2.5, "median_seconds_per_rating": 9.0, "reason": "power-law extrapolation"}


def test_the_chart_has_every_measured_point_a_fitted_curve_and_the_target_line() -> None:
    chart = learning_curve_chart(CURVE, target=0.5)
    assert [p["n"] for p in chart.points] == [60, 120, 240]
    assert len(chart.fit.split()) == 61 and chart.fit_formula.startswith("MAE")
    assert chart.target == 0.5 and chart.target_y is not None
    # A lower error is drawn higher: the y axis grows downward in SVG.
    assert chart.points[0]["y"] < chart.points[-1]["y"]
    assert chart.points[-1]["y"] < chart.target_y


def test_the_chart_has_ticks_from_zero_past_the_largest_value() -> None:
    chart = learning_curve_chart(CURVE, target=0.5)
    assert chart.x_ticks[0]["label"] == "0" and float(chart.x_ticks[-1]["label"]) >= 240
    assert chart.y_ticks[0]["label"] == "0" and float(chart.y_ticks[-1]["label"]) >= 0.95


def test_two_points_are_drawn_without_a_fit() -> None:
    chart = learning_curve_chart(CURVE[:2], target=0.5)
    assert len(chart.points) == 2 and chart.fit == ""


def test_readiness_gives_labels_rater_hours_and_a_date_at_the_recent_pace() -> None:
    text = readiness_sentence(READY, ratings_per_day=100.0, now=NOW)
    assert "1000 more" in text and "2.5 rater hours" in text and "9.0 s per rating" in text
    assert "about 10 days: around 2026-12-11" in text


def test_readiness_without_recent_ratings_says_no_date_can_be_given() -> None:
    text = readiness_sentence(READY, ratings_per_day=0.0, now=NOW)
    assert "No date can be given: there were no ratings in the last 14 days" in text


def test_readiness_that_cannot_be_extrapolated_says_why() -> None:
    stored = {"target_mae": 0.5, "labels_needed": None, "reason": "error does not fall with more labels"}
    assert "cannot be estimated yet: error does not fall with more labels" in readiness_sentence(
        stored, ratings_per_day=50.0, now=NOW)


def test_readiness_without_measured_durations_says_hours_cannot_be_estimated() -> None:
    text = readiness_sentence({**READY, "median_seconds_per_rating": None}, ratings_per_day=10.0, now=NOW)
    assert "rater hours cannot be estimated" in text
