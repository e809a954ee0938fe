"""Bad-input corpus, round 10 (series): one price series or failure log from a user's file, in the
shapes public exports come in, given to `minectl forecast`, `minectl uncertainty` and `minectl capacity`.

Silent before (exit 0): a price series that changes its unit midway without a unit column (USD/t,
then US cents/lb: x 1/22.05; $/oz then $/g; a rebasing x100 or x1000) was forecast and fitted as
one price (the forecast's last month 3.98 'USD/t' for 87.8), and so were capacity's rolling price
path and cobweb table; a newest-first file of ISO weeks (2024-W05) whose date column is not named
went unchecked, ISO weeks being no dates, and its log returns had the wrong sign; a failure log's cumulative operating hours (the Kumar LHD log's `t`,
the running total of its `tbf`) read as times between failures made the MTBF 1,177 h for 49.8 and
the implied cost 24 times too small. Refused before, valid: ISO weeks in a named date column
(uncertainty) and in a forecast that resamples to months."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke, quick_uncertainty, run_metrics

MONTHS = [f"{2015 + i // 12}-{i % 12 + 1:02d}" for i in range(60)]
PRICES = [round(80 + 10 * math.sin(i / 5) + i / 4, 3) for i in range(60)]
FORECAST = ["forecast", "debug=quick", "forecaster=[naive,seasonal_naive]", "report=false"]
LHD = Path(__file__).resolve().parents[3] / "shared" / "data" / "equipment_failures" / "kumar1989_LHD_failures.csv"


def _uncertainty(path: Path, run: Path, column: str, *extra: str) -> list[str]:
    return quick_uncertainty(path, run, "dataset.date_column=null", *extra, column=column)


def _changed(factor: float, month: int = 40) -> list[float]:
    """PRICES, from ``month`` on in a unit ``factor`` times the first (the change's month also moves 10 %)."""
    return [p if i < month else round(p * factor * (1.1 if i == month else 1.0), 4) for i, p in enumerate(PRICES)]


# --- a unit that changes without a unit column ---------------------------------------------------

@pytest.mark.parametrize(("factor", "said"), [
    (1 / 22.0462, "USD/t and US cents/lb: 22.0462"),
    (1 / 31.1035, "per troy ounce and per gram: 31.1035"),
    (100.0, "x100: dollars and cents, or a rebased index: 100"),
    (1000.0, "x1000: per kilogram and per tonne, or thousands: 1000"),
], ids=["usd_t_to_usc_lb", "oz_to_g", "x100", "x1000"])
@pytest.mark.slow
def test_a_forecast_series_that_changes_unit_midway_is_refused(tmp_path: Path, factor: float, said: str) -> None:
    """USD/t then USc/lb: the forecast's last month was 3.98 'USD/t' (87.8), exit 0."""
    path = tmp_path / "coal.csv"
    values = _changed(factor)
    pl.DataFrame({"date": MONTHS, "value": values}).write_csv(path)
    more = "more" if factor > 1 else "less"
    assert_refused([*FORECAST, f"series={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), f"column 'value': the values go from {values[39]:g} (2018-04) to {values[40]:g} (2018-05)",
                    f"times {more}, and stay there, while no other step doubles or halves them: a change of unit without a unit "
                    f"column ({said}); expected one unit throughout"], inputs=[path], run_dir=tmp_path / "run")


def test_a_change_of_unit_across_an_empty_month_is_refused(tmp_path: Path) -> None:
    """The month left empty at the change was interpolated halfway: two steps of x4.7, and the change went unsaid."""
    path = tmp_path / "coal.csv"
    values: list[float | None] = list(_changed(1 / 22.0462))
    values[40] = None
    pl.DataFrame({"date": MONTHS, "value": values}).write_csv(path)
    assert_refused([*FORECAST, f"series={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), f"the values go from {values[39]:g} (2018-04) to {values[41]:g} (2018-06)", "(USD/t and US cents/lb"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_an_uncertainty_series_that_changes_unit_midway_is_refused(tmp_path: Path) -> None:
    """The level's mean was 58.8 of two units, the mean log return -0.051 (0.0016), exit 0."""
    path = tmp_path / "coal.csv"
    values = _changed(1 / 22.0462)
    pl.DataFrame({"month": MONTHS, "usd_t": values}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "usd_t"),
                   [str(path), f"column 'usd_t': the values go from {values[39]:g} (row 40) to {values[40]:g} (row 41)",
                    "a change of unit without a unit column (USD/t and US cents/lb: 22.0462)"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("values", "why"), [
    (_changed(3.0), "a threefold step is no unit's factor"),
    ([p * (22.0462 if i == 40 else 1) for i, p in enumerate(PRICES)], "a spike that falls back: two large steps"),
    ([p * (0.3 if i in (10, 11) else 1) for i, p in enumerate(_changed(1 / 22.0462))], "another step more than halves"),
    (_changed(1 / 22.0462, 58), "two values after the step: too few to say it stays"),
], ids=["factor_3", "spike", "volatile", "at_the_end"])
@pytest.mark.slow
def test_steps_that_are_no_change_of_unit_are_forecast(tmp_path: Path, values: list[float], why: str) -> None:
    path = tmp_path / "prices.csv"
    pl.DataFrame({"date": MONTHS, "value": values}).write_csv(path)
    run = tmp_path / "run"
    metrics = run_metrics([*FORECAST, f"series={path}", f"hydra.run.dir={run}"], run)
    assert (metrics["series.months"], metrics["series.last"]) == (60, pytest.approx(values[-1], rel=1e-12)), why


# --- ISO weeks ------------------------------------------------------------------------------------

WEEKS = [f"{2015 + i // 52}-W{i % 52 + 1:02d}" for i in range(60)]  # 2015 has 53 weeks: W53 left out, as an export may not


def _returns_mean(values: list[float]) -> float:
    return float(np.mean(np.diff(np.log(values))))


def test_iso_weeks_newest_first_are_refused_when_the_date_column_is_not_named(tmp_path: Path) -> None:
    """Not read as dates, the week column ordered nothing: the rows newest first gave log returns of the wrong sign, exit 0."""
    path = tmp_path / "weekly.csv"
    pl.DataFrame({"week": WEEKS[::-1], "price": PRICES[::-1]}).write_csv(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "price"),
                   [str(path), "column 'week' at row 2 (2016-02-15 00:00:00) is not after the row before (2016-02-22 00:00:00)",
                    "(the newest first: reverse the rows)"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("named", [False, True], ids=["found", "named"])
def test_iso_weeks_oldest_first_are_read(tmp_path: Path, named: bool) -> None:
    """Named in dataset.date_column, ISO weeks were 'not dates' (refused); now weeks, as a file of Mondays."""
    path = tmp_path / "weekly.csv"
    pl.DataFrame({"week": WEEKS, "price": PRICES}).write_csv(path)
    run = tmp_path / "run"
    metrics = run_metrics([*_uncertainty(path, run, "price"), *(["dataset.date_column=week"] if named else [])], run)
    assert metrics["uncertainty.log_return.estimate"] == pytest.approx(_returns_mean(PRICES), rel=1e-12)


def test_iso_weeks_resampled_to_months_are_their_mondays_months(tmp_path: Path) -> None:
    """source.resample=mean of ISO weeks was refused ('an ISO week... give the week's Monday'); now each week is
    in its Monday's month: 2015-W01 (Monday 2014-12-29) in December 2014. Means checked by hand."""
    weeks = [f"{2015 + i // 52}-W{i % 52 + 1:02d}" for i in range(156)]
    prices = [round(80 + 10 * math.sin(i / 9) + i / 10, 3) for i in range(156)]
    path = tmp_path / "weekly.csv"
    pl.DataFrame({"week": weeks, "usd_t": prices}).write_csv(path)
    run = tmp_path / "run"
    metrics = run_metrics([*FORECAST, f"series={path}", "source.date_column=week", "source.value_column=usd_t", "source.resample=mean",
                        f"hydra.run.dir={run}"], run)
    by_month: dict[tuple[int, int], list[float]] = {}
    for week, price in zip(weeks, prices, strict=True):
        monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
        by_month.setdefault((monday.year, monday.month), []).append(price)
    assert min(by_month) == (2014, 12)
    assert (metrics["series.months"], metrics["series.resampled_rows"]) == (len(by_month), 156)
    assert metrics["series.last"] == pytest.approx(np.mean(by_month[max(by_month)]), rel=1e-12)


def test_a_week_its_year_lacks_is_named_as_such(tmp_path: Path) -> None:
    """2019 has 52 ISO weeks: 2019-W53 is no date (as 2019-02-30 is none), said as such, not as 'set source.resample'."""
    path = tmp_path / "weekly.csv"
    pl.DataFrame({"week": [*WEEKS[:40], "2019-W53"], "value": PRICES[:41]}).write_csv(path)
    assert_refused([*FORECAST, f"series={path}", "source.date_column=week", "source.resample=mean", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'week' must hold dates or timestamps; got '2019-W53' (a week its year does not have: an ISO "
                    "year has 52 or 53)"], inputs=[path], run_dir=tmp_path / "run")


# --- failure logs -----------------------------------------------------------------------------------

HOURS = [105, 400, 52, 213, 87, 400, 160, 34, 61, 250, 19, 118]
COST = ["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000", "dataset.transforms=[level]"]


def test_the_running_total_of_the_times_between_failures_is_refused_as_them(tmp_path: Path) -> None:
    """A log with both columns (tbf and the hours at each failure, t), t named: its mean was the MTBF, exit 0."""
    path = tmp_path / "log.csv"
    pl.DataFrame({"machine": ["A"] * 6 + ["B"] * 6, "tbf": HOURS,
                  "t": list(np.cumsum(HOURS[:6])) + list(np.cumsum(HOURS[6:]))}).write_csv(path)
    expect = [str(path), "column 't' is the running total of column 'tbf' (row by row in each series): the operating hours at each "
              "failure, whose mean is no time between failures, but {key} reads its values as the times between failures; "
              "expected dataset.column='tbf'"]
    for key, extra in (("implied_cost.operating_hours", COST), ("dataset.censored_column", ["dataset.censored_column=state", "dataset.transforms=[level]"])):
        pl.read_csv(path).with_columns(state=pl.lit("F")).write_csv(path)
        run = tmp_path / key
        assert_refused([*_uncertainty(path, run, "t", "dataset.group_by=machine"), *extra],
                       [expect[0], expect[1].format(key=key)], inputs=[path], run_dir=run)
    # the times themselves: MTBF and cost by hand
    run = tmp_path / "tbf"
    metrics = run_metrics([*_uncertainty(path, run, "tbf", "dataset.group_by=machine"), *COST], run)
    assert metrics["uncertainty.A.level.implied_cost.cost"] == pytest.approx(20000 * 6000 / np.mean(HOURS[:6]), rel=1e-12)


def test_a_running_total_over_the_whole_log_is_no_running_total_of_each_machine(tmp_path: Path) -> None:
    """t summed over the file, not per machine, is not each machine's running total: left as it is by this rule."""
    path = tmp_path / "log.csv"
    pl.DataFrame({"machine": ["A"] * 6 + ["B"] * 6, "tbf": HOURS, "t": list(np.cumsum(HOURS))}).write_csv(path)
    run = tmp_path / "run"
    metrics = run_metrics([*_uncertainty(path, run, "tbf", "dataset.group_by=machine"), *COST], run)
    assert metrics["uncertainty.B.level.estimate"] == pytest.approx(np.mean(HOURS[6:]), rel=1e-12)


@pytest.mark.skipif(not LHD.exists(), reason=f"shared data not found: {LHD}")
def test_the_lhd_logs_hours_at_failure_are_refused_with_the_implied_cost(tmp_path: Path) -> None:
    """The Kumar LHD log's t: machine A's cost was 101,932 a year for 2.41 M (MTBF 1,177 h for 49.8), exit 0."""
    run = tmp_path / "run"
    assert_refused(["uncertainty", "+experiment=equipment_failures", f"dataset.path={LHD}", "dataset.column=t",
                    "uncertainty.n_resamples=200", "report=false", f"hydra.run.dir={run}"],
                   [str(LHD), "column 't' is the running total of column 'tbf'", "expected dataset.column='tbf'"], inputs=[LHD], run_dir=run)


# --- capacity's rolling path ---------------------------------------------------------------------

def test_a_rolling_price_path_that_changes_unit_midway_is_refused(tmp_path: Path) -> None:
    """USD/t, then USc/lb from the ninth of 12 months: a month's move of -95 % drove alpha_price, exit 0."""
    path = tmp_path / "prices.csv"
    prices = [100.0, 102.0, 101.0, 104.0, 103.0, 106.0, 105.0, 108.0, 4.95, 4.9, 5.0, 4.98]
    pl.DataFrame({"month": [f"2024-{m:02d}" for m in range(1, 13)], "price": prices}).write_csv(path)
    assert_refused(["capacity", f"rolling.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'price': the values go from 108 (row 8) to 4.95 (row 9)", "(USD/t and US cents/lb: 22.0462)"],
                   inputs=[path], run_dir=tmp_path / "run")
    # in one unit, the path's last month is read as it is
    pl.DataFrame({"month": [f"2024-{m:02d}" for m in range(1, 13)], "price": prices[:8] + [p * 22.0462 for p in prices[8:]]}).write_csv(path)
    run = tmp_path / "ok"
    result = invoke("capacity", f"rolling.path={path}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    rolling = pl.read_parquet(run / "tables" / "rolling.parquet")
    assert rolling["price_change"][7] == pytest.approx(4.95 * 22.0462 / 108 - 1, rel=1e-12)  # +1.04 %: inside the dead band
    assert rolling["alpha_price"].to_list() == [0.0] * 11


COBWEB_OUTPUT = [311.08, 313.28, 310.15, 316.62, 308.33, 317.79, 314.5, 311.77, 317.23, 310.43, 317.41, 315.53]
COBWEB_PRICE = [320.21, 320.32, 318.12, 318.51, 321.01, 312.16, 313.38, 316.26, 314.43, 315.46, 316.59, 319.43]


def test_a_cobweb_whose_output_changes_unit_midway_is_refused(tmp_path: Path) -> None:
    """Output in t, then in kt from the seventh year (x1/1000): the supply line was fitted across the two units, exit 0."""
    path = tmp_path / "cobweb.csv"
    years = [f"{2012 + i}-01-01" for i in range(12)]
    output = [q if i < 6 else q / 1000 for i, q in enumerate(COBWEB_OUTPUT)]
    pl.DataFrame({"year": years, "output": output, "price": COBWEB_PRICE}).write_csv(path)
    assert_refused(["capacity", f"cobweb.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), f"column 'output': the values go from 317.79 (row 6) to {output[6]:g} (row 7)", "(x1000: per kilogram and "
                    "per tonne, or thousands: 1000)"], inputs=[path], run_dir=tmp_path / "run")
    # one unit throughout: the supply line by hand
    pl.DataFrame({"year": years, "output": COBWEB_OUTPUT, "price": COBWEB_PRICE}).write_csv(path)
    run = tmp_path / "ok"
    result = invoke("capacity", f"cobweb.path={path}", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    got = pl.read_parquet(run / "tables" / "cobweb.parquet").row(0, named=True)
    b1, a1 = np.polyfit(COBWEB_PRICE[:-1], COBWEB_OUTPUT[1:], 1)
    assert (got["a1"], got["b1"]) == (pytest.approx(a1, rel=1e-9), pytest.approx(b1, rel=1e-9))
