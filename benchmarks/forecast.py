"""Forecast benchmark: LSTM training time on one torch thread against torch's default threads, and
the cost per backtest origin of every model, on the vendored Pink Sheet coal series (Australia).

No speed target in issue #6; this measures the choices behind the defaults: `cpu_threads: 1` and
`refit_every: 12` for the LSTM (a fit per origin would cost ~12x).
Run: python benchmarks/forecast.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from minectl.forecast import ArimaForecaster, LSTMForecaster, NaiveForecaster, SeasonalNaiveForecaster
from minectl.forecast.backtest import backtest_accuracy, rolling_origin_backtest
from minectl.forecast.series import read_monthly_series

SERIES = Path(__file__).resolve().parents[1] / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"
LSTM = dict(max_epochs=20, patience=100)  # a fixed 20 epochs so that every timed fit does the same work


def seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    series = read_monthly_series(SERIES, "month", "coal_australia_usd_mt")
    y, dates = series["value"].to_numpy(), series["date"].to_list()
    default_threads = torch.get_num_threads()

    one = LSTMForecaster(**LSTM, cpu_threads=1)
    default = LSTMForecaster(**LSTM, cpu_threads=default_threads)
    one.fit(y)  # warm-up
    print(f"LSTM fit, {len(y)} months, 20 epochs, device {one.device_}; best (median) of {args.repeats}, interleaved")
    timings = {"reference": [], "one": []}
    for _ in range(args.repeats):
        timings["reference"].append(seconds(lambda: default.fit(y), 1)[0])
        timings["one"].append(seconds(lambda: one.fit(y), 1)[0])
    ref, ours = min(timings["reference"]), min(timings["one"])
    print(f"  torch default ({default_threads} threads): {ref:7.2f} s ({statistics.median(timings['reference']):.2f})")
    print(f"  cpu_threads=1:                {ours:7.2f} s ({statistics.median(timings['one']):.2f})   ratio {ours / ref:.2f}")

    print("\nrolling-origin backtest, last 36 months, horizon 1 (36 origins): seconds per origin, MAPE %")
    for name, model, refit_every in [
        ("naive", NaiveForecaster(), 1),
        ("seasonal_naive", SeasonalNaiveForecaster(), 1),
        ("arima (refit every origin)", ArimaForecaster(), 1),
        ("arima (refit every 12)", ArimaForecaster(), 12),
        ("lstm (refit every 12)", LSTMForecaster(), 12),
    ]:
        start = time.perf_counter()
        table = rolling_origin_backtest(model, y, dates, (len(y) - 36, len(y)), 1, name, refit_every)
        elapsed = time.perf_counter() - start
        mape = backtest_accuracy(table)["mape"][0]
        print(f"  {name:<28}{elapsed / 36:9.4f} s{mape:9.2f}")


if __name__ == "__main__":
    main()
