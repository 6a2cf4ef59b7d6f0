"""fit_learning_curve: the power law the readiness estimate solves, for the card's chart."""
from training.ml import explain_labels_needed, fit_learning_curve


def test_the_fit_follows_points_of_a_power_law_and_agrees_with_the_labels_needed() -> None:
    points = [(n, 2.0 * n ** -0.5 + 0.1) for n in (50, 100, 200, 400)]
    a, b, c = fit_learning_curve(points)
    assert abs(a * 800 ** -b + c - (2.0 * 800 ** -0.5 + 0.1)) < 0.01
    needed = explain_labels_needed(points, 0.15).n_labels
    assert abs(a * needed ** -b + c - 0.15) < 0.005


def test_fewer_than_three_points_have_no_fit() -> None:
    assert fit_learning_curve([(10, 0.5), (20, 0.4)]) is None
