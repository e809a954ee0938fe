"""The factor network plot is the same picture in every process: its layout starts from the
nodes' order, which must not follow Python's per-process string hashing."""

from __future__ import annotations

import os
import subprocess
import sys

DRAW = """
import sys, polars as pl
from minectl.factors.plots import plot_local_network
from minectl.factors.ranking import Hop
factors = [f"factor_{i}" for i in range(8)]
into = {"cost": [Hop(f, "cost", "drives", False, 0.1 + i / 10, 1 if i % 2 else -1, "declared", "test") for i, f in enumerate(factors)]}
ranking = pl.DataFrame({"factor": factors, "score": [i / 8 for i in range(8)]})
plot_local_network(into, ranking, "cost", max_hops=2, decay=0.5).savefig(sys.argv[1], format="png")
"""


def test_the_network_plot_is_the_same_picture_whatever_the_hash_seed(tmp_path):
    pictures = []
    for seed in ("1", "2", "3"):
        path = tmp_path / f"network_{seed}.png"
        subprocess.run([sys.executable, "-c", DRAW, str(path)], check=True, env={**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"})
        pictures.append(path.read_bytes())
    assert pictures[0] == pictures[1] == pictures[2]
