"""Bad-input corpus, round 15 (cost): a money resource of the cost mapping in a multiple or a hundredth of a
currency written the way financial statements and price lists write it, and a currency sign.

The NRRI taconite mapping (conf/costs/taconite.yaml) books each cost line as a money resource at price 1 in
USD. A user who loads figures "in $000" (the usual header of a US statement) and writes `unit: $000` (or
`k$`, `$M`, `USD 000`, `USD mn`, `$bn`) got every line costed as dollars, 1,000x (1,000,000x) too small, without
a word: only kUSD, USD'000, thousand and million were known as multiples. A price list in cents (`unit: cents`,
`¢`, Chinese `fen`) at price 1 cost 100x too much (round 14 left `fen`). A currency sign at price 1 under
another currency (`€` under USD, `$` under CNY) cost 1 EUR as 1 USD, where `unit: EUR` was refused for that.
They are refused now as `kUSD` and `EUR` are (costs.resources.<name>, what one unit is, the price expected); a
sign of the run's own currency (`$` under USD or AUD, `¥` under CNY or JPY, `€` under EUR), a price that
converts (`$000` at 1000, `cents` at 0.01) and units of no money (`mm`, `k`, `t`) are costed as before.

A price table's unit or currency column written with the run's currency sign (`$/MWh` as US price lists give it,
`US$`, `¥/kWh` under CNY) was refused as another currency; it states the run's currency now. Another currency's
sign (`$/kWh` under CNY, `€/kWh` under USD) and another unit (`$/MWh` for kWh) are still refused.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, run_metrics

from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError, DataError


def _mapping(unit: str, currency: str = "USD", price: float = 1.0) -> dict:
    return {"currency": currency, "resources": {"mining_opex": {"unit": unit, "category": "other", "price": price}},
            "activities": {"mining": {"stage": "mining", "resources": ["mining_opex"]}}}


@pytest.mark.parametrize("unit, currency, says", [
    ("$000", "USD", "unit '$000' is 1,000 USD: at price 1.0 under costs.currency 'USD' it costs 1,000 USD as 1 USD; "
                    "expected the price of 1 $000 in USD (1000), or costs.currency '$000'"),
    ("k$", "USD", "unit 'k$' is 1,000 USD"),
    ("USD 000", "USD", "unit 'USD 000' is 1,000 USD"),
    ("1000 USD", "USD", "unit '1000 USD' is 1,000 USD"),
    ("$M", "USD", "unit '$M' is 1,000,000 USD"),
    ("USD mn", "USD", "unit 'USD mn' is 1,000,000 USD"),
    ("$bn", "USD", "unit '$bn' is 1,000,000,000 USD"),
    ("$000", "AUD", "unit '$000' is 1,000 AUD: at price 1.0 under costs.currency 'AUD'"),  # the run's dollar
    ("€m", "USD", "unit '€m' is 1,000,000 EUR: at price 1.0 under costs.currency 'USD' it costs 1,000,000 EUR as 1 USD; "
                  "expected the price of 1 €m in USD (1000000 times the exchange rate)"),
    ("cents", "USD", "unit 'cents' is 0.01 USD: at price 1.0 under costs.currency 'USD' it costs 0.01 USD as 1 USD; "
                     "expected the price of 1 cents in USD (0.01)"),
    ("¢", "USD", "unit '¢' is 0.01 USD"),
    ("EUR cents", "USD", "unit 'EUR cents' is 0.01 EUR: at price 1.0 under costs.currency 'USD'"),
    ("fen", "CNY", "unit 'fen' is 0.01 CNY: at price 1.0 under costs.currency 'CNY' it costs 0.01 CNY as 1 CNY"),
    ("€", "USD", "unit '€' at price 1.0 under costs.currency 'USD' costs 1 € as 1 USD; expected the price of 1 € in USD "
                 "(the exchange rate)"),
    ("$", "CNY", "unit '$' at price 1.0 under costs.currency 'CNY' costs 1 $ as 1 CNY"),
])
def test_money_in_another_multiple_or_sign_at_price_1_is_refused(unit, currency, says):
    with pytest.raises(ConfigError) as refused:
        CostMapping.from_dict(_mapping(unit, currency))
    line = str(refused.value)
    assert "\n" not in line and line.startswith("costs.resources.mining_opex: "), line
    assert says in line, line


@pytest.mark.parametrize("unit, currency, price, money", [
    ("$", "USD", 1.0, True), ("US$", "USD", 1.0, True), ("$", "AUD", 1.0, True), ("¥", "CNY", 1.0, True), ("¥", "JPY", 1.0, True),
    ("€", "EUR", 1.0, True), ("Euro", "EUR", 1.0, True), ("元", "CNY", 1.0, True), ("RMB", "CNY", 1.0, True),
    ("$000", "USD", 1000.0, True), ("cents", "USD", 0.01, True), ("fen", "CNY", 0.01, True), ("€", "USD", 1.08, True),
    ("万元", "CNY", 10000.0, True), ("mm", "USD", 1.0, False), ("k", "USD", 1.0, False), ("t", "USD", 1.0, False),
    ("USD/t", "USD", 1.0, False), ("kWh", "CNY", 1.0, False),
])
def test_money_at_its_price_and_units_of_no_money_are_taken(unit, currency, price, money):
    mapping = CostMapping.from_dict(_mapping(unit, currency, price))
    assert mapping.is_money("mining_opex") is money  # money: no price-jump limit on its quantities


def test_the_taconite_mapping_in_thousands_of_dollars_is_refused_by_the_cost_command(tmp_path):
    run = tmp_path / "run"
    assert_refused(["cost", "+experiment=taconite", "costs.resources.mining_opex.unit=$000", f"hydra.run.dir={run}"],
                   "costs.resources.mining_opex: unit '$000' is 1,000 USD: at price 1.0 under costs.currency 'USD'",
                   run_dir=run)


def test_the_taconite_figures_in_dollar_signs_are_costed_as_before(tmp_path):
    """`unit: $` under USD is the mapping's USD: the documented 1,848,972,000 USD of the 5 mine-years."""
    run = tmp_path / "run"
    metrics = run_metrics(["cost", "+experiment=taconite", "report=false", "costs.resources.mining_opex.unit=$",
                           "costs.resources.processing_opex.unit=US$", f"hydra.run.dir={run}"], run)
    assert metrics["cost.total"] == 1848972000.0
    assert metrics["cost.share_stage.mining"] == pytest.approx(0.234, abs=5e-4)  # 23.4 % mean per mine-year


def _priced(currency: str) -> CostMapping:
    return CostMapping.from_dict({"currency": currency, "activities": {"mining": {"stage": "mining", "resources": ["electricity", "opex"]}},
                                  "resources": {"electricity": {"unit": "kWh", "category": "energy"},
                                                "opex": {"unit": currency, "category": "other", "price": 1.0}}})


@pytest.mark.parametrize("currency, table, column, resource, text", [
    ("USD", "prices", "unit", "electricity", "$/kWh"), ("USD", "prices", "unit", "electricity", "US$ per kWh"),
    ("USD", "prices", "currency", "electricity", "$"), ("AUD", "prices", "currency", "electricity", "$"),
    ("CNY", "prices", "unit", "electricity", "¥/kWh"), ("CNY", "prices", "unit", "electricity", "元/度"),
    ("USD", "consumption_daily", "unit", "opex", "$"), ("USD", "prices", "unit", "electricity", "USD/kWh"),
])
def test_a_unit_column_with_the_runs_currency_sign_is_taken(currency, table, column, resource, text):
    _priced(currency).check_units([(resource, text)], table, column, currency=column == "currency")


@pytest.mark.parametrize("currency, column, text", [
    ("CNY", "unit", "$/kWh"), ("USD", "unit", "€/kWh"), ("USD", "unit", "$/MWh"), ("AUD", "currency", "US$"), ("USD", "unit", "¢/kWh"),
])
def test_a_unit_column_with_another_currency_or_unit_is_still_refused(currency, column, text):
    with pytest.raises(DataError, match=re.escape(f"column '{column}' gives resource 'electricity' in '{text}'")):
        _priced(currency).check_units([("electricity", text)], "prices", column, currency=column == "currency")


def test_a_price_table_in_yuan_signs_costs_as_before(tmp_path):
    """The tiny mine's price table with a unit column in ¥: 35 h of haulage labour at 85 CNY/h, 2,975 CNY."""
    folder = write_tiny_mine(tmp_path / "mine")
    prices = pl.read_parquet(folder / "prices.parquet")
    prices.with_columns(unit=pl.Series(["¥/kWh", "¥/L", "¥/kg"])).write_parquet(folder / "prices.parquet")
    run = tmp_path / "run"
    metrics = run_metrics(["cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={run}"], run)
    assert metrics["cost.total"] == 35 * 85.0


def test_a_sweep_over_the_money_unit_is_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", "+experiment=taconite", "costs.resources.mining_opex.unit=USD,$000", f"hydra.sweep.dir={sweep}"],
                   "costs.resources.mining_opex: unit '$000' is 1,000 USD", run_dir=sweep)
    assert not sweep.exists()


def test_a_production_row_per_product_is_named(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    day = pl.read_parquet(folder / "production.parquet")
    pl.concat([day.with_columns(product=pl.lit("pellets")), day.with_columns(product=pl.lit("concentrate"), ore_t=pl.col("ore_t") / 2)]
              ).sort("date").write_parquet(folder / "production.parquet")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "table 'production' has 2 rows for mine_id=M1, date=2024-01-01, one per 'product' ('pellets', 'concentrate'); "
                   "expected one row per mine_id, date (the products summed upstream, or a column each)",
                   inputs=[folder], run_dir=tmp_path / "run")
