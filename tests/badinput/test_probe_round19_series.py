"""Round-19 probe of `minectl forecast` (and its table as optimize and schedule read it): units and levels.

- A series file with a unit column (`unit`: AUD/t in every row) and no source.unit: the forecast table had no
  `unit` column, so optimize's price band check could not see the prices were AUD, exit 0. The file's unit is
  carried now; a source.unit other than the file's (USD/t over AUD/t) labelled the AUD prices USD/t, exit 0, and
  is refused now.
- The forecast table did not say the level of its `lower` / `upper` interval: schedule's price.interval_level
  (default 0.9) read a run's 0.8 interval as a 0.9 one. Column `interval_level` now, where a model has an interval.
- A forecast made at an empty month (filled in by interpolation towards the next quote) was scored: it had seen
  the month it forecast. Quarterly quotes written as months with two empty months between scored the ARIMA's
  1-month MAPE 0.56 % (naive 3.47 %), exit 0. Such forecasts are not scored now, and a period left with none to
  score at a horizon is refused.
- source.resample=mean: polars' grouped mean changed the last bits of a month's mean with its thread count (one
  core or several), and so the forecast's metrics (tests/badinput/test_zoned_times.py failed so). A month's mean
  is an exactly rounded sum over its count now: the same bits on any machine, whatever the rows' order.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

PINKSHEET = Path(__file__).resolve().parents[2] / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"


def _series(tmp_path: Path, unit: str | None, empty=None) -> Path:
    """The Pink Sheet's Australian prices as `date,value` (and `unit` in every row when given; `empty`: the row
    positions, from the end, whose value is left empty)."""
    frame = pl.read_csv(PINKSHEET).select(date=pl.col("month"), value=pl.col("coal_australia_usd_mt")).drop_nulls("value")
    if empty is not None:
        rows = pl.int_range(frame.height, 0, -1).alias("from_end")  # the last row is 1
        frame = frame.with_columns(value=pl.when(rows.is_in(list(empty))).then(None).otherwise(pl.col("value")))
    if unit is not None:
        frame = frame.with_columns(unit=pl.lit(unit))
    path = tmp_path / "prices.csv"
    frame.write_csv(path)
    return path


def _forecast(path: Path, run: Path, *extra: str) -> list[str]:
    return ["forecast", "debug=quick", "forecaster=[naive,seasonal_naive]", f"series={path}", "report=false",
            f"hydra.run.dir={run}", *extra]


def _table(run: Path) -> pl.DataFrame:
    return pl.read_parquet(run / "tables/forecast.parquet")


@pytest.mark.parametrize(("file_unit", "source_unit", "written"), [
    ("AUD/t", None, "AUD/t"),  # the file's own unit, carried
    ("AUD/t", "aud / t", "aud / t"),  # near miss: the same unit spelt otherwise
    (None, "USD/t", "USD/t"),  # near miss: no unit column, source.unit as before
])
def test_the_files_unit_column_is_carried_into_the_forecast_table(tmp_path: Path, file_unit, source_unit, written) -> None:
    path, run = _series(tmp_path, file_unit), tmp_path / "run"
    result = invoke(*_forecast(path, run, *([f"source.unit='{source_unit}'"] if source_unit else [])))
    assert result.exit_code == 0, result.output
    assert _table(run)["unit"].unique().to_list() == [written]


def test_a_source_unit_other_than_the_files_is_refused(tmp_path: Path) -> None:
    path, run = _series(tmp_path, "AUD/t"), tmp_path / "run"
    assert_refused(_forecast(path, run, "source.unit=USD/t"), ["source.unit='USD/t'", "'AUD/t'", "source.unit=null"],
                   inputs=[path], run_dir=run)


def test_a_forecast_of_the_files_aud_prices_is_refused_by_a_usd_band(tmp_path: Path) -> None:
    path, run = _series(tmp_path, "AUD/t"), tmp_path / "run"
    assert invoke(*_forecast(path, run)).exit_code == 0
    table = run / "tables/forecast.parquet"
    assert_refused(["optimize", "debug=quick", f"optimize.decision.price_path={table}", "optimize.decision.price_model=naive",
                    "optimize.decision.price_unit=USD/t", "optimize.decision.low_price=80", "optimize.decision.high_price=160",
                    "report=false", f"hydra.run.dir={tmp_path / 'opt'}"], ["AUD/t", "USD/t"], inputs=[table], run_dir=tmp_path / "opt")


def test_the_forecast_table_says_the_level_of_its_interval(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = invoke(*_forecast(_series(tmp_path, None), run, "forecast.interval_level=0.8"))
    assert result.exit_code == 0, result.output
    table = _table(run)
    levels = dict(table.group_by("model").agg(pl.col("interval_level").unique()).iter_rows())
    assert levels == {"naive": [0.8], "seasonal_naive": [None]}  # the seasonal naive has no interval


def test_a_forecast_made_at_an_empty_month_is_not_scored(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = invoke(*_forecast(_series(tmp_path, None, empty=[3, 9]), run, "forecaster=[naive,arima]"))
    assert result.exit_code == 0, result.output
    empty = pl.read_csv(tmp_path / "prices.csv").filter(pl.col("value").is_null())["date"].str.to_date("%Y-%m").to_list()
    backtest = pl.read_parquet(run / "tables/backtest.parquet")
    assert not backtest.filter(pl.col("origin").is_in(empty) | pl.col("date").is_in(empty)).height
    # near miss: a forecast made at a quoted month after the empty one is scored (its interpolation saw no later quote)
    assert backtest.filter(pl.col("origin") > max(empty)).height


def test_quarterly_quotes_written_as_months_are_refused(tmp_path: Path) -> None:
    """Two empty months after every quote: no 1-month-ahead forecast from a quoted month has a quote to score."""
    path = _series(tmp_path, None, empty=[i for i in range(1, 700) if i % 3 != 1])
    assert_refused(_forecast(path, tmp_path / "run"), ["follows a quoted month by 1", "no 1-month-ahead forecast"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("threads", ["1", "4"])
def test_a_resampled_months_mean_is_its_exactly_rounded_mean_on_any_thread_count(tmp_path: Path, threads: str) -> None:
    import json
    import math
    import subprocess
    import sys

    rng = np.random.default_rng(7)
    days = pl.datetime_range(datetime(2023, 1, 1), datetime(2024, 12, 31, 23), "1h", eager=True)  # hourly quotes
    prices = (100 * np.exp(np.cumsum(rng.normal(0, 0.002, days.len())))).tolist()
    path = tmp_path / "daily.csv"
    pl.DataFrame({"day": days, "price": prices}).write_csv(path)
    code = ("import json, sys; from minectl.forecast.series import read_monthly_series; "  # a fresh process: its own threads
            "print(json.dumps(read_monthly_series(sys.argv[1], 'day', 'price', 'mean')['value'].to_list()))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                          env={**os.environ, "POLARS_MAX_THREADS": threads})
    months = pl.DataFrame({"day": days, "price": prices}).group_by(pl.col("day").dt.truncate("1mo"), maintain_order=True)
    expected = [math.fsum(group["price"].to_list()) / group.height for _, group in months]
    assert json.loads(done.stdout) == expected  # bit for bit
