"""Company-scale benchmark of the command a user runs: `minectl cost data=parquet_dir` end to end.

Generates the synthetic company once per scale (`minectl data synth --mines N`: 2 years, hourly
meters and sensors, one parquet part per mine), then times whole processes, alternating, best
and median of --repeat runs each, with each process's peak RSS (the kernel's ru_maxrss of that
child):

  minectl - `python -m minectl.cli cost data=parquet_dir data.dir=FOLDER` end to end: start-up,
            Hydra, the data contract, meters and sensors to daily, cleaning, ledger, daily
            structure, anomalies, tables, plots, provenance
  duckdb  - the reference: one process reads the same hourly meters and sensors, groups them
            by mine/day(/activity/resource), results to Arrow
  contract - minectl.data.load_mine alone (the data contract's checks), timed inside its process
            after the imports: its share of the end-to-end time

Same results: each minectl run's metrics.json, ledger and daily table are compared bit for bit
with the first run's and, with --baseline SRC (a source tree of the previous implementation,
e.g. `git archive HEAD~1 | tar -x -C /tmp/base`), with that implementation's run of the same
command (timed once: its wall time and peak RSS are printed as "before").

--scales 1,2,4,8 repeats the measurement at that many times --mines (more mines) and prints the
scaling table: time per million hourly rows (the slope of a least-squares line) and peak memory
(flat when the hourly rows are streamed, not held).

Targets (issue #20): minectl <= 3x DuckDB's wall time, <= 1.0 GB peak RSS; contract <= 20 %.
Usage: python benchmarks/cost_company.py [--mines 164] [--repeat 3] [--scales 1] [--baseline SRC] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

TABLES = ("ledger", "daily")

DUCKDB = """
import sys, duckdb, pyarrow
folder = sys.argv[1]
meters = duckdb.sql(f"select cast(timestamp as date) as date, mine_id, activity, resource, sum(quantity) as quantity "
                    f"from read_parquet('{folder}/consumption_hourly/*.parquet') group by all").arrow().read_all()
sensors = duckdb.sql(f"select cast(timestamp as date) as date, mine_id, avg(columns(* exclude (timestamp, mine_id))) "
                     f"from read_parquet('{folder}/sensors/*.parquet') group by all").arrow().read_all()
print(meters.num_rows, sensors.num_rows)
"""

CONTRACT = """
import sys, time
from minectl.data import load_mine
start = time.perf_counter()
load_mine(dir=sys.argv[1])
print(time.perf_counter() - start)
"""


def timed(command: list[str], env: dict | None = None) -> dict:
    """Run ``command`` to the end: wall seconds, CPU seconds (user + system, all threads: steadier
    than wall time on a shared machine), the child's peak RSS in MB, its last stdout line."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        # outside the checkout: `python -m` puts the working directory first on sys.path (a --baseline tree wins)
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{text[-2000:]}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "last": text.strip().splitlines()[-1] if text.strip() else ""}


def synth(folder: Path, mines: int) -> int:
    """The synthetic company of ``mines`` mines (2 years); its hourly meter rows."""
    if not (folder / "synth.json").exists():
        subprocess.run([sys.executable, "-m", "minectl.cli", "data", "synth", "--mines", str(mines), "--out", str(folder)],
                       check=True, capture_output=True, cwd=tempfile.gettempdir())
    return pl.scan_parquet(folder / "consumption_hourly" / "*.parquet").select(pl.len()).collect().item()


def minectl_cost(folder: Path, run_dir: Path, src: Path | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    shutil.rmtree(run_dir, ignore_errors=True)
    command = [sys.executable, "-m", "minectl.cli", "cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run_dir}"]
    return timed(command, env)


def same_results(reference: Path, run: Path) -> bool:
    """metrics.json and the ledger and daily tables of two runs, bit for bit."""
    if json.loads((reference / "metrics.json").read_text()) != json.loads((run / "metrics.json").read_text()):
        return False
    for table in TABLES:
        try:
            assert_frame_equal(pl.read_parquet(reference / "tables" / f"{table}.parquet"),
                               pl.read_parquet(run / "tables" / f"{table}.parquet"), check_exact=True)
        except AssertionError:
            return False
    return True


def measure(folder: Path, work: Path, repeat: int, baseline: Path | None) -> dict:
    """Both engines alternating, ``repeat`` times; the contract once per repeat; the baseline once."""
    runs: dict[str, list[dict]] = {"minectl": [], "duckdb": [], "contract": []}
    same = True
    for i in range(repeat):
        run_dir = work / f"run{i}"
        runs["minectl"].append(minectl_cost(folder, run_dir))
        runs["duckdb"].append(timed([sys.executable, "-c", DUCKDB, str(folder)]))
        runs["contract"].append(timed([sys.executable, "-c", CONTRACT, str(folder)]))
        same &= i == 0 or same_results(work / "run0", run_dir)  # the same bits every run
    result = {
        which: {
            "best": min(r["seconds"] for r in rs),
            "median": statistics.median(r["seconds"] for r in rs),
            "cpu": min(r["cpu"] for r in rs),
            "peak_mb": max(r["peak_mb"] for r in rs),
        }
        for which, rs in runs.items()
    }
    result["contract"]["inside"] = min(float(r["last"]) for r in runs["contract"])
    result["repeatable"] = same
    if baseline is not None:
        result["before"] = minectl_cost(folder, work / "before", baseline)
        result["same_as_before"] = same_results(work / "before", work / "run0")
    return result


def report(mines: int, rows: int, r: dict) -> None:
    m, d, c = r["minectl"], r["duckdb"], r["contract"]
    print(f"\n{mines} mines, {rows:,} hourly meter rows; best (median) of the runs, peak RSS")
    print(f"  minectl cost, end to end  {m['best']:7.2f} s ({m['median']:.2f})  {m['peak_mb']:7.0f} MB  cpu {m['cpu']:.2f} s")
    print(f"  duckdb aggregation        {d['best']:7.2f} s ({d['median']:.2f})  {d['peak_mb']:7.0f} MB  cpu {d['cpu']:.2f} s")
    if "before" in r:
        b = r["before"]
        print(f"  before (--baseline), once {b['seconds']:7.2f} s          {b['peak_mb']:7.0f} MB  cpu {b['cpu']:.2f} s")
    ratio, share = m["best"] / d["best"], c["inside"] / m["best"]
    print(f"  time ratio minectl/duckdb (best): {ratio:.2f}  (target <= 3: {'met' if ratio <= 3 else 'NOT met'}); "
          f"cpu ratio {m['cpu'] / d['cpu']:.2f}")
    print(f"  peak RSS {m['peak_mb'] / 1024:.2f} GB  (target <= 1.0 GB: {'met' if m['peak_mb'] <= 1024 else 'NOT met'})")
    print(f"  data contract (load_mine) {c['inside']:.2f} s = {share:.0%} of end to end  "
          f"(target <= 20 %: {'met' if share <= 0.2 else 'NOT met'})")
    same = r["repeatable"] and r.get("same_as_before", True)
    against = "the previous implementation (--baseline) and " if "before" in r else ""
    print(f"  same results: {'yes' if same else 'no'}  (metrics, ledger, daily: bit for bit against {against}every repeat)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mines", type=int, default=164)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="1", help="comma-separated multiples of --mines, e.g. 1,2,4,8")
    parser.add_argument("--baseline", type=Path, help="source tree of the previous implementation: bit-for-bit comparison")
    parser.add_argument("--keep", type=Path, help="keep the generated data here (reused when present)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="cost_company_"))
    table = []
    try:
        for scale in scales:
            mines = args.mines * scale
            folder = root / f"synth{mines}"
            start = time.perf_counter()
            rows = synth(folder, mines)
            print(f"data: {mines} mines, {rows:,} hourly rows ({time.perf_counter() - start:.0f} s to generate or find)")
            result = measure(folder, root / f"runs{mines}", args.repeat, args.baseline)
            report(mines, rows, result)
            table.append((scale, rows, result))
            shutil.rmtree(root / f"runs{mines}", ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if len(table) > 1:
        print("\nscaling (best of the runs)")
        print(f"  {'scale':>5} {'hourly rows':>12} {'minectl s':>10} {'peak MB':>8} {'duckdb s':>9} {'ratio':>6}")
        for scale, rows, r in table:
            print(f"  {scale:>5} {rows:>12,} {r['minectl']['best']:>10.2f} {r['minectl']['peak_mb']:>8.0f} "
                  f"{r['duckdb']['best']:>9.2f} {r['minectl']['best'] / r['duckdb']['best']:>6.2f}")
        millions = np.array([rows for _, rows, _ in table]) / 1e6
        slope, intercept = np.polyfit(millions, [r["minectl"]["best"] for _, _, r in table], 1)
        peaks = [r["minectl"]["peak_mb"] for _, _, r in table]
        growth = scales[-1] // scales[0]
        print(f"  time: {slope:.2f} s per million hourly rows + {intercept:.2f} s fixed; "
              f"peak memory: {min(peaks):.0f}-{max(peaks):.0f} MB ({max(peaks) / min(peaks):.2f}x over {growth}x the data)")


if __name__ == "__main__":
    main()
