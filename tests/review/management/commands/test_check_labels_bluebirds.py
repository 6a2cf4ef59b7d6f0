"""Real data through `manage.py check_labels`: bluebirds (39 raters x 108 items, gold labels)."""
import csv
import json

import pytest
import yaml
from django.core.management import call_command

from tests.shared_data import BLUEBIRDS, require


@pytest.fixture(scope="module")
def bluebirds_report(tmp_path_factory):
    require(BLUEBIRDS)
    labels = yaml.safe_load((BLUEBIRDS / "labels.yaml").read_text())
    gold = {str(item): bool(value) for item, value in yaml.safe_load((BLUEBIRDS / "gt.yaml").read_text()).items()}
    folder = tmp_path_factory.mktemp("bluebirds")
    ratings = folder / "ratings.csv"
    with ratings.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "rater", "value"])
        for rater, answers in labels.items():
            writer.writerows((item, rater, str(value).lower()) for item, value in answers.items())
    out = folder / "report.json"
    call_command("check_labels", str(ratings), "--out", str(out), "--n-boot", "50")
    accuracy = {
        str(rater): sum(bool(v) == gold[str(item)] for item, v in answers.items()) / len(answers)
        for rater, answers in labels.items()
    }
    return json.loads(out.read_text()), gold, accuracy


def test_consensus_beats_majority_vote_by_a_wide_margin(bluebirds_report):
    report, gold, _ = bluebirds_report
    items = report["items"]
    assert len(items) == 108

    def error(key):
        return sum((item[key] == 1.0) != gold[str(item["item"])] for item in items) / len(items)

    assert error("majority") == pytest.approx(26 / 108)  # 24.07%, the published majority-vote error
    assert error("label") <= 0.13


def test_raters_worse_than_chance_are_the_least_reliable(bluebirds_report):
    report, _, accuracy = bluebirds_report
    raters = sorted(report["raters"], key=lambda r: r["reliability"])
    assert len(raters) == 39
    least = [str(r["rater"]) for r in raters]
    assert all(accuracy[name] < 0.5 for name in least[:4])
    assert {name for name, acc in accuracy.items() if acc < 0.45} <= set(least[:9])
