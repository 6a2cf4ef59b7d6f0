"""Run crowd-kit's aggregators on one label file; called by bench_consensus_real.py in the peers venv.

Usage: bench/.peers/bin/python bench/peers_crowdkit.py LABELS.csv METHOD [METHOD ...]
LABELS.csv has columns task, worker, label. Prints JSON {method: {"seconds", "labels": {task: label}}}.
Lives outside the project's dependencies: see bench/peers-requirements.txt.
"""

import json
import sys
import time

import pandas as pd
from crowdkit.aggregation import MACE, DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa

FACTORIES = {
    "majority_vote": MajorityVote,
    "wawa": Wawa,
    "dawid_skene": lambda: DawidSkene(n_iter=100),
    "one_coin_ds": OneCoinDawidSkene,
    "mace": MACE,
}


def main() -> None:
    path, methods = sys.argv[1], sys.argv[2:]
    frame = pd.read_csv(path, dtype={"task": str, "worker": str})
    result = {}
    for method in methods:
        start = time.perf_counter()
        labels = FACTORIES[method]().fit_predict(frame)
        result[method] = {"seconds": time.perf_counter() - start,
                          "labels": {str(k): float(v) for k, v in labels.items()}}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
