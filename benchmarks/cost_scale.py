"""Scale benchmark of `minectl cost`: hourly metered rows -> full ledger + daily table.

Writes a synthetic hourly consumption parquet (default 20 million rows: 20 mines x 10 metered
activity/resource series x 100,000 hours, 1 % missing readings), then measures, each in its
own subprocess, the engines alternating (best wall time of --repeat runs each, largest peak
RSS of the process). The clock starts after each engine's imports, including the ones its
run would otherwise make on first use (pyarrow for DuckDB's result, numpy.ma for polars), and,
for minectl, the parsed cost config: it times the computation on both sides. The set-up time
is printed next to it, and any module still first imported inside the clock is named.

  duckdb  - the reference: a bare DuckDB read_parquet group-by (day, mine, activity, resource)
  minectl - minectl.costing.accounts.cost_accounts: eq 3 gap filling of the meters, daily
            consolidation, 3-sigma + threshold outliers, mean imputation, ledger q x p with
            time-varying prices, daily structure (C_t by category/stage, U_t, shares)

Target (issue #3): minectl within 1.2x DuckDB's time and 1.5x its peak RSS.
Usage: python benchmarks/cost_scale.py [--hours 100000] [--mines 20] [--missing 0.01] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

SERIES = [
    ("drilling", "electricity"), ("loading", "electricity"), ("loading", "diesel"), ("backfill", "electricity"),
    ("ventilation", "electricity"), ("drainage", "electricity"), ("hauling", "diesel"), ("hauling", "electricity"),
    ("processing", "electricity"), ("maintenance", "lubricants"),
]
START = "2010-01-01"


def write_inputs(folder: Path, mines: int, hours: int, missing: float, seed: int = 0) -> dict[str, str]:
    """Hourly meters (one parquet, rows grouped per series as a historian exports them),
    daily production and a monthly price table. Vectorised numpy/polars."""
    rng = np.random.default_rng(seed)
    mine_ids = [f"M{i:02d}" for i in range(mines)]
    n_series = mines * len(SERIES)
    stamps = pl.datetime_range(
        pl.lit(START).str.to_datetime(), pl.lit(START).str.to_datetime() + pl.duration(hours=hours - 1), "1h", eager=True
    )
    quantity = rng.gamma(4.0, 50.0, size=n_series * hours)
    quantity[rng.random(quantity.size) < missing] = np.nan
    series_of_row = np.repeat(np.arange(n_series), hours)
    hourly = pl.DataFrame(
        {
            "timestamp": np.tile(stamps.to_numpy(), n_series),
            "mine_id": pl.Series(mine_ids).gather(series_of_row // len(SERIES)),
            "activity": pl.Series([a for a, _ in SERIES]).gather(series_of_row % len(SERIES)),
            "resource": pl.Series([r for _, r in SERIES]).gather(series_of_row % len(SERIES)),
            "quantity": pl.Series(quantity).fill_nan(None),
        }
    )
    paths = {"hourly": str(folder / "consumption_hourly.parquet")}
    hourly.write_parquet(paths["hourly"])
    days = stamps.dt.date().unique().sort()
    production = pl.DataFrame(
        {
            "date": np.tile(days.to_numpy(), mines),
            "mine_id": pl.Series(mine_ids).gather(np.repeat(np.arange(mines), len(days))),
            "ore_t": rng.normal(15000.0, 2000.0, mines * len(days)).clip(0.0),
            "drilled_m": rng.normal(1900.0, 300.0, mines * len(days)).clip(0.0),
            "haul_km": 5.0,
        }
    )
    months = pl.date_range(days.min(), days.max(), "1mo", eager=True)
    prices = pl.concat(
        pl.DataFrame({"resource": r, "valid_from": months, "price": base * (1 + 0.02 * rng.standard_normal(len(months)))})
        for r, base in (("electricity", 0.62), ("diesel", 8.3), ("explosives", 11.0))
    )
    for name, frame in (("production", production), ("prices", prices)):
        paths[name] = str(folder / f"{name}.parquet")
        frame.write_parquet(paths[name])
    return paths


def setup_duckdb() -> object:
    import duckdb
    import pyarrow  # noqa: F401  (``.pl()`` hands the result over through Arrow: imported on first use)

    return duckdb


def run_duckdb(duckdb: object, paths: dict[str, str]) -> int:
    daily = duckdb.sql(
        f"select cast(timestamp as date) as date, mine_id, activity, resource, sum(quantity) as quantity "
        f"from read_parquet('{paths['hourly']}') group by all"
    ).pl()
    return daily.height


def setup_minectl() -> dict:
    """Imports and the parsed cost config: what a run has in hand before it reads data."""
    import numpy.ma  # noqa: F401  (polars imports it on its first numpy conversion)
    from omegaconf import OmegaConf

    from minectl.costing import CostMapping
    from minectl.costing.accounts import Preprocessing, bounds_from_config, cost_accounts

    conf = Path(__file__).resolve().parents[1] / "conf" / "costs" / "default.yaml"
    costs = OmegaConf.to_container(OmegaConf.load(conf), resolve=True)
    return {
        "run": cost_accounts,
        "mapping": CostMapping.from_dict(costs),
        "prep": Preprocessing(bounds=bounds_from_config(costs["thresholds"])),
        "intensities": {name: tuple(pair) for name, pair in costs["intensities"].items()},
    }


def run_minectl(setup: dict, paths: dict[str, str]) -> int:
    accounts = setup["run"](
        setup["mapping"],
        production=pl.scan_parquet(paths["production"]),
        consumption_hourly=pl.scan_parquet(paths["hourly"]),
        prices=pl.scan_parquet(paths["prices"]),
        prep=setup["prep"],
        intensities=setup["intensities"],
    )
    return accounts.ledger.height + accounts.daily.height


ENGINES = {"duckdb": (setup_duckdb, run_duckdb), "minectl": (setup_minectl, run_minectl)}


def child(which: str, paths_json: str) -> None:
    """Run one engine once in this (fresh) process; print its set-up time (imports, config),
    computation time, peak RSS and the modules first imported inside the clock (should be none) as JSON."""
    paths = json.loads(paths_json)
    setup, run = ENGINES[which]
    start = time.perf_counter()
    prepared = setup()
    modules = set(sys.modules)
    ready = time.perf_counter()
    rows = run(prepared, paths)
    seconds = time.perf_counter() - ready
    imported = sorted({m.split(".")[0] for m in set(sys.modules) - modules})
    # VmHWM: this process's peak RSS (ru_maxrss would carry the parent's peak over fork + exec)
    status = Path("/proc/self/status").read_text()
    peak_mb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    print(json.dumps({"seconds": seconds, "setup_seconds": ready - start, "peak_mb": peak_mb, "rows": rows, "imported": imported}))


def run_child(which: str, paths: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, json.dumps(paths)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(paths: dict[str, str], repeat: int) -> dict[str, dict]:
    """Both engines, alternating (a load change on a shared machine hits both): best time,
    largest peak RSS, and each run's time."""
    runs = {which: [] for which in ENGINES}
    for _ in range(repeat):
        for which in ENGINES:
            runs[which].append(run_child(which, paths))
    return {
        which: {
            "seconds": min(r["seconds"] for r in rs),
            "all_seconds": [r["seconds"] for r in rs],
            "setup_seconds": min(r["setup_seconds"] for r in rs),
            "peak_mb": max(r["peak_mb"] for r in rs),
            "rows": rs[0]["rows"],
            "imported": sorted({m for r in rs for m in r["imported"]}),
        }
        for which, rs in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mines", type=int, default=20)
    parser.add_argument("--hours", type=int, default=100_000)
    parser.add_argument("--missing", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = write_inputs(Path(tmp), args.mines, args.hours, args.missing)
        n_rows = args.mines * len(SERIES) * args.hours
        print(f"inputs: {n_rows:,} hourly rows ({args.missing:.1%} missing), written in {time.perf_counter() - start:.1f} s")
        results = measure(paths, args.repeat)
    ref, ours = results["duckdb"], results["minectl"]
    print(f"{'engine':<8} {'best s':>8} {'peak RSS MB':>12}  {'output rows':>11}  {'set-up s':>8}  every run, s")
    for which, r in results.items():
        every = " ".join(f"{s:.2f}" for s in r["all_seconds"])
        print(f"{which:<8} {r['seconds']:>8.2f} {r['peak_mb']:>12.0f}  {r['rows']:>11,}  {r['setup_seconds']:>8.2f}  {every}")
    for which, r in results.items():
        if r["imported"]:  # a module imported inside the clock times an import, not the computation
            print(f"{which}: modules first imported inside the clock: {', '.join(r['imported'])}")
    time_ratio, rss_ratio = ours["seconds"] / ref["seconds"], ours["peak_mb"] / ref["peak_mb"]
    # each minectl run against the DuckDB run just before it: robust to load changes on a shared machine
    paired = statistics.median(m / d for m, d in zip(ours["all_seconds"], ref["all_seconds"], strict=True))
    print(f"time ratio minectl/duckdb, best over best: {time_ratio:.2f}; median of paired runs: {paired:.2f}")
    print(f"time ratio (best) target <= 1.2: {'met' if time_ratio <= 1.2 else 'NOT met'}")
    print(f"peak RSS ratio minectl/duckdb: {rss_ratio:.2f} (target <= 1.5) {'met' if rss_ratio <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
