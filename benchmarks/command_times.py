"""CPU and wall seconds of one minectl command as a whole process, against the previous
implementation, with its figures compared bit for bit.

Runs `python -m minectl.cli COMMAND [overrides]` --repeat times, alternating with the same
command on a --baseline source tree (e.g. `git archive HEAD | tar -x -C /tmp/base`, before the
change), each into its own run folder, and prints best and median wall seconds, CPU seconds
(user + system of the process and its threads: steadier than wall time on a shared machine)
and peak RSS of each. Same results: every run's metrics.json (less its timing keys) and every
tables/*.parquet, bit for bit, against the first run of this tree and the baseline's runs.

  python benchmarks/command_times.py --baseline /tmp/base --repeat 3 risk
  python benchmarks/command_times.py --baseline /tmp/base risk model=lr risk.save_model=false
  python benchmarks/command_times.py --baseline /tmp/base forecast
  python benchmarks/command_times.py cost data=parquet_dir data.dir=FOLDER     # no baseline: repeatability only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import polars as pl
from cost_company import timed  # benchmarks/ is the script's folder: first on sys.path
from polars.testing import assert_frame_equal

from minectl.results import is_timing


def run(args: list[str], run_dir: Path, src: Path | None) -> dict:
    shutil.rmtree(run_dir, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    return timed([sys.executable, "-m", "minectl.cli", *args, f"hydra.run.dir={run_dir}"], env)


def figures(run_dir: Path) -> tuple[dict, dict[str, pl.DataFrame]]:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    tables = {p.name: pl.read_parquet(p) for p in sorted((run_dir / "tables").glob("*.parquet"))}
    tables = {name: table.drop([c for c in table.columns if is_timing(c)]) for name, table in tables.items()}  # schedule's seconds
    return {k: v for k, v in metrics.items() if not is_timing(k)}, tables


def differences(reference: Path, other: Path) -> list[str]:
    """What differs between two runs' figures: metric keys and table names (empty: the same bits)."""
    (metrics_a, tables_a), (metrics_b, tables_b) = figures(reference), figures(other)
    found = [f"metric {k}" for k in sorted(set(metrics_a) | set(metrics_b)) if metrics_a.get(k) != metrics_b.get(k)]
    for name in sorted(set(tables_a) | set(tables_b)):
        try:
            assert_frame_equal(tables_a[name], tables_b[name], check_exact=True)
        except (KeyError, AssertionError):
            found.append(f"table {name}")
    return found


def summary(label: str, runs: list[dict]) -> str:
    wall, cpu = [r["seconds"] for r in runs], [r["cpu"] for r in runs]
    return (f"  {label:<9} wall {min(wall):6.2f} s ({statistics.median(wall):.2f})   cpu {min(cpu):6.2f} s "
            f"({statistics.median(cpu):.2f})   peak RSS {max(r['peak_mb'] for r in runs):5.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="source tree of the previous implementation")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command and its overrides, e.g. risk model=lr")
    args = parser.parse_args()
    if not args.command:
        raise SystemExit(__doc__)
    work = Path(tempfile.mkdtemp(prefix="command_times_"))
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    found: list[str] = []
    try:
        for i in range(args.repeat):
            if args.baseline is not None:
                runs["before"].append(run(args.command, work / f"before{i}", args.baseline.resolve()))
                found += differences(work / "after0", work / f"before{i}") if i else []
            runs["after"].append(run(args.command, work / f"after{i}", None))
            found += differences(work / "after0", work / f"after{i}") if i else []
        if args.baseline is not None:
            found += differences(work / "after0", work / "before0")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"minectl {' '.join(args.command)}: best (median) of {args.repeat}, alternating")
    for label, measured in runs.items():
        if measured:
            print(summary(label, measured))
    if runs["before"]:
        before, after = min(r["cpu"] for r in runs["before"]), min(r["cpu"] for r in runs["after"])
        print(f"  cpu after / before: {after / before:.2f}")
    against = "the baseline and " if args.baseline is not None else ""
    print(f"  same results: {'yes' if not found else 'no'} (metrics.json less timing keys, every table: bit for bit against "
          f"{against}every repeat)" + (f"; differs: {', '.join(sorted(set(found)))}" if found else ""))


if __name__ == "__main__":
    main()
