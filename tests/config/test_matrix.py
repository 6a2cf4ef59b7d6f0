"""The configuration matrix in CI: one end-to-end smoke per documented settings × database × broker.

Each cell is a fresh deployment on real processes (tests/matrix.py); under `pytest -n 2` (CI) two
cells run at a time. `python -m tests.matrix --parallel 2` runs the same cells and prints a table.
"""
import time

import pytest

from tests.matrix import CELLS, run_cell

pytestmark = [pytest.mark.integration, pytest.mark.matrix]


@pytest.mark.parametrize("cell", CELLS, ids=[cell.name for cell in CELLS])
def test_a_fresh_deployment_rates_checks_trains_and_scores(cell, tmp_path):
    started = time.monotonic()
    timing = run_cell(cell, tmp_path)
    print(f"\nmatrix cell {cell.name}: setup {timing['setup_s']:.1f} s, processes {timing['start_s']:.1f} s, "
          f"smoke {timing['smoke_s']:.1f} s, total {time.monotonic() - started:.1f} s")
