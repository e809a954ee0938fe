"""Timestamps with a zone across daylight saving: at the Europe fall-back (2024-10-27) the hour
02:00-03:00 comes twice, first at +02:00 and then at +01:00. Read at their wall time, such files
were refused as repeating 02:00 (`forecast` with source.resample, `uncertainty` with a date
column), though they are valid and in order in real time. Order and repeats are now checked on
the moment (UTC), months still counted at the wall time.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.forecast.series import read_monthly_series

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def _hours(first: dt.datetime, last: dt.datetime, keep=lambda local: True) -> list[dt.datetime]:
    """Every UTC hour from ``first`` to ``last`` (UTC) as Berlin local time, those ``keep`` takes."""
    count = int((last - first).total_seconds() // 3600) + 1
    hours = (first + dt.timedelta(hours=h) for h in range(count))
    return [local for local in (h.astimezone(BERLIN) for h in hours) if keep(local)]


def _prices(n: int) -> list[float]:
    return (100 * np.exp(np.cumsum(np.random.default_rng(7).normal(0, 0.002, n)))).tolist()


def _offset_text(times: list[dt.datetime]) -> list[str]:
    return [t.isoformat() for t in times]  # 2024-10-27T02:00:00+02:00


def _utc_text(times: list[dt.datetime]) -> list[str]:
    return [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]


def _write_csv(path: Path, stamps: list[str], prices: list[float]) -> Path:
    path.write_text("t,p\n" + "".join(f"{s},{p!r}\n" for s, p in zip(stamps, prices, strict=True)))
    return path


def _run(*args: object) -> dict:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run = next(Path(str(a).split("=", 1)[1]) for a in args if str(a).startswith("hydra.run.dir="))
    return json.loads((run / "metrics.json").read_text())


def _forecast(path: Path, run: Path, how: str = "mean") -> list[str]:
    return ["forecast", f"series={path}", "source.date_column=t", "source.value_column=p", f"source.resample={how}",
            "forecaster=[naive]", "forecast.backtest_months=6", "forecast.validation_months=3", "forecast.backtest_horizons=[1]",
            "forecast.horizon=2", f"hydra.run.dir={run}", "report=false"]


def _uncertainty(path: Path, run: Path) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=p", "dataset.date_column=t", "dataset.name=test",
            "uncertainty.n_resamples=99", "uncertainty.families=[normal]", "revenue.output=1", f"hydra.run.dir={run}", "report=false"]


# hourly quotes 02:00-20:00 Berlin time (00:00-19:00 UTC: the same day, so the same month in UTC)
# over 2023 and 2024: two spring-forwards (02:00 missing) and two fall-backs (02:00 twice)
QUOTES = _hours(dt.datetime(2022, 12, 31, 23, tzinfo=UTC), dt.datetime(2024, 12, 31, 22, tzinfo=UTC), lambda t: 2 <= t.hour <= 20)
PRICES = _prices(len(QUOTES))
# the day of the fall-back, every hour in Berlin: 25 rows
FALL_BACK_DAY = _hours(dt.datetime(2024, 10, 26, 22, tzinfo=UTC), dt.datetime(2024, 10, 27, 22, tzinfo=UTC))


def test_forecast_reads_a_fall_back_as_the_same_series_written_in_utc(tmp_path):
    fall_back = [t for t in QUOTES if t.date() == dt.date(2024, 10, 27) and t.hour == 2]
    assert [t.isoformat() for t in fall_back] == ["2024-10-27T02:00:00+02:00", "2024-10-27T02:00:00+01:00"]
    zoned = _write_csv(tmp_path / "zoned.csv", _offset_text(QUOTES), PRICES)
    parquet = tmp_path / "zoned.parquet"
    pl.DataFrame({"t": QUOTES, "p": PRICES}).with_columns(pl.col("t").dt.convert_time_zone("Europe/Berlin")).write_parquet(parquet)
    assert pl.read_parquet(parquet).schema["t"] == pl.Datetime("us", "Europe/Berlin")
    reference = _run(*_forecast(_write_csv(tmp_path / "utc.csv", _utc_text(QUOTES), PRICES), tmp_path / "utc"))
    assert _run(*_forecast(zoned, tmp_path / "zoned")) == reference
    assert _run(*_forecast(parquet, tmp_path / "parquet")) == reference
    assert reference["series.months"] == 24 and reference["series.resampled_rows"] == len(QUOTES)

    october = [p for t, p in zip(QUOTES, PRICES, strict=True) if (t.year, t.month) == (2024, 10)]
    assert len(october) == 31 * 19 + 1  # 02:00 twice on the 27th
    for path in (zoned, parquet):
        series = read_monthly_series(path, "t", "p", "mean")
        assert series.filter(pl.col("date") == dt.date(2024, 10, 1))["value"].item() == pytest.approx(sum(october) / len(october), rel=1e-12)
    march = [t for t in QUOTES if (t.year, t.month) == (2024, 3)]
    assert len(march) == 31 * 19 - 1  # no 02:00 on the 31st: no quote missing, no empty month
    assert reference["series.interpolated"] == 0


def test_resampled_last_is_the_latest_moment_not_the_latest_wall_time(tmp_path):
    """02:45+01:00 (01:45 UTC) comes after 02:50+02:00 (00:50 UTC)."""
    stamps = ["2024-09-30T12:00:00+02:00", "2024-10-27T02:50:00+02:00", "2024-10-27T02:45:00+01:00"]
    series = read_monthly_series(_write_csv(tmp_path / "x.csv", stamps, [90.0, 95.0, 97.0]), "t", "p", "last")
    assert series["value"].to_list() == [90.0, 97.0]


def test_forecast_refuses_one_moment_written_twice(tmp_path):
    stamps = _offset_text(FALL_BACK_DAY)
    stamps.insert(4, "2024-10-27T01:00:00Z")  # the moment of the row before, 02:00+01:00
    path = _write_csv(tmp_path / "x.csv", stamps, _prices(len(stamps)))
    assert_refused(_forecast(path, tmp_path / "run"), f"{path}: column 't' repeats 2024-10-27T02:00:00+01:00; expected one row per time",
                   inputs=[path], run_dir=tmp_path / "run")


def test_forecast_refuses_a_fall_back_of_unzoned_and_zoned_times(tmp_path):
    """Unzoned text names no moment: a column not zoned throughout is read at its wall time, as documented."""
    stamps = _offset_text(FALL_BACK_DAY)
    assert stamps[3] == "2024-10-27T02:00:00+01:00"
    stamps[3] = "2024-10-27T02:00:00"
    path = _write_csv(tmp_path / "x.csv", stamps, _prices(len(stamps)))
    assert_refused(_forecast(path, tmp_path / "run"), f"{path}: column 't' repeats 2024-10-27T02:00:00+02:00; expected one row per time",
                   inputs=[path], run_dir=tmp_path / "run")


def test_uncertainty_reads_a_fall_back_as_the_same_series_written_in_utc(tmp_path):
    prices = _prices(len(FALL_BACK_DAY))
    reference = _run(*_uncertainty(_write_csv(tmp_path / "utc.csv", _utc_text(FALL_BACK_DAY), prices), tmp_path / "utc"))
    assert _run(*_uncertainty(_write_csv(tmp_path / "zoned.csv", _offset_text(FALL_BACK_DAY), prices), tmp_path / "zoned")) == reference
    assert len(prices) == 25 and reference["uncertainty.level.estimate"] == pytest.approx(np.mean(prices), rel=1e-12)
    assert reference["uncertainty.revenue.last_level"] == prices[-1]


@pytest.mark.parametrize("swap, expect", [
    # 02:45+01:00 is 01:45 UTC, 02:50+02:00 00:50 UTC: after it in wall time, before it in real time
    (("2024-10-27T02:45:00+01:00", "2024-10-27T02:50:00+02:00"),
     "column 't' at row 5 (2024-10-27 02:50:00) is not after the row before (2024-10-27 02:45:00)"),
    (("2024-10-27T02:00:00+01:00", "2024-10-27T01:00:00Z"),  # one moment twice
     "column 't' at row 5 (2024-10-27 01:00:00) is the same time as the row before (2024-10-27 02:00:00)"),
])
def test_uncertainty_refuses_times_out_of_order_in_real_time(tmp_path, swap, expect):
    stamps = _offset_text(FALL_BACK_DAY)
    stamps[3:5] = swap
    path = _write_csv(tmp_path / "x.csv", stamps, _prices(len(stamps)))
    assert_refused(_uncertainty(path, tmp_path / "run"), [str(path), expect], inputs=[path], run_dir=tmp_path / "run")
