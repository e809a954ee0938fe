"""Round-22 probe of the plans (capacity, schedule, optimize): cross-checks on small instances and prices in
units that do not match. Two prices of one tonne in `minectl capacity` (limits.price for eq 6, the price curve
revenue.price_coefs for the optimum) in different currencies gave a minimum profitable scale at one and an
optimum at the other, unsaid.
"""

from __future__ import annotations

import json

import pytest
from harness import assert_refused, invoke, run_metrics


@pytest.mark.parametrize("override, shown", [
    ("revenue.price_coefs=[45]", "limits.price=300 is nowhere near the price curve revenue.price_coefs, P(Q) = 45 on the "
                                 "technical range (not even within 22.5-90); expected both in the same currency per tonne"),
    ("limits.price=650", "limits.price=650 is nowhere near the price curve revenue.price_coefs, P(Q) = 300"),
])
def test_a_price_of_another_currency_than_the_price_curve_is_refused(tmp_path, override, shown):
    """USD/t in the price curve beside yuan/t in limits.price: the optimum was chosen at 45 with the minimum profitable
    scale of 300 (22.26 Mt/a at a loss of 6.2e8 yuan a month), exit 0."""
    assert_refused(["capacity", override, "report=false", f"hydra.run.dir={tmp_path / 'run'}"], shown, run_dir=tmp_path / "run")


def test_a_sweep_with_a_price_of_another_currency_is_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["capacity", "-m", "revenue.price_coefs=[300],[45]", "report=false", f"hydra.sweep.dir={sweep}"],
                   "limits.price=300 is nowhere near the price curve", run_dir=sweep)


@pytest.mark.parametrize("overrides", [
    ["limits.price=600"],  # twice the curve's price: a price in the same currency, kept
    ["revenue.price_coefs=[300,-2]"],  # a demand line 204.8 at the lower limit, negative past Q = 150: 300 is near it
    ["revenue.price_coefs=[45]", "limits.price=45", "limits.variable_unit_cost=20",
     "limits.fixed_cost_a=1.4e8"],  # all in USD
    ["revenue.output_unit_t=1000"],  # 1e3 t: revenue and cost meet (breaks even at Q = 498)
    ["revenue.periods_per_year=1"],  # revenue and cost 1.6 times apart at best: a loss, as the default's 1.27, not a unit slip
])
def test_prices_of_one_currency_and_revenue_and_cost_of_one_scale_still_run(tmp_path, overrides):
    run = tmp_path / "run"
    result = invoke("capacity", *overrides, "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["capacity.optimal_mt_a"] > 0


def _forecast_table(path):
    """A forecast run's table: one month, a 90 % interval of a lognormal around the forecast 2000 USD/oz."""
    import datetime as dt

    import polars as pl

    pl.DataFrame({"model": ["arima"], "date": [dt.date(2027, 1, 1)], "forecast": [2000.0], "lower": [1500.0], "upper": [2666.7],
                  "unit": ["USD/oz"], "interval_level": [0.9]}).write_parquet(path)
    return path


@pytest.mark.parametrize("statistic, price", [("forecast", 2000.0), ("lower", 1500.0), ("upper", 2666.7)])
def test_the_stope_pays_with_the_forecast_distribution_whichever_statistic_prices_it(tmp_path, statistic, price):
    """price.statistic=lower prices the extension at the interval's lower bound (its net value), but P(pays) is the chance
    under the forecast's lognormal, median the forecast (docs/schedule.md): it took the lower bound as the median,
    0.902 where the forecast gives 0.998 (and 0.99999770 for upper)."""
    import math

    from scipy.stats import lognorm, norm

    table = _forecast_table(tmp_path / "forecast.parquet")
    run = tmp_path / "run"
    metrics = run_metrics(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", f"price.statistic={statistic}",
                           "report=false", f"hydra.run.dir={run}"], run)
    sigma = math.log(2666.7 / 1500.0) / (2 * norm.ppf(0.95))
    assert metrics["schedule.stope.price_sigma"] == pytest.approx(sigma, rel=1e-12)
    assert metrics["schedule.stope.probability_pays"] == pytest.approx(lognorm(s=sigma, scale=2000.0).sf(
        metrics["schedule.stope.breakeven_price"]), rel=1e-9)
    assert metrics["schedule.price"] == price  # the plans' price is still the statistic's


def test_a_forecast_month_without_its_forecast_is_refused_beside_its_interval(tmp_path):
    """price.statistic=lower of a row whose forecast is empty: the interval's median was None, a TypeError traceback."""
    import polars as pl

    table = tmp_path / "forecast.parquet"
    pl.read_parquet(_forecast_table(table)).with_columns(forecast=pl.lit(None, pl.Float64)).write_parquet(table)
    run = tmp_path / "run"
    assert_refused(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.statistic=lower",
                    "report=false", f"hydra.run.dir={run}"], "price.forecast_table: forecast of arima month 1 is None; expected a price > 0",
                   inputs=[table], run_dir=run)


@pytest.mark.parametrize("unit", ["CNY/oz", "EUR/troy oz", "C$/oz"])
def test_a_gold_forecast_in_another_currency_is_refused(tmp_path, unit):
    """A Shanghai gold forecast in CNY/oz (about 7 x the dollars) priced the stope as US$/oz, printed US$, exit 0: the
    unit check asked for an ounce only."""
    import polars as pl

    table = tmp_path / "forecast.parquet"
    pl.read_parquet(_forecast_table(table)).with_columns(unit=pl.lit(unit)).write_parquet(table)
    run = tmp_path / "run"
    assert_refused(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "report=false", f"hydra.run.dir={run}"],
                   f"price.forecast_table: {table}: arima's prices in {unit}; expected a price per troy ounce (USD/oz",
                   inputs=[table], run_dir=run)


@pytest.mark.parametrize("unit", ["US$/troy oz", "$/ozt", "real 2010 USD/oz"])
def test_a_gold_forecast_in_dollars_written_otherwise_still_runs(tmp_path, unit):
    import polars as pl

    table = tmp_path / "forecast.parquet"
    pl.read_parquet(_forecast_table(table)).with_columns(unit=pl.lit(unit)).write_parquet(table)
    run = tmp_path / "run"
    metrics = run_metrics(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "report=false",
                           f"hydra.run.dir={run}"], run)
    assert metrics["schedule.price"] == 2000.0


def _price_path(path, unit):
    import datetime as dt

    import polars as pl

    pl.DataFrame({"model": ["naive"] * 3, "date": [dt.date(2027, m, 1) for m in (1, 2, 3)], "forecast": [380.0, 385.0, 390.0],
                  "unit": [unit] * 3}).write_parquet(path)
    return path


def _optimize(table, run, band_unit):
    return ["optimize", "debug=quick", f"optimize.decision.price_path={table}", f"optimize.decision.price_unit={band_unit}",
            "report=false", f"hydra.run.dir={run}"]


@pytest.mark.parametrize("unit", ["CNY / t", "cny/t", "RMB/t", "CNY per t"])
def test_a_price_path_in_the_bands_unit_spelt_otherwise_still_decides(tmp_path, unit):
    """`CNY / t` beside optimize.decision.price_unit=CNY/t was refused: "prices in CNY / t ...; expected prices in CNY/t"."""
    table, run = _price_path(tmp_path / "forecast.parquet", unit), tmp_path / "run"
    assert run_metrics(_optimize(table, run, "CNY/t"), run)["decision.price"] == 390.0


def test_a_price_path_in_another_currency_is_still_refused(tmp_path):
    table, run = _price_path(tmp_path / "forecast.parquet", "CNY / t"), tmp_path / "run"
    assert_refused(_optimize(table, run, "USD/t"), "prices in CNY / t, the decision's price band 300-450 USD/t; expected prices in USD/t",
                   inputs=[table], run_dir=run)
