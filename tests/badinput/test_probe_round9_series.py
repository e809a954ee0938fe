"""Bad-input corpus, round 9 (series): failure logs as reliability tools export them and price
series of other shapes, given to `minectl uncertainty` and `minectl forecast`.

Silent before: a Weibull++ State column (F/S) or a `censored` 0/1 column not named in
dataset.censored_column counted every suspension as a failure (MTBF 158.25 h for 211.0, exit 0);
an R / lifelines `event` column (1 = failure) named there had every failure read as a suspension;
times in days beside implied_cost.operating_hours made the cost 24 times too large; a unit column
naming two units (h and d, USD/t then USc/lb) was averaged as one quantity; an hour meter's
readings (SMU) were read as times between failures (said only with implied_cost); a month written twice
in a file whose date column is not named was one more price and a zero return. Unclear before:
quarters, ISO weeks and bare years in a forecast's date column were "not dates" without saying
what they are. Figures checked by hand and against scipy: the MTBF = operating time / failures, the
Weibull fit of the Kumar LHD log against scipy.stats.weibull_min.fit(floc=0), censored fits with a
suspension at 0 h (which took every positive family out: best fit normal), the seasonal naive
backtest MAE, and business days resampled to months (weekends are no missing data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "equipment_failures" / "kumar1989_LHD_failures.csv"

# 12 LHD engines, hours to failure or to the end of the log; S rows still running (a Weibull++ sheet)
HOURS = [105, 400, 52, 213, 87, 400, 160, 34, 61, 250, 19, 118]
STATES = ["F", "S", "F", "F", "F", "S", "F", "F", "F", "S", "F", "F"]
MTBF = sum(HOURS) / STATES.count("F")  # 1899 h / 9 failures = 211.0 (every row a failure: 1899 / 12 = 158.25)


def _uncertainty(path: Path, run: Path, column: str, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", f"dataset.column={column}", "dataset.group_by=null", "dataset.date_column=null",
            "dataset.transforms=[level]", "uncertainty.n_resamples=200", "uncertainty.autocorrelation_alpha=null", "report=false",
            f"hydra.run.dir={run}", *extra]


def _metrics(args: list[str], run: Path) -> dict:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


# --- suspensions that no key names ----------------------------------------------------------------

@pytest.mark.parametrize(("header", "marks", "first"), [
    ("State F or S", STATES, "'S'"),
    ("status", ["Failure" if s == "F" else "Suspension" for s in STATES], "'Suspension'"),
    ("censored", [int(s == "S") for s in STATES], "1"),
], ids=["weibull_state", "words", "censored_0_1"])
@pytest.mark.slow
def test_a_column_of_suspensions_not_named_is_refused(tmp_path: Path, header: str, marks: list, first: str) -> None:
    """Every row was a failure: MTBF 158.25 h (1899 / 12) for 211.0 (1899 / 9), exit 0."""
    path = tmp_path / "engines.csv"
    pl.DataFrame({"hours": HOURS, header: marks}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "hours"),
                   [str(path), f"column '{header}' marks 3 of 12 rows as suspensions (first at row 2: {first}), but without "
                    f"dataset.censored_column every row is read as a failure; expected dataset.censored_column='{header}'"],
                   inputs=[path], run_dir=tmp_path / "run")
    # named, the suspensions add hours and no failure
    metrics = _metrics(_uncertainty(path, tmp_path / "named", "hours", f"dataset.censored_column={header}"), tmp_path / "named")
    assert metrics["uncertainty.level.estimate"] == pytest.approx(MTBF, rel=1e-12)
    assert (metrics["uncertainty.level.failures"], metrics["uncertainty.level.suspensions"]) == (9, 3)


def test_flags_that_mark_no_suspension_or_mean_something_else_are_left_alone(tmp_path: Path) -> None:
    """A `censored` column of zeros, and a 0/1 `status` of a price file (running or not), change nothing."""
    path = tmp_path / "engines.csv"
    pl.DataFrame({"hours": HOURS, "censored": [0] * 12, "status": [int(s == "S") for s in STATES]}).write_csv(path)
    metrics = _metrics(_uncertainty(path, tmp_path / "run", "hours"), tmp_path / "run")
    assert metrics["uncertainty.level.estimate"] == pytest.approx(np.mean(HOURS), rel=1e-12)


@pytest.mark.parametrize("header", ["event", "status", "failed"])
def test_an_event_column_named_as_the_censoring_column_is_refused(tmp_path: Path, header: str) -> None:
    """R's Surv(time, status) and lifelines' event_observed mark a failure with 1: read as
    suspensions, the failures were read as suspensions and the suspensions as failures (machine A
    of the LHD log, 8 suspensions in 44 rows: MTBF 2190 / 8 = 273.8 h for 2190 / 36 = 60.8, exit 0)."""
    path = tmp_path / "engines.csv"
    pl.DataFrame({"hours": HOURS, header: [int(s == "F") for s in STATES]}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "hours", f"dataset.censored_column={header}"),
                   [str(path), f"column '{header}' holds true/false or 1/0 under a name for the event, where 1 means a failure",
                    "expected a column of S/F, or 1 for the suspensions under a name that says so"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_suspension_at_zero_hours_keeps_the_positive_families(tmp_path: Path) -> None:
    """A unit removed as it was installed (S at 0 h) adds ln S(0) = 0 to every positive family's
    likelihood; it took lognormal, gamma, Weibull and the exponential out, and the normal was the
    best fit. Now the fits equal those without the row: the exponential scale is 1899 / 9 h."""
    from scipy import stats

    hours, states = [*HOURS, 0], [*STATES, "S"]
    path = tmp_path / "engines.csv"
    pl.DataFrame({"hours": hours, "state": states}).write_csv(path)
    run = tmp_path / "run"
    metrics = _metrics(_uncertainty(path, run, "hours", "dataset.censored_column=state"), run)
    fits = pl.read_parquet(run / "tables" / "fits.parquet")
    assert set(fits["family"]) == {"exponential", "weibull", "lognormal", "gamma", "normal"}
    assert metrics["uncertainty.level.best_fit.mean"] == pytest.approx(MTBF, rel=1e-6)  # the exponential's
    # Weibull: the censored MLE of the 12 rows without the zero (scipy, an independent optimizer)
    censored = np.array(STATES) == "S"
    data = stats.CensoredData(uncensored=np.array(HOURS, float)[~censored], right=np.array(HOURS, float)[censored])
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    params = [float(v) for v in fits.filter(pl.col("family") == "weibull")["params"][0].split(",")]
    assert params == pytest.approx([shape, 0.0, scale], rel=1e-4, abs=1e-9)


# --- units --------------------------------------------------------------------------------------

COST = ["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000"]


@pytest.mark.parametrize(("columns", "column", "said"), [
    ({"time": [h / 24 for h in HOURS], "unit": ["d"] * 12}, "time", "its unit column gives 'd'"),
    ({"tbf_days": [h / 24 for h in HOURS]}, "tbf_days", "its name says 'days'"),
], ids=["unit_column", "column_name"])
def test_times_in_days_are_refused_where_the_cost_counts_hours(tmp_path: Path, columns: dict, column: str, said: str) -> None:
    """cost = 20,000 x 6,000 h / MTBF: with the MTBF in days it was 24 times too large (the LHD log:
    57.9 M a year for 2.41 M), exit 0."""
    path = tmp_path / "log.csv"
    pl.DataFrame(columns).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", column, *COST),
                   [str(path), f"column '{column}' holds times in another unit than hours ({said}), but "
                    "implied_cost.operating_hours counts hours", "expected times between failures in hours"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_times_in_hours_give_the_implied_cost_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    pl.DataFrame({"hours": HOURS, "unit": ["h"] * 12}).write_csv(path)
    metrics = _metrics(_uncertainty(path, tmp_path / "run", "hours", *COST), tmp_path / "run")
    assert metrics["uncertainty.level.implied_cost.cost"] == pytest.approx(20000 * 6000 / np.mean(HOURS), rel=1e-12)


def test_a_column_of_units_made_is_no_unit_column(tmp_path: Path) -> None:
    """`units` holding numbers counts units made or sold: no unit of measure, left alone."""
    path = tmp_path / "output.csv"
    pl.DataFrame({"cost": [float(h) for h in HOURS], "units": list(range(12))}).write_csv(path)
    metrics = _metrics(_uncertainty(path, tmp_path / "run", "cost"), tmp_path / "run")
    assert metrics["uncertainty.level.estimate"] == pytest.approx(np.mean(HOURS), rel=1e-12)


def test_a_failure_log_in_two_units_is_refused(tmp_path: Path) -> None:
    """Hours and days in one column (a unit column says which) were averaged as one quantity."""
    path = tmp_path / "log.csv"
    pl.DataFrame({"machine": ["A"] * 6 + ["B"] * 6, "time": [h if i % 2 else h / 24 for i, h in enumerate(HOURS)],
                  "unit": ["d", "h"] * 6}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "time", "dataset.group_by=machine"),
                   [str(path), "column 'unit' gives the rows of one series (machine=A) 2 units ('d' at row 1 and 'h' at row 2); "
                    "expected one unit a series"], inputs=[path], run_dir=tmp_path / "run")
    # one unit a machine (days for A, hours for B) is two series, each in its own unit
    pl.DataFrame({"machine": ["A"] * 6 + ["B"] * 6, "time": HOURS, "unit": ["d"] * 6 + ["h"] * 6}).write_csv(path)
    metrics = _metrics(_uncertainty(path, tmp_path / "ok", "time", "dataset.group_by=machine"), tmp_path / "ok")
    assert metrics["uncertainty.A.level.estimate"] == pytest.approx(np.mean(HOURS[:6]), rel=1e-12)


MONTHS = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(60)]
PRICES = [80 + 10 * np.sin(i / 5) + i / 4 for i in range(60)]
FORECAST = ["forecast", "debug=quick", "forecaster=[naive,seasonal_naive]", "report=false"]


def test_a_price_series_that_changes_units_midway_is_refused(tmp_path: Path) -> None:
    """USD/t, then US cents per pound (x 1/22.05): one month's 'fall' of 95 % was forecast from."""
    path = tmp_path / "coal.csv"
    pl.DataFrame({"date": MONTHS, "value": [p if i < 40 else p / 22.0462 for i, p in enumerate(PRICES)],
                  "unit": ["USD/t"] * 40 + ["USc/lb"] * 20}).write_csv(path)
    assert_refused([*FORECAST, f"series={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'unit' gives the rows of one series 2 units ('USD/t' at row 1 and 'USc/lb' at row 41)"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("header", ["SMU", "Hour Meter", "cumulative_hours"])
def test_hour_meter_readings_read_as_times_between_failures_are_refused(tmp_path: Path, header: str) -> None:
    """A Caterpillar SMU (service meter) column holds the operating hours at each failure: its mean
    was the MTBF (the LHD log: 1,177 h for 49.8 h), exit 0. Their differences are read as gaps."""
    path = tmp_path / "log.csv"
    pl.DataFrame({header: np.cumsum(HOURS)}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", header),
                   [str(path), f"column '{header}' (level) never falls over its 12 values and is named as a meter reading",
                    "expected the times between failures (their differences: dataset.transforms=[diff]"],
                   inputs=[path], run_dir=tmp_path / "run")
    run = tmp_path / "diff"
    metrics = _metrics([*_uncertainty(path, run, header), "dataset.transforms=[diff]"], run)
    assert metrics["uncertainty.diff.estimate"] == pytest.approx(np.mean(HOURS[1:]), rel=1e-12)


# --- periods ------------------------------------------------------------------------------------

def test_a_month_written_twice_is_refused_when_the_date_column_is_not_named(tmp_path: Path) -> None:
    """The date column found, not named, may repeat a day (failures); a repeated month was one more
    price and a zero log return, exit 0."""
    path = tmp_path / "prices.csv"
    rows = [*zip(MONTHS, PRICES, strict=True)]
    rows.insert(31, rows[30])
    pl.DataFrame({"month": [m for m, _ in rows], "usd_t": [p for _, p in rows]}).write_csv(path)
    args = ["uncertainty", "debug=quick", f"dataset.path={path}", "dataset.column=usd_t", "dataset.date_column=null",
            "report=false", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), "column 'month' repeats 2017-07 at row 32; expected one row per month"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("dates", "resample", "said"), [
    ([f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(60)], [], "got '2000Q1' (a quarter: quarterly prices cannot be forecast by month"),
    ([f"{2000 + i // 4}-Q{i % 4 + 1}" for i in range(60)], ["source.resample=mean"], "got '2000-Q1' (a quarter"),
    ([f"{2015 + i // 52}-W{i % 52 + 1:02d}" for i in range(60)], [], "got '2015-W01' (an ISO week, which may span two months; "
     "expected one row per month, or source.resample=mean or last to make months of the weeks, each in the month of its Monday)"),
    (list(range(1950, 2010)), [], "got type Int64 (e.g. 1950); expected dates YYYY-MM, YYYY-MM-DD or YYYYMmm (1960M01), one row per month (years: "
     "yearly prices cannot be forecast by month)"),
], ids=["quarter", "eurostat_quarter_resampled", "iso_week", "years"])
@pytest.mark.slow
def test_forecast_dates_of_other_periods_are_named(tmp_path: Path, dates: list, resample: list[str], said: str) -> None:
    path = tmp_path / "prices.csv"
    pl.DataFrame({"date": dates, "value": PRICES}).write_csv(path)
    assert_refused([*FORECAST, f"series={path}", *resample, f"hydra.run.dir={tmp_path / 'run'}"], [str(path), said],
                   inputs=[path], run_dir=tmp_path / "run")


# --- figures by hand and by scipy ---------------------------------------------------------------

def test_business_days_are_no_missing_data_and_the_seasonal_naive_mae_is_by_hand(tmp_path: Path) -> None:
    """Weekday quotes 2019-2023 (no weekend rows) resampled by the mean: 60 months, none
    interpolated; seasonal naive's 1-month MAE over the last 6 months is mean |y_t - y_(t-12)|."""
    days = pl.date_range(pl.date(2019, 1, 1), pl.date(2023, 12, 31), "1d", eager=True)
    days = days.filter(days.dt.weekday() <= 5)
    values = 80 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, days.len())))
    path = tmp_path / "daily.csv"
    pl.DataFrame({"date": days, "value": values.round(4)}).write_csv(path)
    run = tmp_path / "run"
    metrics = _metrics([*FORECAST, f"series={path}", "source.resample=mean", f"hydra.run.dir={run}"], run)
    monthly = (pl.read_csv(path, try_parse_dates=True).group_by(pl.col("date").dt.truncate("1mo"), maintain_order=True)
               .agg(pl.col("value").mean()).sort("date")["value"].to_numpy())
    assert (metrics["series.months"], metrics["series.interpolated"], metrics["series.resampled_rows"]) == (60, 0, days.len())
    last = np.arange(54, 60)
    assert metrics["backtest.mae.seasonal_naive"] == pytest.approx(np.mean(np.abs(monthly[last] - monthly[last - 12])), rel=1e-12)
    assert metrics["backtest.mae.naive"] == pytest.approx(np.mean(np.abs(monthly[last] - monthly[last - 1])), rel=1e-12)


@pytest.mark.skipif(not SHARED.exists(), reason=f"shared data not found: {SHARED}")
def test_lhd_weibull_fits_equal_scipy(tmp_path: Path) -> None:
    """The Kumar LHD log per machine: Weibull (location 0) as scipy.stats.weibull_min.fit(floc=0)."""
    from scipy import stats

    run = tmp_path / "run"
    _metrics(["uncertainty", "+experiment=equipment_failures", f"dataset.path={SHARED}", "uncertainty.n_resamples=200",
              "report=false", f"hydra.run.dir={run}"], run)
    fits = pl.read_parquet(run / "tables" / "fits.parquet").filter(pl.col("family") == "weibull")
    log = pl.read_csv(SHARED)
    for machine in ("A", "B", "C"):
        shape, _, scale = stats.weibull_min.fit(log.filter(pl.col("machine") == machine)["tbf"].to_numpy().astype(float), floc=0)
        params = [float(v) for v in fits.filter(pl.col("series") == f"{machine}.level")["params"][0].split(",")]
        assert params == pytest.approx([shape, 0.0, scale], rel=1e-5, abs=1e-9)
