"""Bad-input corpus, round 14 (series): levels written as the tail's share, settings named for a model left out or
read by none, units per another quantity, and names given twice, given to `minectl uncertainty`
and `minectl forecast`.

Silent before (exit 0): uncertainty.risk_level=0.05 (alpha for a 95 % VaR) reported the revenue's 95th percentile as
its "VaR", above the expected revenue, and confidence / forecast.interval_level=0.05 intervals of the middle 5 %;
forecast.tune naming a model not selected dropped validation.mape; forecaster.lstm.params.dropout with num_layers=1
trained without dropout; the Pink Sheet's USD/t forecast under source.unit=USD/st labelled per short ton. A
traceback before: dataset.cost_items naming a column twice (polars' DuplicateError).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke, quick_uncertainty, run_metrics

from minectl.errors import ConfigError
from minectl.forecast.lstm import LSTMForecaster
from minectl.uncertainty.bootstrap import bootstrap_ci

MONTHS = [f"{2010 + i // 12}-{i % 12 + 1:02d}" for i in range(48)]


def _prices(size: int) -> np.ndarray:
    return np.round(100 * np.exp(np.cumsum(np.random.default_rng(14).normal(0, 0.04, size))), 2)


def _monthly(path: Path, values=None) -> np.ndarray:
    values = _prices(len(MONTHS)) if values is None else np.asarray(values, dtype=float)
    pl.DataFrame({"date": MONTHS, "value": values}).write_csv(path)
    return values


def _forecast(path: Path, run: Path, *extra: str) -> list[str]:
    return ["forecast", f"series={path}", "forecaster=[naive]", "debug=quick", f"hydra.run.dir={run}", *extra]


# --- a level written as the share of the tail -------------------------------------------------------------------

def test_a_revenue_var_level_written_as_the_tails_share_is_refused(tmp_path: Path) -> None:
    """Exit 0 before: at risk_level 0.05 the revenue "VaR" was 779.5, above the expected 732.0 (its 95th percentile)."""
    path = tmp_path / "prices.csv"
    _monthly(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=date", "revenue.output=10",
                                     "uncertainty.risk_level=0.05"),
                   "uncertainty.risk_level=0.05 is below 0.5; expected the share of outcomes better than the VaR (e.g. 0.95), "
                   "not the share left out", inputs=[path], run_dir=tmp_path / "run")


def test_a_sweep_with_one_confidence_as_the_tails_share_runs_no_job(tmp_path: Path) -> None:
    """Exit 0 before: a 0.1 "confidence" interval held the middle 10 % of the resamples."""
    path = tmp_path / "prices.csv"
    _monthly(path)
    args = quick_uncertainty(path, tmp_path / "run", "uncertainty.confidence=0.95,0.1", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert_refused([args[0], "-m", *args[1:]],
                   "uncertainty.confidence=0.1 is below 0.5; expected the share of the resamples the interval holds (e.g. 0.9)",
                   inputs=[path])
    assert not list(tmp_path.rglob("metrics.json"))


def test_the_revenue_var_at_a_level_of_one_half_is_the_median_revenue_by_hand(tmp_path: Path) -> None:
    """Near miss: 0.5 is a level (the median). Historical simulation: revenue = 10 x last price x e^r over the 47
    monthly log returns; the VaR at 0.5 is the ceil(47 x 0.5) = 24th lowest revenue."""
    path = tmp_path / "prices.csv"
    prices = _monthly(path)
    metrics = run_metrics(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=date", "revenue.output=10",
                                            "uncertainty.risk_level=0.5"), tmp_path / "run")
    revenue = np.sort(10 * prices[-1] * np.exp(np.diff(np.log(prices))))
    assert metrics["uncertainty.revenue.var"] == pytest.approx(revenue[math.ceil(47 * 0.5) - 1], rel=1e-12)


def test_a_forecast_interval_level_written_as_the_share_left_out_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    _monthly(path)
    assert_refused(_forecast(path, tmp_path / "run", "forecast.interval_level=0.05"),
                   "forecast.interval_level=0.05 is below 0.5; expected the share of outcomes the interval holds (e.g. 0.95)",
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("q", [0.0, 1.0])
def test_the_bootstrap_of_the_minimum_or_maximum_is_refused(q: float) -> None:
    """Exit 0 before (uncertainty.q=1): a resample's maximum never passes the sample's, so the "95 % interval" of the
    maximum was [0.0647, 0.1059] ending at the estimate 0.1059, its range +0.00 %."""
    with pytest.raises(ConfigError, match=r"expected a quantile level in \(0, 1\)"):
        bootstrap_ci(_prices(50), "quantile", q=q, n_resamples=99)


def test_the_bootstrap_of_an_inner_quantile_is_numpys_quantile() -> None:
    """Near miss: q=0.9 of 50 prices is numpy's (linear) 0.9 quantile, its interval around it."""
    prices = _prices(50)
    result = bootstrap_ci(prices, "quantile", q=0.9, n_resamples=99)
    assert result.estimate == pytest.approx(np.quantile(prices, 0.9), rel=1e-12) and result.low < result.estimate < result.high


# --- settings for a model left out, or read by no parameter ------------------------------------------------------

def test_a_tuned_model_that_is_not_selected_is_refused_naming_the_selected(tmp_path: Path) -> None:
    """Exit 0 before: forecast.tune=lstm with forecaster=[naive] ran without validation.mape (a sweep's objective);
    with objective=validation.mape, every job of the sweep ran, then failed."""
    path = tmp_path / "prices.csv"
    _monthly(path)
    assert_refused(_forecast(path, tmp_path / "run", "forecast.tune=lstm"),
                   "forecast.tune: 'lstm' is not a selected model; expected one of naive", inputs=[path], run_dir=tmp_path / "run")
    # a search for the best validation.mape with the default tune (lstm) left out: each job failed once it had run
    args = _forecast(path, tmp_path / "run", "objective=validation.mape", "forecaster=[naive,seasonal_naive]",
                     f"hydra.sweep.dir={tmp_path / 'sweep'}", "forecast.interval_level=0.8,0.9")
    assert_refused([args[0], "-m", *args[1:]], "forecast.tune: 'lstm' is not a selected model; expected one of naive, seasonal_naive",
                   inputs=[path])
    assert not list(tmp_path.rglob("metrics.json"))


@pytest.mark.parametrize("params, said", [
    ({"num_layers": 1}, ["dropout=0.2 is not used with num_layers=1"]),
    ({"num_layers": 1, "dropout": 0.35}, ["dropout=0.35 is not used with num_layers=1"]),
    ({"num_layers": 1, "dropout": 0.0}, []),  # near misses: no dropout, or layers for it to act between
    ({"num_layers": 2}, []),
    ({}, []),
])
def test_lstm_dropout_with_one_layer_is_said(params: dict, said: list[str]) -> None:
    """torch's LSTM drops out between stacked layers only: num_layers=1 trained without it, without a word."""
    assert [line.split(" (")[0] for line in LSTMForecaster(**params).unused_params()] == said


def test_a_refusal_after_an_unused_dropout_stays_one_line(tmp_path: Path) -> None:
    """The dropout line is said with the figures: said as the run started, it came before a later refusal's line."""
    path = tmp_path / "prices.csv"
    values = _prices(len(MONTHS))
    values[20] = -5.0
    _monthly(path, values)
    assert_refused(_forecast(path, tmp_path / "run", "forecaster=[naive,lstm]", "forecast.tune=naive",
                             "forecaster.lstm.params.num_layers=1"),
                   [str(path), "column 'value' must be > 0 (prices are modelled in logs); got -5.0 at 2011-09"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_frequency_without_revenue_risk_is_said_unread(tmp_path: Path) -> None:
    """Exit 0 before, unsaid: dataset.frequency names the revenue VaR's horizon (one row) and nothing else reads it."""
    path = tmp_path / "series.csv"
    pl.DataFrame({"value": _prices(60)}).write_csv(path)
    result = invoke(*quick_uncertainty(path, tmp_path / "run", "dataset.frequency=week"))
    assert result.exit_code == 0, result.output
    assert "warning: dataset.frequency=week is read only with revenue.output > 0: not used by this run" in \
        " ".join(result.output.split())


# --- a unit per another quantity than the column's name ----------------------------------------------------------

def test_a_unit_per_another_quantity_than_the_column_names_is_refused(tmp_path: Path) -> None:
    """Exit 0 before: coal_australia_usd_mt (per tonne) labelled USD/st in tables/forecast.parquet: a short ton is
    0.907 t, the prices 10 % off as labelled."""
    assert_refused(["forecast", "source.unit=USD/st", "forecaster=[naive]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "source.unit='USD/st': column 'coal_australia_usd_mt' is named as prices per tonne; expected a unit per "
                   "tonne", run_dir=tmp_path / "run")
    from minectl.forecast.series import check_unit_mass

    for unit in ("USD/short ton", "USc/lb", "USD/long_ton"):
        with pytest.raises(ConfigError, match="is named as prices per tonne"):
            check_unit_mass("coal_australia_usd_mt", unit)


def test_units_per_the_columns_quantity_or_one_the_name_does_not_say_are_kept() -> None:
    from minectl.forecast.series import check_unit_mass

    for column, unit in (("coal_australia_usd_mt", "USD/t"), ("coal_australia_usd_mt", "USD/metric ton"),
                         ("coal_usd_mt", "USD/tonne"), ("coal_usd_mt", "USD/ton"),  # a bare ton: either
                         ("value", "USD/st"), ("gold_usd_toz", "USD/oz"), ("iron_ore_usd_dmt", "USD/t"), ("coal_usd_mt", None)):
        check_unit_mass(column, unit)
    with pytest.raises(ConfigError, match="per troy ounce"):
        check_unit_mass("gold_usd_toz", "USD/kg")


# --- a name given twice ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, said", [
    ("dataset.cost_items=[a,b,a]", "dataset.cost_items: 'a' is listed twice; expected each item once"),
    ("dataset.transforms=[level,log_return,level]", "dataset.transforms: 'level' is listed twice; expected each item once"),
])
def test_a_cost_item_or_transform_named_twice_is_refused(tmp_path: Path, setting: str, said: str) -> None:
    """A cost item twice was polars' DuplicateError traceback; a transform twice was bootstrapped twice, shown once."""
    path = tmp_path / "items.csv"
    rng = np.random.default_rng(1)
    pl.DataFrame({"value": rng.normal(100, 5, 60), "a": rng.normal(50, 5, 60), "b": rng.gamma(2, 3, 60)}).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", setting), said, inputs=[path], run_dir=tmp_path / "run")


# --- empty months among the scored ones --------------------------------------------------------------------------

def test_empty_months_in_the_scored_periods_are_not_scored_by_hand(tmp_path: Path) -> None:
    """Exit 0 before: forecasts of an empty month were scored against its interpolation between its neighbours.
    Months 41, 42 (validation) and 46 (backtest) of 48 empty: the naive model's one-month MAPE over the quoted months,
    each forecast the month before as the models see it (filled in); forecast.tune=naive, selected, is validation.mape."""
    prices = _prices(len(MONTHS))
    empty = [40, 41, 45]
    path = tmp_path / "gaps.csv"
    pl.DataFrame({"date": MONTHS, "value": [None if i in empty else p for i, p in enumerate(prices)]}).write_csv(path)
    seen = prices.copy()
    seen[40:42] = prices[39] + (prices[42] - prices[39]) * np.array([1, 2]) / 3
    seen[45] = (prices[44] + prices[46]) / 2

    def mape(targets: list[int]) -> float:
        t = np.array(targets)
        return 100 * np.mean(np.abs(prices[t] - seen[t - 1]) / prices[t])

    metrics = run_metrics(_forecast(path, tmp_path / "run", "forecast.tune=naive"), tmp_path / "run")
    assert metrics["validation.mape"] == pytest.approx(mape([36, 37, 38, 39]), rel=1e-12)
    # nor a forecast made at an empty month (round 19): month 42 forecast at 41 and 46 at 45, whose filled values were
    # drawn towards 42 and 46 themselves (2.82 % with them)
    assert metrics["backtest.mape.naive"] == pytest.approx(mape([43, 44, 47]), rel=1e-12)
    assert metrics["series.interpolated"] == 3


def test_a_scored_period_of_empty_months_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    pl.DataFrame({"date": MONTHS, "value": [None if 36 <= i < 42 else p for i, p in enumerate(_prices(48))]}).write_csv(path)
    assert_refused(_forecast(path, tmp_path / "run"),
                   [str(path), "every month from 2013-01 to 2013-06 (a scored period: validation or backtest) is empty"],
                   inputs=[path], run_dir=tmp_path / "run")


# --- a price that moves once ------------------------------------------------------------------------------------

def test_a_price_that_moves_once_is_forecast_by_the_naive_model_by_hand(tmp_path: Path) -> None:
    """Near misses: 80 throughout but 81 in the last month: the naive forecast is 81 for each of the 3 months, its
    validation MAPE 0; the default tune (lstm, not selected, not named) runs without validation.mape, as documented."""
    path = tmp_path / "once.csv"
    _monthly(path, [80.0] * (len(MONTHS) - 1) + [81.0])
    metrics = run_metrics(_forecast(path, tmp_path / "run"), tmp_path / "run")
    assert pl.read_parquet(tmp_path / "run" / "tables" / "forecast.parquet")["forecast"].to_list() == [81.0] * 3
    assert metrics["validation.mape_by_model.naive"] == 0.0 and "validation.mape" not in metrics
