"""Consensus on real crowd data with gold answers, and on the simulator's regimes, against baselines.

One run prints, per data set: accuracy (nominal) or MAE and Pearson r (graded) of the project's
default consensus (`review.quality.consensus_estimate`, method "auto") beside the plain baseline
(majority vote / plain mean) and crowd-kit's methods, with seconds, and a paired test of the
project against the baseline: exact McNemar on per-item correctness, Wilcoxon signed-rank on
per-item absolute errors. "worse" in the last column means significantly worse (p < 0.05).

Data sets
- Nominal, from ../shared/data (read only): bluebirds (Welinder et al. 2010) and the three
  truth-inference sets of Zheng et al. 2017 (product_matching, dog_data,
  face_sentiment_identification); see their READMEs. Any other folder of the same shape, or of
  `label.csv` (item, worker, label) + `truth.csv` (item, truth), is added with
  BENCH_NOMINAL_DIRS=a:b and reported twice, as categories and as an ordinal scale (accuracy of
  the nearest category): the 4-level content ratings of Ipeirotis et al. 2010 (825 raters, 333
  gold sites, 92,721 labels) are read this way; bench/data/adult_content/README.md says where the
  public copies are and why they are not in this repository.
- Graded, public, with gold answers, converted into bench/data/snow2008 (see its README): Snow,
  O'Connor, Jurafsky and Ng, "Cheap and Fast - But is it Good?" (EMNLP 2008), Amazon Mechanical
  Turk ratings with expert gold:
    * anger: 100 news headlines, anger intensity 0..100, 10 raters each, gold = mean of 6 experts
      (SemEval-2007 Affective Text);
    * valence: the same 100 headlines, valence -100..100, 10 raters each, expert gold;
    * wordsim: 30 word pairs, similarity 0..10, 10 raters each, gold = Miller & Charles (1991)
      on 0..4 (MAE is measured against gold x 2.5; Pearson r is scale-free);
    * disgust: the anger headlines' disgust intensity 0..100, 10 raters each, expert gold.
  More graded sets of the same shape (CSV with item, rater, value, gold) can be added without
  committing them, for data whose licence forbids redistribution: BENCH_GRADED_CSV=a.csv:b.csv.
- Simulator (demo/simulator.py, 1..5 scale, truth known): the regimes of real teams (few raters
  with few labels each, heavy-tailed activity, homogeneous careful raters, one spammer among
  careful raters, the default mix of problem raters).

Peers: crowd-kit runs in its own virtual environment, never a project dependency:
    python3 -m venv bench/.peers && bench/.peers/bin/pip install -r bench/peers-requirements.txt
Without it the peers' columns say "-". Run: .venv/bin/python bench/bench_consensus_real.py
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import binomtest, pearsonr, wilcoxon

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.simulator import simulate_rating_matrix  # noqa: E402
from review.quality import consensus_estimate, majority_vote, mean_consensus  # noqa: E402

SHARED = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
               if p.exists()), ROOT.parent / "shared" / "data")
SNOW = ROOT / "bench" / "data" / "snow2008"
PEERS_PYTHON = ROOT / "bench" / ".peers" / "bin" / "python"
NOMINAL_PEERS = ("wawa", "dawid_skene", "one_coin_ds")
# Peers on graded data treat each scale point as a class: only sensible for short scales.
GRADED_PEERS = ("dawid_skene",)
MAX_PEER_CLASSES = 11


@dataclass
class Labels:
    """Long labels coded 0..n-1, with gold per item (NaN where none) and the task's kind."""

    name: str
    items: np.ndarray
    raters: np.ndarray
    values: np.ndarray
    gold: np.ndarray
    graded: bool
    gold_scale: float = 1.0
    # Level the project's consensus is asked for (accuracy is then of its rounded value).
    level: str = "nominal"

    @property
    def n_items(self) -> int:
        return self.gold.size

    @property
    def n_raters(self) -> int:
        return int(self.raters.max()) + 1


def main() -> None:
    peers = PEERS_PYTHON.exists()
    if not peers:
        print("crowd-kit peers not installed (see the docstring): their columns show '-'")
    print(f"{'data set':30s} {'labels':>7s} {'project':>16s} {'baseline':>16s} "
          f"{'crowd-kit':>40s}  paired test")
    for data in _nominal_sets():
        _report_nominal(data, peers)
    for data in _graded_sets():
        _report_graded(data, peers)


# --- loading ---------------------------------------------------------------------------------


def _coded(name, item, rater, value, gold_by_item, *, graded, gold_scale=1.0) -> Labels:
    item_ids, items = np.unique(np.asarray(item), return_inverse=True)
    _, raters = np.unique(np.asarray(rater), return_inverse=True)
    gold = np.array([gold_by_item.get(i, np.nan) for i in item_ids.tolist()], dtype=float)
    return Labels(name, items, raters, np.asarray(value, dtype=float), gold * gold_scale, graded,
                  gold_scale)


def _nominal_sets():
    blue = SHARED / "bluebirds"
    if blue.exists():
        labels = yaml.safe_load((blue / "labels.yaml").read_text())
        gold = {str(k): float(v) for k, v in yaml.safe_load((blue / "gt.yaml").read_text()).items()}
        rows = [(str(item), rater, float(v)) for rater, answers in labels.items()
                for item, v in answers.items()]
        yield _coded("bluebirds", *zip(*rows, strict=True), gold, graded=False)
    for folder in sorted((SHARED / "crowd").glob("*/")):
        yield _folder_set(folder)
    for path in os.environ.get("BENCH_NOMINAL_DIRS", "").split(":"):
        if path:
            labels = _folder_set(Path(path))
            yield labels
            # Ordered categories (such as G < P < R < X): the same labels as an ordinal scale.
            yield Labels(f"{labels.name} (ordinal)", labels.items, labels.raters, labels.values,
                         labels.gold, graded=False, level="ordinal")


def _folder_set(folder: Path) -> Labels:
    """answer.csv (question, worker, answer) or label.csv (item, worker, label), and truth.csv."""
    if (folder / "answer.csv").exists():
        rows, (item, value) = list(csv.DictReader((folder / "answer.csv").open())), ("question", "answer")
    else:
        rows, (item, value) = list(csv.DictReader((folder / "label.csv").open())), ("item", "label")
    truth = {r[item]: float(r["truth"]) for r in csv.DictReader((folder / "truth.csv").open())}
    return _coded(folder.name, [r[item] for r in rows], [r["worker"] for r in rows],
                  [float(r[value]) for r in rows], truth, graded=False)


def _graded_sets():
    files = [(f"snow2008/{p.stem}", p) for p in sorted(SNOW.glob("*.csv"))]
    files += [(Path(p).stem, Path(p)) for p in os.environ.get("BENCH_GRADED_CSV", "").split(":") if p]
    for name, path in files:
        rows = list(csv.DictReader(path.open()))
        gold = {r["item"]: float(r["gold"]) for r in rows if r.get("gold") not in (None, "")}
        scale = 2.5 if name.endswith("wordsim") else 1.0  # Miller & Charles 0..4 onto 0..10
        yield _coded(name, [r["item"] for r in rows], [r["rater"] for r in rows],
                     [float(r["value"]) for r in rows], gold, graded=True, gold_scale=scale)
    for name, kinds, n_items, keep in _regimes():
        yield _simulated(name, kinds, n_items, keep)


def _regimes():
    careful = ["careful"]
    problems = ["random", "fast", "straight_liner", "harsh"]
    return [
        ("sim: few raters, few labels", careful * 4 + ["harsh"], 40, None),
        ("sim: heavy-tailed activity", careful * 24 + problems * 2, 600, "pareto"),
        ("sim: homogeneous careful", careful * 10, 400, None),
        ("sim: one spammer among careful", careful * 7 + ["random"], 400, None),
        ("sim: default mix", careful * 16 + problems * 1, 600, None),
    ]


def _simulated(name, kinds, n_items, keep, seed=0) -> Labels:
    table = simulate_rating_matrix(n_items, len(kinds), 1, overlap=3, seed=seed, rater_kinds=kinds)
    items, raters, values = table.item.astype(int), table.rater.astype(int), table.value.astype(float)
    if keep == "pareto":
        # A few raters do most of the work: keep each rater's labels with a Pareto-drawn share.
        rng = np.random.default_rng(seed + 1)
        share = np.minimum(1.0, (rng.pareto(1.2, len(kinds)) + 0.05) / 2.0)
        kept = rng.random(items.size) < share[raters]
        items, raters, values = items[kept], raters[kept], values[kept]
    gold = {i: float(table.true_scores[i, 0]) for i in range(n_items)}
    return _coded(name, items, raters, values, gold, graded=True)


# --- measuring -------------------------------------------------------------------------------


def _project(data: Labels):
    start = time.perf_counter()
    fit = consensus_estimate(items=data.items, raters=data.raters, values=data.values,
                             n_items=data.n_items, n_raters=data.n_raters,
                             level="ordinal" if data.graded else data.level)
    return fit, time.perf_counter() - start


def _category_labels(fit, data: Labels) -> np.ndarray:
    """The consensus as a category: the nearest observed value to an ordinal consensus."""
    if data.level == "nominal":
        return fit.label
    categories = np.unique(data.values)
    nearest = np.abs(fit.value[:, None] - categories[None, :]).argmin(axis=1)
    return np.where(np.isfinite(fit.value), categories[nearest], np.nan)


def _report_nominal(data: Labels, peers: bool) -> None:
    fit, seconds = _project(data)
    has_gold = np.isfinite(data.gold)
    mv = majority_vote(items=data.items, values=data.values, n_items=data.n_items)
    ours = _category_labels(fit, data)[has_gold] == data.gold[has_gold]
    base = mv[has_gold] == data.gold[has_gold]
    peer_text = _peer_text(data, NOMINAL_PEERS, peers, lambda lab: np.mean(lab[has_gold] ==
                                                                           data.gold[has_gold]))
    better, worse = int(np.sum(ours & ~base)), int(np.sum(~ours & base))
    p = binomtest(better, better + worse).pvalue if better + worse else 1.0
    verdict = _verdict(better > worse, better < worse, p)
    note = "" if fit.converged else f" (did not converge in {fit.n_iter})"
    print(f"{data.name:30s} {data.values.size:7d} {f'acc {ours.mean():.4f} ({seconds:.1f}s)':>16s} "
          f"{f'MV {base.mean():.4f}':>16s} {peer_text:>40s}  McNemar +{better}/-{worse} "
          f"p={p:.2g} {verdict}{note}")


def _report_graded(data: Labels, peers: bool) -> None:
    fit, seconds = _project(data)
    has_gold = np.isfinite(data.gold)
    gold = data.gold[has_gold]
    mean = mean_consensus(items=data.items, values=data.values, n_items=data.n_items)[has_gold]
    ours = fit.value[has_gold]
    err_ours, err_mean = np.abs(ours - gold), np.abs(mean - gold)
    diff = err_ours - err_mean
    tied = np.abs(diff) < 1e-9 * max(float(np.ptp(data.values)), 1.0)
    p = wilcoxon(err_ours[~tied], err_mean[~tied]).pvalue if (~tied).sum() >= 10 else 1.0
    verdict = _verdict(err_ours.mean() < err_mean.mean(), err_ours.mean() > err_mean.mean(), p)
    n_classes = np.unique(data.values).size
    peer_text = _peer_text(data, GRADED_PEERS, peers and n_classes <= MAX_PEER_CLASSES,
                           lambda lab: np.mean(np.abs(lab[has_gold] - gold)))
    print(f"{data.name:30s} {data.values.size:7d} "
          f"{f'MAE {err_ours.mean():.3f} r {pearsonr(ours, gold)[0]:.3f}':>16s} "
          f"{f'MAE {err_mean.mean():.3f} r {pearsonr(mean, gold)[0]:.3f}':>16s} "
          f"{peer_text:>40s}  Wilcoxon +{int(np.sum(~tied & (diff < 0)))}/-{int(np.sum(~tied & (diff > 0)))} "
          f"p={p:.2g} {verdict} (strength {fit.strength:g}, {seconds:.2f}s)")


def _verdict(better: bool, worse: bool, p: float) -> str:
    if p >= 0.05:
        return "tie"
    return "better" if better else ("worse" if worse else "tie")


def _peer_text(data: Labels, methods, enabled: bool, score) -> str:
    if not enabled:
        return "-"
    results = _run_peers(data, methods)
    parts = []
    for method in methods:
        labels = np.full(data.n_items, np.nan)
        for task, value in results[method]["labels"].items():
            labels[int(task)] = value
        parts.append(f"{method} {score(labels):.4g} ({results[method]['seconds']:.1f}s)")
    return ", ".join(parts)


def _run_peers(data: Labels, methods) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(["task", "worker", "label"])
        writer.writerows(zip(data.items.tolist(), data.raters.tolist(), data.values.tolist(),
                             strict=True))
    try:
        output = subprocess.run([str(PEERS_PYTHON), str(ROOT / "bench" / "peers_crowdkit.py"),
                                 handle.name, *methods], check=True, capture_output=True,
                                text=True, timeout=600).stdout
    finally:
        os.unlink(handle.name)
    return json.loads(output)


if __name__ == "__main__":
    main()
