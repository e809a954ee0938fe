"""`minectl --help` start-up time against a bare interpreter, measured in the same run.

Target (issue #2): <= 0.25 s, and no torch, lightgbm, sklearn or polars import.
Also Hydra's help page of a task (`minectl cost -h`), measured beside it: 6.4 s of CPU before its group look-ups
stopped deep-copying the task schemas (about 1.4 s after, on a loaded machine).
Run: python benchmarks/cli_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

REPEATS = 15


def best_of(args: list[str], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bare = best_of([sys.executable, "-c", "pass"])
    help_ = best_of([sys.executable, "-m", "minectl.cli", "--help"])
    groups = best_of([sys.executable, "-m", "minectl.cli", "cost", "-h"], repeats=3)
    heavy = subprocess.run(
        [sys.executable, "-c",
         "import sys, minectl.cli; print(sorted(m for m in ('torch','lightgbm','sklearn','polars') if m in sys.modules))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    print(f"python -c pass           median {bare * 1000:7.1f} ms")
    print(f"minectl --help           median {help_ * 1000:7.1f} ms   (target <= 250 ms: {'PASS' if help_ <= 0.25 else 'FAIL'})")
    print(f"ratio to bare python     {help_ / bare:7.2f}x")
    print(f"minectl cost -h          median {groups * 1000:7.1f} ms   ({groups / help_:.1f}x --help: Hydra's group pages)")
    print(f"heavy modules imported   {heavy}")


if __name__ == "__main__":
    main()
