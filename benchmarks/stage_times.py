"""CPU and wall seconds per stage of one minectl command, in its own process.

Wraps named functions (``module:function``, looked up where the caller finds them at call time)
with timers, runs the command as the CLI would, and prints each stage's CPU seconds (all
threads: steadier than wall time on a shared machine), wall seconds and calls, and the
process's peak RSS. Nested stages count in each wrapper. A cProfile run inflates Python-heavy
stages 2-5x; this does not (docs/performance.md).

Usage:
  python benchmarks/stage_times.py cost data=parquet_dir data.dir=FOLDER hydra.run.dir=/tmp/c
  python benchmarks/stage_times.py risk hydra.run.dir=/tmp/r
  python benchmarks/stage_times.py forecast hydra.run.dir=/tmp/f
  python benchmarks/stage_times.py --wrap minectl.risk.workflow:fit_model -- risk hydra.run.dir=/tmp/r
"""

from __future__ import annotations

import atexit
import functools
import importlib
import re
import sys
import time
from pathlib import Path

STAGES = {
    "cost": [
        "minectl.data:load_mine", "minectl.data.mine:validate_table", "minectl.costing.accounts:metered_daily",
        "minectl.features.resample:_scan_meters", "minectl.features.resample:_with_neighbours",
        "minectl.costing.accounts:_sensor_daily", "minectl.costing.accounts:impute_cycle_mean",
        "minectl.costing.accounts:build_ledger", "minectl.costing.accounts:daily_structure",
        "minectl.costing.pipeline:cost_accounts", "minectl.costing.pipeline:find_anomalies",
        "minectl.costing.pipeline:full_cost", "minectl.results:Run.table", "minectl.results:Run.plot",
    ],
    "risk": [
        "minectl.risk.workflow:fit_model", "minectl.risk.workflow:predict_scores", "minectl.risk.evaluate:classification_metrics",
        "minectl.risk.robustness:robustness_metrics", "minectl.risk.importance:indicator_importance",
        "minectl.risk.inputs:mine_source", "minectl.results:Run.plot",
    ],
    "forecast": [
        "minectl.forecast.backtest:fit_models", "minectl.forecast.backtest:backtest_models",
        "minectl.forecast.lstm:LSTMForecaster._fit", "minectl.forecast.models:ArimaForecaster._fit",
        "minectl.forecast.report:plot_forecast",
    ],
}
STAGES["demo"] = STAGES["cost"]
COMMON = ["minectl.cli:precheck", "minectl.runner:execute_job"]


def wrap(spec: str, totals: dict[str, list[float]]) -> None:
    """Replace ``module:attr`` (``module:Class.method``) by a timed version."""
    module, _, path = spec.partition(":")
    owner = importlib.import_module(module)
    *classes, name = path.split(".")
    for part in classes:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    totals[path] = [0.0, 0.0, 0]

    @functools.wraps(original)
    def timed(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            total = totals[path]
            total[0] += time.process_time() - cpu
            total[1] += time.perf_counter() - wall
            total[2] += 1

    setattr(owner, name, timed)


def main() -> None:
    argv = sys.argv[1:]
    extra = []
    while argv and argv[0] == "--wrap":
        extra.append(argv[1])
        argv = argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise SystemExit(__doc__)
    cpu, wall = time.process_time(), time.perf_counter()
    import minectl.cli

    totals: dict[str, list[float]] = {"import minectl.cli": [time.process_time() - cpu, time.perf_counter() - wall, 1]}
    for spec in [*COMMON, *STAGES.get(argv[0], []), *extra]:
        wrap(spec, totals)

    def report() -> None:
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024
        print(f"\n{' '.join(argv)}\n  whole process: cpu {time.process_time() - cpu:.2f} s, wall {time.perf_counter() - wall:.2f} s, "
              f"peak RSS {peak:.0f} MB", file=sys.stderr)
        for stage, (stage_cpu, stage_wall, calls) in totals.items():
            if calls:
                print(f"  {stage:34s} cpu {stage_cpu:7.2f} s  wall {stage_wall:7.2f} s  calls {calls}", file=sys.stderr)

    atexit.register(report)
    sys.argv = ["minectl", *argv]
    minectl.cli.main()


if __name__ == "__main__":
    main()
