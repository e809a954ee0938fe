"""hydra/launcher=ray (a local cluster the launcher starts) and hydra/launcher=ray_cluster (one
already running): the same summary.parquet and metrics as the basic launcher, failed jobs
listed, not a traceback. Slow (a Ray start is ~10 s); skipped without the ray extra
(pip install -e ".[ray]")."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
                       reason="the ray extra is not installed (pip install -e '.[ray]': hydra-ray-launcher, ray)"),
]
SWEEP = ["capacity", "-m", "debug=quick", "seed=1,2,3", "objective=capacity.optimal_mt_a"]
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}


def minectl(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minectl.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=900, env=ENV)


def metrics(sweep: Path) -> list[dict]:
    return [json.loads((sweep / str(job) / "metrics.json").read_text()) for job in range(3)]


def test_a_sweep_on_a_local_ray_cluster_equals_the_basic_launcher(tmp_path):
    ray, basic = tmp_path / "ray", tmp_path / "basic"
    done = minectl(*SWEEP, "hydra/launcher=ray", "hydra.launcher.ray.init.address=local", "+hydra.launcher.ray.init.num_cpus=2",
                   f"hydra.sweep.dir={ray}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert minectl(*SWEEP, f"hydra.sweep.dir={basic}").returncode == 0
    assert metrics(ray) == metrics(basic)
    summary = pl.read_parquet(ray / "summary.parquet")
    assert summary.equals(pl.read_parquet(basic / "summary.parquet"))
    assert summary["status"].to_list() == ["ok"] * 3 and (ray / "report.html").is_file()


@pytest.fixture
def running_cluster(tmp_path):
    """`ray start --head --block` on 2 CPUs; stopped (its own processes only) at the end."""
    ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    head = subprocess.Popen([ray, "start", "--head", "--block", "--num-cpus=2", "--include-dashboard=false",
                             "--disable-usage-stats"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=ENV, start_new_session=True)
    deadline = time.monotonic() + 120
    for line in head.stdout:  # ready once it says how to stop it
        if "ray stop" in line or time.monotonic() > deadline:
            break
    try:
        yield
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # the head's process group: the processes this fixture started
        head.wait(timeout=60)


def test_the_cluster_preset_joins_a_running_cluster_and_lists_a_failed_job(running_cluster, tmp_path):
    plain = minectl(*SWEEP, "hydra/launcher=ray", "hydra.launcher.ray.init.address=auto", f"hydra.sweep.dir={tmp_path / 'plain'}")
    assert plain.returncode != 0 and "object_store_memory must not be provided" in plain.stderr  # why the preset exists
    sweep = tmp_path / "cluster"
    done = minectl("capacity", "-m", "debug=quick", "seed=1,2,3", "objective=capacity.optimal_mt_a,capacity.nope",
                   "hydra/launcher=ray_cluster", f"hydra.sweep.dir={sweep}")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["status"].to_list() == ["ok", "failed"] * 3
    assert summary["error"][1].startswith("objective=capacity.nope is not a metric of this run")
    assert summary.filter(pl.col("status") == "ok")["capacity.optimal_mt_a"].n_unique() == 1
