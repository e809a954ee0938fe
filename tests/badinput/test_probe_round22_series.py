"""Round-22 probe of `minectl forecast` on series with gaps and ARIMA fits that stop early.

- The naive model's interval took sigma over every month's log change, the filled (interpolated) months' included:
  those split the change across a gap into smaller steps, so sigma was too small and the future forecast's interval
  too narrow (Pink Sheet Australia, 40 % of the last 240 months empty: sigma 0.084 against 0.105 from the quotes, a
  90 % interval holding 83 %; quarterly quotes written as months, two empty between: sigma sqrt(3) too small, the
  90 % interval holding 68 % of the 3- to 12-month changes of the last 20 years, 85 % now), exit 0. The change
  between quotes m months apart now counts as m months' (over sqrt(m)); a series without a gap keeps its bits.
- An ARIMA backtest fit whose maximum-likelihood search stopped early (statsmodels' convergence warning, silenced)
  was said of none: only the fit on the whole series had a note. The default run on the Australian prices has 3 such
  backtest fits of 60; a run now says how many of its backtest fits did not converge.
- `minectl uncertainty` with dataset.group_by and a group of fewer than 3 values (a new machine with 2 failures): still
  refused, not left out (the other groups' figures would read as the file's, one group short, and no setting picks
  groups), but the line now says what to do: leave that group's rows out of the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke
from scipy.stats import norm

from minectl.forecast.models import ArimaForecaster, NaiveForecaster

PINKSHEET = Path(__file__).resolve().parents[2] / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"


def _australia(tmp_path: Path, months: int | None = None, empty=()) -> Path:
    """The Pink Sheet's Australian prices as `date,value` (the first ``months`` quotes, or all), the rows at the
    positions ``empty`` left empty."""
    frame = pl.read_csv(PINKSHEET, infer_schema_length=0).select(date=pl.col("month"), value=pl.col("coal_australia_usd_mt"))
    frame = frame.filter(pl.col("value").cast(pl.Float64, strict=False).is_not_null())
    frame = frame.head(months) if months else frame
    frame = frame.with_columns(value=pl.when(pl.int_range(pl.len()).is_in(list(empty))).then(None).otherwise(pl.col("value")))
    path = tmp_path / "prices.csv"
    frame.write_csv(path)
    return path


def _lhd(tmp_path: Path, machine_d: list[int]) -> Path:
    """The Kumar LHD log (machines A, B, C) as machine,tbf and a machine D with times between failures ``machine_d``."""
    lines = ["machine,tbf", *(f"{m},{t}" for m in "ABC" for t in (16, 23, 32, 24, 51, 40, 7)), *(f"D,{t}" for t in machine_d)]
    path = tmp_path / "lhd.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _uncertainty(path: Path, run: Path) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=tbf", "dataset.group_by=machine", "dataset.date_column=null",
            "dataset.transforms=[level]", "uncertainty.n_resamples=99", "uncertainty.families=[normal]",
            "uncertainty.autocorrelation_alpha=null", "report=false", f"hydra.run.dir={run}"]


@pytest.mark.parametrize("machine_d", [[50], [50, 70]])
def test_a_group_too_small_to_fit_says_which_rows_to_leave_out(tmp_path: Path, machine_d: list[int]) -> None:
    path = _lhd(tmp_path, machine_d)
    assert_refused(_uncertainty(path, tmp_path / "run"),
                   [f"column 'tbf' (D.level) has {len(machine_d)} value(s)", "leave the rows of 'D' out of the file"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_group_with_too_few_failures_says_which_rows_to_leave_out(tmp_path: Path) -> None:
    # with a censored column: machine D has 3 rows, but one is a suspension
    lines = ["machine,tbf,censored", *(f"{m},{t},false" for m in "ABC" for t in (16, 23, 32, 24, 51, 40, 7)),
             "D,50,false", "D,70,false", "D,44,true"]
    path = tmp_path / "lhd.csv"
    path.write_text("\n".join(lines) + "\n")
    assert_refused([*_uncertainty(path, tmp_path / "run"), "dataset.censored_column=censored"],
                   ["(machine=D): column 'censored' leaves 2 failures", "leave the rows of 'D' out of the file"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_group_of_three_values_is_analysed(tmp_path: Path) -> None:
    # near miss: three times between failures are enough
    result = invoke(*_uncertainty(_lhd(tmp_path, [50, 70, 44]), tmp_path / "run"))
    assert result.exit_code == 0, result.output


def _forecast(path: Path, run: Path, models: str) -> list[str]:
    return ["forecast", "debug=quick", f"forecaster={models}", f"series={path}", "report=false", f"hydra.run.dir={run}"]


def test_the_naive_interval_counts_a_change_across_a_gap_as_that_many_months(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    empty = [300 + int(i) for i in np.flatnonzero(rng.random(300) < 0.4)]  # 40 % of the last 300 months (of 677)
    empty = [i for i in empty if i < 676]  # the last month quoted
    run = tmp_path / "run"
    result = invoke(*_forecast(_australia(tmp_path, empty=empty), run, "[naive]"))
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(run / "tables/forecast.parquet")
    # by hand: the log change between consecutive quotes over sqrt of the months between them
    quotes = pl.read_csv(tmp_path / "prices.csv")["value"].to_numpy()
    quoted = np.flatnonzero(~np.isnan(quotes))
    sigma = np.std(np.diff(np.log(quotes[quoted])) / np.sqrt(np.diff(quoted)), ddof=1)
    half = norm.ppf(0.95) * sigma * np.sqrt([1, 2, 3])
    last = quotes[quoted[-1]]
    np.testing.assert_allclose(table["upper"].to_numpy(), last * np.exp(half), rtol=1e-12)
    np.testing.assert_allclose(table["lower"].to_numpy(), last * np.exp(-half), rtol=1e-12)


def test_a_series_without_gaps_keeps_the_naive_interval_of_every_months_change() -> None:
    # near miss: no month filled, the same bits as before (the steps divided by sqrt(1))
    y = np.array([100.0, 104.0, 99.0, 101.5, 108.0, 103.0])
    plain = NaiveForecaster().fit(y).predict_interval(4, 0.9)
    masked = NaiveForecaster().fit(y).predict_interval(4, 0.9, np.zeros(y.size, dtype=bool))
    sigma = np.std(np.diff(np.log(y)), ddof=1)
    half = norm.ppf(0.95) * sigma * np.sqrt(np.arange(1, 5))
    for lower, upper in (plain, masked):
        assert np.array_equal(upper, y[-1] * np.exp(half)) and np.array_equal(lower, y[-1] * np.exp(-half))


def test_a_run_says_how_many_arima_backtest_fits_did_not_converge(tmp_path: Path) -> None:
    # the first 36 quotes: the quick backtest fits ARIMA(1,1,0) on 24..35 months, and the one on 27 stops early
    path = _australia(tmp_path, months=36)
    y = pl.read_csv(path)["value"].to_numpy()
    assert [m for m in range(24, 37) if not ArimaForecaster().fit(y[:m]).results_.mle_retvals["converged"]] == [27]  # statsmodels itself
    result = invoke(*_forecast(path, tmp_path / "run", "[naive,arima]"))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "forecaster.arima: 1 of 12 backtest fits did not converge" in said, result.output


def test_arima_backtest_fits_that_converge_are_not_said(tmp_path: Path) -> None:
    # near miss: fits on 28..39 months all converge, and the run says nothing of them
    result = invoke(*_forecast(_australia(tmp_path, months=40), tmp_path / "run", "[naive,arima]"))
    assert result.exit_code == 0, result.output
    assert "did not converge" not in result.output, result.output
