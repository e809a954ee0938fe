"""Round 16, the lead's items (left by earlier rounds).

A price list in US or Australian cents written with the country's letters (`USc`, `US cents`, `AUc`) at price 1
was costed as whole dollars, 100x too much (`cents`, `¢` and `USD cents` were refused since round 15). A prices
table with a row per time-of-use band or tariff tier of one day was refused with the generic duplicate-row line,
naming no reason. A validation-only forecast left `forecast.horizon` and `forecast.interval_level` unread without
a word.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke
from scipy import stats

from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError


def _mapping(unit: str, currency: str, price: float = 1.0) -> dict:
    return {"currency": currency, "resources": {"opex": {"unit": unit, "category": "other", "price": price}},
            "activities": {"mining": {"stage": "mining", "resources": ["opex"]}}}


@pytest.mark.parametrize("unit, currency, says", [
    ("USc", "USD", "unit 'USc' is 0.01 USD: at price 1.0 under costs.currency 'USD' it costs 0.01 USD as 1 USD"),
    ("US cents", "USD", "unit 'US cents' is 0.01 USD"),
    ("US¢", "USD", "unit 'US¢' is 0.01 USD"),
    ("AUc", "AUD", "unit 'AUc' is 0.01 AUD: at price 1.0 under costs.currency 'AUD'"),
    ("USc", "AUD", "unit 'USc' is 0.01 USD: at price 1.0 under costs.currency 'AUD' it costs 0.01 USD as 1 AUD; "
                   "expected the price of 1 USc in AUD (0.01 times the exchange rate)"),
])
def test_cents_with_a_countrys_letters_at_price_1_are_refused(unit, currency, says):
    with pytest.raises(ConfigError) as refused:
        CostMapping.from_dict(_mapping(unit, currency))
    assert says in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("unit, currency, price, money", [
    ("USc", "USD", 0.01, True), ("AUc", "AUD", 0.01, True),
    ("ac", "USD", 1.0, False), ("us", "USD", 1.0, False), ("c", "USD", 1.0, False),  # acres, microsiemens, a letter
])
def test_cents_at_their_price_and_look_alike_units_are_taken(unit, currency, price, money):
    assert CostMapping.from_dict(_mapping(unit, currency, price)).is_money("opex") is money


def _prices(folder: Path, extra: dict) -> Path:
    day = dt.date(2024, 1, 1)
    pl.DataFrame({"resource": ["electricity"] * 3 + ["diesel", "explosives"], "valid_from": [day] * 5,
                  "price": [0.9, 0.6, 0.3, 7.5, 11.0], **extra}).write_parquet(folder / "prices.parquet")
    return folder / "prices.parquet"


def test_a_time_of_use_price_table_is_refused_naming_the_band_column(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    prices = _prices(folder, {"tou_period": ["peak", "shoulder", "offpeak", None, None]})
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "table 'prices' has duplicate rows for key resource=electricity, valid_from=2024-01-01; expected one row "
                   "per resource, valid_from (the rows differ in 'tou_period', which is not read: a price holds for a "
                   "resource's whole day, so time-of-use or tiered tariffs are not costed", inputs=[prices],
                   run_dir=tmp_path / "run")


def test_duplicate_prices_differing_in_a_column_that_is_read_name_no_tariff(tmp_path):
    """Near miss: rows of one key in two units are a plain duplicate, not tariffs (the unit column is read)."""
    folder = write_tiny_mine(tmp_path / "mine")
    _prices(folder, {"unit": ["CNY/kWh", "CNY/MWh", "CNY/kWh", "CNY/L", "CNY/kg"]})
    result = invoke("cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}")
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "expected one row per resource, valid_from" in said and "tariff" not in said, said


def _forecast(run: Path, *extra: str) -> list[str]:
    return ["forecast", "series=australia", "forecaster=[naive]", "forecast.tune=naive", "debug=quick", "report=false",
            f"hydra.run.dir={run}", *extra]


def test_a_validation_only_forecast_says_its_horizon_is_unread(tmp_path):
    run = tmp_path / "run"
    result = invoke(*_forecast(run, "forecast.validation_only=true", "forecast.horizon=24", "forecast.interval_level=0.8"))
    said = " ".join(result.output.split())
    assert result.exit_code == 0, said
    assert "warning: forecast.horizon=24 is read only with forecast.validation_only=false: not used by this run" in said
    assert "warning: forecast.interval_level=0.8 is read only with forecast.validation_only=false" in said
    assert "forecast" not in {p.stem for p in (run / "tables").glob("*.parquet")}  # indeed no forecast was made
    assert json.loads((run / "metrics.json").read_text())["validation.mape"] > 0


def test_a_full_forecast_reads_its_horizon_silently(tmp_path):
    run = tmp_path / "run"
    result = invoke(*_forecast(run, "forecast.horizon=24"))
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    assert pl.read_parquet(run / "tables" / "forecast.parquet").height == 24


def test_a_fixed_cost_item_is_propagated_as_a_point(tmp_path):
    """A rent of 3 a month beside an item b of 7, 8, 9, 7, 10 (uniform: scipy's fit is loc 7, scale 3): the total is
    3 + b, its range b's range scaled by b's share 8.5 / 11.5 (eq 23) and, by Monte Carlo, 3 + b's quantiles."""
    path = tmp_path / "items.csv"
    path.write_text("price,a,b\n1,3,7\n2,3,8\n4,3,9\n3,3,7\n5,3,10\n")
    run = tmp_path / "run"
    result = invoke("uncertainty", f"dataset.path={path}", "dataset.column=price", "dataset.name=t", "uncertainty.n_resamples=99",
                    "dataset.transforms=[level]", "dataset.cost_items=[a,b]", "uncertainty.families=[normal,uniform]",
                    f"hydra.run.dir={run}", "report=false")
    assert result.exit_code == 0, result.output
    rows = {row["item"]: row for row in pl.read_parquet(run / "tables" / "propagation.parquet").iter_rows(named=True)}
    assert (rows["a"]["family"], rows["a"]["mean"], rows["a"]["range_low_pct"], rows["a"]["range_high_pct"]) == ("fixed", 3.0, 0, 0)
    b = stats.uniform(7, 3)
    b_high = 100 * (b.ppf(0.975) / 8.5 - 1)
    assert rows["b"]["family"] == "uniform" and rows["b"]["range_high_pct"] == pytest.approx(b_high, rel=1e-9)
    assert rows["total (analytic)"]["range_high_pct"] == pytest.approx(b_high * 8.5 / 11.5, rel=1e-9)
    monte_carlo = rows["total (monte carlo)"]
    assert monte_carlo["mean"] == pytest.approx(11.5, abs=0.01)  # 100,000 draws: sd of the mean 0.003
    assert monte_carlo["range_low_pct"] == pytest.approx(100 * ((3 + b.ppf(0.025)) / 11.5 - 1), abs=0.05)
    assert np.isfinite(monte_carlo["range_high_pct"])


def test_a_sweep_over_an_output_that_is_no_column_is_refused_before_any_job(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", "data=parquet_dir", f"data.dir={folder}", "cost.output=ore_t,drilled_m,nosuch",
                    f"hydra.sweep.dir={sweep}"],
                   "cost.output: 'nosuch' is not a column of the production table; expected one of ['ore_t', 'drilled_m', 'haul_km']")
    assert not sweep.exists()  # no job ran


def test_an_output_renamed_from_a_csv_column_is_taken(tmp_path):
    """Near miss: the column is `tonnes` in the file, `ore_t` once the source's `columns:` renames it."""
    folder = write_tiny_mine(tmp_path / "mine")
    production = tmp_path / "production.csv"
    pl.read_parquet(folder / "production.parquet").rename({"ore_t": "tonnes"}).write_csv(production)
    conf = tmp_path / "conf" / "data"
    conf.mkdir(parents=True)
    (conf / "csv_mine.yaml").write_text("defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: "
                                        f"{{kind: csv, path: '{production}', columns: {{tonnes: ore_t}}}}\n")
    run = tmp_path / "run"
    result = invoke("cost", "-cd", str(conf.parent), "data=csv_mine", f"data.dir={folder}", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["cost.total"] == 35 * 85.0  # 35 h of haulage labour at 85 CNY/h


def test_a_warning_keeps_a_value_in_brackets(tmp_path):
    """Rich read `[usd/t]` as markup and dropped it: the warning named the column as `coal `."""
    result = invoke(*_forecast(tmp_path / "run", "source.value_column='coal [usd/t]'"))
    said = " ".join(result.output.split())
    assert result.exit_code == 0 and "warning: source.value_column='coal [usd/t]' is read only with series=" in said, said
