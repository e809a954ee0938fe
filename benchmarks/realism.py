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

from minectl.data.synth import generate, write_dataset
from minectl.data.synth_figures import daily_figures

TABLE_2 = {  # feature: (label, mean, sd, min, max); money in 10,000 CNY per day
    "total_cost": ("daily total cost / 10k CNY", 128.6, 18.4, 96.2, 176.5),
    "unit_cost": ("unit cost / CNY per t", 83.7, 11.5, 61.4, 109.8),
    "kwh_per_t": ("electricity / kWh per t", 18.9, 2.6, 14.3, 25.1),
    "downtime_h": ("failure downtime / h per d", 2.4, 1.3, 0.3, 6.8),
    "maintenance_cost": ("maintenance spares / 10k CNY", 9.7, 3.1, 4.2, 18.6),
    "material_cost": ("explosives+material / 10k CNY", 22.5, 4.9, 14.8, 36.2),
    "safety_env_cost": ("safety+environment / 10k CNY", 6.1, 1.4, 3.5, 10.2),
    "transport_share": ("transport cost ratio / %", 21.8, 4.2, 14.9, 31.7),
}
IN_10K_CNY = {"total_cost", "maintenance_cost", "material_cost", "safety_env_cost"}
MEAN_TOLERANCE, SD_TOLERANCE = 0.10, 0.25


def realism_table(seed: int) -> tuple[str, bool]:
    figures = daily_figures(generate(seed=seed))
    lines = [
        f"seed {seed}: synthetic (1 mine, 2023-01-01..2024-12-31, {figures.height} days) vs seed 000 Table 2",
        f"{'feature':32s} {'mean':>7s} {'T2':>6s} {'err':>6s} {'sd':>6s} {'T2':>5s} {'err':>6s}"
        f" {'min':>6s} {'T2':>6s} {'max':>6s} {'T2':>6s}  verdict",
    ]
    all_pass = True
    for name, (label, mean, sd, low, high) in TABLE_2.items():
        values = figures[name] / (1e4 if name in IN_10K_CNY else 1.0)
        got_mean, got_sd = values.mean(), values.std()
        mean_err, sd_err = got_mean / mean - 1.0, got_sd / sd - 1.0
        ok = abs(mean_err) <= MEAN_TOLERANCE and abs(sd_err) <= SD_TOLERANCE
        all_pass &= ok
        lines.append(
            f"{label:32s} {got_mean:7.1f} {mean:6.1f} {mean_err:+6.1%} {got_sd:6.2f} {sd:5.1f} {sd_err:+6.1%}"
            f" {values.min():6.1f} {low:6.1f} {values.max():6.1f} {high:6.1f}  {'PASS' if ok else 'FAIL'}"
        )
    return "\n".join(lines), all_pass


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
