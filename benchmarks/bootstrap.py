"""Bootstrap benchmark: minectl's chunked bootstrap against scipy.stats.bootstrap in the same run.

n = 1,000 observations, B = 10,000 resamples, 95 % percentile CI of the mean.
Targets (issue #5): time <= 0.65x scipy(vectorized=True), peak memory <= 20 MiB, the same
interval as scipy from the same seed (hence the same resample indices); BCa timed too.
Run: python benchmarks/bootstrap.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from functools import partial

import numpy as np
from scipy import stats

from minectl.uncertainty.bootstrap import bootstrap_ci

N, B, SEED = 1_000, 10_000, 42


def timed_pair(reference, candidate, repeats: int):
    """Interleaved runs (shared machine load hits both alike); best and median seconds of each."""
    times = {"reference": [], "candidate": []}
    results = {}
    for _ in range(repeats):
        for name, fn in (("reference", reference), ("candidate", candidate)):
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}, results


def peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    x = np.random.default_rng(0).lognormal(5.0, 0.4, size=N)

    def scipy_run(method="percentile"):
        return stats.bootstrap(
            (x,), np.mean, vectorized=True, n_resamples=B, method=method, rng=np.random.default_rng(SEED)
        ).confidence_interval

    def ours_run(method="percentile"):
        return bootstrap_ci(x, "mean", method=method, n_resamples=B, random_state=SEED)

    ours_run(), scipy_run()  # warm-up (imports, page cache)
    print(f"bootstrap of the mean: n={N}, B={B}, 95 % CI; {args.repeats} interleaved runs, best (median) seconds")
    print(f"{'method':<11}{'scipy s':>17}{'minectl s':>17}{'ratio':>13}{'scipy MiB':>11}{'minectl MiB':>13}  same interval")
    for method in ("percentile", "bca"):
        times, results = timed_pair(partial(scipy_run, method), partial(ours_run, method), args.repeats)
        (ref_best, ref_med), (our_best, our_med) = times["reference"], times["candidate"]
        ref, ours = results["reference"], results["candidate"]
        mem_ref = peak_mib(partial(scipy_run, method))
        mem_ours = peak_mib(partial(ours_run, method))
        same = np.isclose(ours.low, ref.low, rtol=1e-12) and np.isclose(ours.high, ref.high, rtol=1e-12)
        print(
            f"{method:<11}{ref_best:>8.4f} ({ref_med:.3f}){our_best:>8.4f} ({our_med:.3f})"
            f"{our_best / ref_best:>6.2f} ({our_med / ref_med:.2f}){mem_ref:>11.1f}{mem_ours:>13.2f}  "
            f"{same} ({ours.low:.6f}, {ours.high:.6f})"
        )
    print("targets: percentile ratio <= 0.65 (best-of-runs), minectl peak <= 20 MiB, same interval True")


if __name__ == "__main__":
    main()
