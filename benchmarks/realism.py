"""Realism and scale of the synthetic smart mine.

    python benchmarks/realism.py                # daily figures vs seed 000 Table 2, seeds 0-2
    python benchmarks/realism.py --scale        # also: write >= 20 M hourly rows, time and peak RSS

Realism: the default dataset (1 mine, 2 years) is costed with c = sum q * p (price valid from
its date, hourly gaps interpolated) and its daily figures are compared with seed 000 Table 2:
PASS when the mean is within 10 % and the standard deviation within 25 %.
Scale: write_dataset into a temporary folder (deleted afterwards), one mine in memory at a
time; the reference is the same work for one mine, measured in the same run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from minectl.costing.reference import MEAN_TOLERANCE, SD_TOLERANCE, compare_with_table2
from minectl.data.synth import generate, write_dataset
from minectl.data.synth_figures import daily_figures

# synthetic figure -> the cost task's daily-table column that compare_with_table2 reads
AS_DAILY_TABLE = {
    "total_cost": pl.col("total_cost").alias("cost"),
    "unit_cost": pl.col("unit_cost"),
    "kwh_per_t": pl.col("kwh_per_t"),
    "downtime_h": pl.col("downtime_h"),
    "maintenance_cost": pl.col("maintenance_cost").alias("cost_maintenance"),
    "material_cost": pl.col("material_cost").alias("cost_material"),
    "safety_env_cost": pl.col("safety_env_cost").alias("cost_safety_env"),
    "transport_share": (pl.col("transport_share") / 100.0).alias("share_stage_transport"),
}


def realism_table(seed: int) -> tuple[str, bool]:
    figures = daily_figures(generate(seed=seed))
    realism = compare_with_table2(figures.select(*AS_DAILY_TABLE.values()))
    lines = [
        f"seed {seed}: synthetic (1 mine, 2023-01-01..2024-12-31, {figures.height} days) vs seed 000 Table 2",
        f"{'feature':32s} {'mean':>7s} {'T2':>6s} {'err':>6s} {'sd':>6s} {'T2':>5s} {'err':>6s}"
        f" {'min':>6s} {'T2':>6s} {'max':>6s} {'T2':>6s}  verdict",
    ]
    for row in realism.iter_rows(named=True):
        lines.append(
            f"{row['label']:32s} {row['mean']:7.1f} {row['table_mean']:6.1f} {row['mean_err']:+6.1%} {row['sd']:6.2f}"
            f" {row['table_sd']:5.1f} {row['sd_err']:+6.1%} {row['min']:6.1f} {row['table_min']:6.1f}"
            f" {row['max']:6.1f} {row['table_max']:6.1f}  {'PASS' if row['within_bands'] else 'FAIL'}"
        )
    return "\n".join(lines), bool(realism["within_bands"].all())


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def scale_run(mines: int, years: float, meters: int) -> None:
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    one = generate(mines=1, years=years, meters_per_activity=meters)
    reference_s = time.perf_counter() - started
    one_mine_rows = one["consumption_hourly"].height
    bytes_per_row = one["consumption_hourly"].estimated_size() / one_mine_rows
    rss_one = peak_rss_mib()
    del one

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = write_dataset(Path(tmp) / "mine", mines=mines, years=years, meters_per_activity=meters)
        elapsed = time.perf_counter() - started
        rows = pl.scan_parquet(paths["consumption_hourly"] / "*.parquet").select(pl.len()).collect().item()
        disk = sum(p.stat().st_size for p in (Path(tmp) / "mine").rglob("*") if p.is_file())
    rss_after = peak_rss_mib()
    in_memory_mib = rows * bytes_per_row / 2**20
    print(f"\nscale: write_dataset(mines={mines}, years={years}, meters_per_activity={meters})")
    print(f"  hourly consumption rows     {rows:,}")
    print(f"  wall time                   {elapsed:.1f} s ({rows / elapsed / 1e6:.2f} M rows/s)")
    print(f"  reference, 1 mine generate  {reference_s:.2f} s for {one_mine_rows:,} rows"
          f" -> x{elapsed / (reference_s * mines):.2f} of {mines} x the one-mine time")
    print(f"  peak RSS                    {rss_after:.0f} MiB (before: {rss_before:.0f} MiB,"
          f" after the 1-mine reference: {rss_one:.0f} MiB)")
    print(f"  the hourly table alone in memory would take ~{in_memory_mib:.0f} MiB"
          f" -> peak RSS is {rss_after / in_memory_mib:.2f} of it")
    print(f"  on disk                     {disk / 2**20:.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--scale", action="store_true", help="also write >= 20 M hourly rows")
    parser.add_argument("--mines", type=int, default=164)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--meters", type=int, default=1)
    args = parser.parse_args()
    if args.scale:  # first, so that its peak RSS is not the realism part's
        scale_run(args.mines, args.years, args.meters)
    all_pass = True
    for seed in args.seeds:
        table, ok = realism_table(seed)
        all_pass &= ok
        print("\n" + table)
    print(f"\nrealism: {'PASS' if all_pass else 'FAIL'} (mean within {MEAN_TOLERANCE:.0%},"
          f" sd within {SD_TOLERANCE:.0%} of seed 000 Table 2)")
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
