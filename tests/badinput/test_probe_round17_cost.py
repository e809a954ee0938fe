"""Bad-input corpus, round 17 (cost): a unit in a mapped column's name that is a multiple (per 1000 L) or a US or
reactive-energy unit (gallons, short tons, kvarh), and an anomaly rule's `down` threshold written as a percent.

A column map that takes a source column as a price or a consumption quantity checks the unit word of its name
against the mapping (price_per_MWh for kWh is refused since round 10). A multiple before that word was not read:
fuel prices quoted per 1000 litres (`price_cny_per_1000_l`, `price (CNY/1000 L)`, `price_per_1000L`), explosives
per 100 kg, a quantity in thousands of litres (`qty_thousand_litres`, `qty_000_l`) were taken as per litre: every
price 1000x too high (every quantity 1000x too low), without a word. They are refused now, naming the multiple; a
column named in the plain unit, a number that is no multiple before it (a year), and a multiple before a word of no
unit are read as before. Gallons, pounds, short tons, barrels and ounces (as US mines' exports name columns) and a
meter's reactive or apparent energy (kvarh, kVAh) were no known unit word: a column `diesel_gal` was costed as litres
(3.785x low), `reactive_kvarh` as kWh. They are units of their kind now, refused against the mapping's other unit
and read where the mapping declares them. A unit column spelling them out (`kilowatt hours`, `gallons`, `pounds`,
`tons`) was refused beside the mapping's kWh, gal, lb, ton; it states that unit now (a US ton is still no t).

An anomaly rule's condition `down` fires when the indicator fell by at least its threshold relative to the trailing
mean. A threshold written as a percent (`threshold: 15` for 15 %) asks for a fall of 1500 %, which no cost or quantity
>= 0 makes: the rule never fired, silently. A `down` threshold above 1 is refused now; 1 (a fall to 0) and a fraction are
taken, and `up` keeps any threshold (a rise of 200 % is one).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused

from minectl.costing.anomalies import rule_hits, rules_from_config
from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError, DataError

MAPPING = CostMapping.from_dict({
    "currency": "CNY",
    "resources": {"diesel": {"unit": "L", "category": "energy"}, "explosives": {"unit": "kg", "category": "material"},
                  "electricity": {"unit": "kWh", "category": "energy"}, "bolts": {"unit": "pcs", "category": "material"}},
    "activities": {"loading": {"stage": "mining", "resources": ["diesel", "electricity"]},
                   "blasting": {"stage": "mining", "resources": ["explosives", "bolts"]}}})
ALL = ["diesel", "explosives", "electricity", "bolts"]


def _check(table: str, header: str, resources=ALL) -> None:
    target = "price" if table == "prices" else "quantity"
    MAPPING.check_column_maps({table: {"kind": "parquet", "columns": {header: target}}}, lambda _: resources)


# ------------------------------------------------------------------------- a multiple before a column's unit word

def assert_multiple_refused(table: str, header: str, says: str) -> None:
    """The column map's one line for a source column named in a multiple of its unit."""
    with pytest.raises(DataError) as refused:
        _check(table, header)
    line = str(refused.value)
    assert "\n" not in line and line.startswith(f"data.tables.{table}.columns: source column {header!r} is taken as the "), line
    assert says in line and line.endswith("(convert it upstream)"), line


@pytest.mark.parametrize("table, header, says", [
    ("prices", "price_cny_per_1000_l", "its name says 1000 'l', which the column map reads as 1 'l' (every price 1000x off)"),
    ("prices", "price (CNY/1000 L)", "its name says 1000 'L', which the column map reads as 1 'L' (every price 1000x off)"),
    ("prices", "price_per_1000L", "its name says 1000 'L'"),  # fused, as a header without spaces writes it
    ("prices", "price_per_100_kg", "its name says 100 'kg', which the column map reads as 1 'kg' (every price 100x off)"),
    ("prices", "price_thousand_cny_per_kwh", "its name says 1000 'cny'"),  # thousands of the currency
    ("consumption_daily", "qty_thousand_litres", "its name says 1000 'litres', which the column map reads as 1 'litres' "
                                                 "(every quantity 1000x off); expected the quantity in 'litres', not in 1000 'litres'"),
    ("consumption_daily", "diesel_000_l", "its name says 1000 'l'"),  # 000 as in $000
    ("consumption_hourly", "energy_1000_kWh", "its name says 1000 'kWh'"),
])
def test_a_column_named_in_a_multiple_of_the_unit_is_refused(table, header, says):
    assert_multiple_refused(table, header, says)


@pytest.mark.parametrize("table, header", [
    ("prices", "price_cny_per_l"), ("prices", "price_per_L"), ("prices", "price_2024_cny_per_l"),  # a year is no multiple
    ("prices", "price_10"),                        # a number before no word
    ("consumption_daily", "qty_100_pcs"),          # before a word of no known unit
    ("consumption_daily", "qty_kg"), ("consumption_hourly", "energy_kWh"),
])
def test_a_column_named_in_the_unit_itself_reads(table, header):
    _check(table, header)


TACONITE = CostMapping.from_dict({"currency": "USD", "resources": {"mining_opex": {"unit": "USD", "category": "other", "price": 1.0}},
                                  "activities": {"mining": {"stage": "mining", "resources": ["mining_opex"]}}})


@pytest.mark.parametrize("header, says", [("opex_million_usd", "1000000 'usd'"), ("opex_000_USD", "1000 'USD'")])
def test_a_cost_export_in_thousands_or_millions_is_refused(header, says):
    """A line of a cost export in $ millions, booked as dollars at price 1: 1,000,000x too low."""
    with pytest.raises(DataError, match=f"its name says {says}, which the column map reads as 1 "):
        TACONITE.check_column_maps({"consumption_daily": {"columns": {header: "quantity"}}}, lambda _: ["mining_opex"])
    TACONITE.check_column_maps({"consumption_daily": {"columns": {"opex_usd": "quantity"}}}, lambda _: ["mining_opex"])


@pytest.mark.parametrize("table, header, resource, word, unit", [
    ("consumption_daily", "diesel_gal", "diesel", "gal", "L"),          # a US gallon is 3.785 L
    ("consumption_daily", "fuel_gallons", "diesel", "gallons", "L"),
    ("prices", "price_cny_per_gal", "diesel", "gal", "L"),
    ("consumption_daily", "explosives_lbs", "explosives", "lbs", "kg"),  # 0.4536 kg
    ("consumption_daily", "explosives_tons", "explosives", "tons", "kg"),  # a short ton: 907.2 kg
    ("consumption_hourly", "reactive_kvarh", "electricity", "kvarh", "kWh"),  # reactive energy, no kWh
    ("consumption_hourly", "apparent_kVAh", "electricity", "kVAh", "kWh"),
])
def test_a_column_named_in_a_us_or_reactive_unit_is_refused(table, header, resource, word, unit):
    """These words were no known unit: gallons were costed as litres, kvarh as kWh."""
    with pytest.raises(DataError, match=f"its name says '{word}', but costs.resources.{resource}.unit '{unit}'"):
        _check(table, header, resources=[resource])


def test_a_column_in_gallons_reads_for_a_mapping_in_gallons():
    gallons = CostMapping.from_dict({"currency": "USD", "resources": {"diesel": {"unit": "gal", "category": "energy"}},
                                     "activities": {"hauling": {"stage": "transport", "resources": ["diesel"]}}})
    gallons.check_column_maps({"prices": {"columns": {"usd_per_gal": "price"}}}, lambda _: ["diesel"])
    with pytest.raises(DataError, match="its name says 'l', but costs.resources.diesel.unit 'gal'"):
        gallons.check_column_maps({"prices": {"columns": {"usd_per_l": "price"}}}, lambda _: ["diesel"])


US = CostMapping.from_dict({"currency": "USD", "resources": {
    "electricity": {"unit": "kWh", "category": "energy"}, "diesel": {"unit": "gal", "category": "energy"},
    "explosives": {"unit": "lb", "category": "material"}, "ore": {"unit": "ton", "category": "material"},
    "cement": {"unit": "t", "category": "material"}},
    "activities": {"mining": {"stage": "mining", "resources": ["electricity", "diesel", "explosives", "ore", "cement"]}}})


@pytest.mark.parametrize("resource, text", [
    ("electricity", "kilowatt hours"), ("electricity", "Kilowatt-Hours"), ("electricity", "kilowatt hour"),
    ("diesel", "gallons"), ("diesel", "US gal"), ("explosives", "lbs"), ("explosives", "pounds"), ("ore", "tons"),
])
def test_a_unit_column_spelling_out_the_mappings_unit_is_taken(resource, text):
    """A meter export's 'kilowatt hours' was refused beside a mapping in kWh (tonnes and litres were taken since round 14)."""
    US.check_units([(resource, text)], "consumption_daily", "unit")


@pytest.mark.parametrize("resource, text, unit", [
    ("electricity", "megawatt hours", "kWh"), ("cement", "tons", "t"), ("diesel", "litres", "gal"), ("explosives", "kg", "lb"),
])
def test_a_unit_column_spelling_out_another_unit_is_still_refused(resource, text, unit):
    with pytest.raises(DataError, match=f"gives resource '{resource}' in '{text}', costs.resources.{resource}.unit in '{unit}'"):
        US.check_units([(resource, text)], "consumption_daily", "unit")


def test_a_multiple_of_a_unit_of_a_kind_no_resource_has_says_nothing():
    _check("consumption_daily", "fuel_1000_l", resources=["explosives"])  # no volume among them, as before


def test_a_price_per_1000_litres_is_refused_by_the_cost_command(tmp_path):
    """The diesel price of 7.5 CNY/L listed per 1000 L (7500) was costed at 7500 CNY/L: 4 L a day cost 30,000."""
    mine = write_tiny_mine(tmp_path / "mine")
    prices = pl.read_parquet(mine / "prices.parquet")
    prices.select("resource", "valid_from", price_cny_per_1000_l=pl.col("price") * 1000).write_parquet(mine / "prices.parquet")
    conf = tmp_path / "conf" / "data"
    conf.mkdir(parents=True)
    tables = "\n".join(f"  {name}: {{kind: parquet, path: {mine / name}.parquet}}"
                       for name in ("production", "mines", "consumption_daily", "equipment"))
    (conf / "per1000.yaml").write_text(f"name: per1000\ntables:\n{tables}\n  prices: {{kind: parquet, path: {mine}/prices.parquet, "
                                       "columns: {price_cny_per_1000_l: price}}\n")
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", tmp_path / "conf", "data=per1000", f"hydra.run.dir={run}"],
                   "source column 'price_cny_per_1000_l' is taken as the price, and its name says 1000 'l'",
                   inputs=[mine], run_dir=run)


# ------------------------------------------------------------------------------ a `down` threshold as a percent

@pytest.mark.parametrize("threshold", [15, 1.5, 100])
def test_a_down_threshold_above_1_is_refused(threshold):
    with pytest.raises(ConfigError) as refused:
        rules_from_config({"cost_drop": {"cost": {"direction": "down", "threshold": threshold}}})
    assert str(refused.value) == (f"costs.anomaly_rules.cost_drop.cost.threshold: {threshold:g} for direction 'down' is a fall of "
                                  "more than 100 %, which no cost or quantity >= 0 makes (the rule never fires); expected a "
                                  "fraction <= 1, e.g. 0.15 for 15 %")


@pytest.mark.parametrize("direction, threshold", [("down", 1), ("down", 0.15), ("up", 15), ("up", 2.0), ("flat", 0.1)])
def test_other_thresholds_are_taken(direction, threshold):
    rule = rules_from_config({"r": {"cost": {"direction": direction, "threshold": threshold}}})[0]
    assert rule.conditions[0].threshold == float(threshold)


@pytest.mark.parametrize("last, fired", [(0.0, True), (1.0, False)])
def test_a_down_threshold_of_1_fires_on_a_fall_to_0(last, fired):
    """By hand: the trailing mean of 10, 10 is 10; a day of 0 is a change of -100 % (fires at 1), one of 1 is -90 %."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(3)]
    daily = pl.DataFrame({"date": days, "mine_id": "M1", "cost": [10.0, 10.0, last]})
    rules = rules_from_config({"stop": {"cost": {"direction": "down", "threshold": 1}}})
    assert rule_hits(daily, rules, window=2)["date"].to_list() == ([days[2]] if fired else [])


def test_a_down_threshold_in_percent_is_refused_by_the_cost_command_and_its_sweep(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    data = ["data=parquet_dir", f"data.dir={mine}"]
    rule = "+costs.anomaly_rules.cost_drop={cost:{direction:down,threshold:%s}}"
    assert_refused(["cost", *data, rule % 15, f"hydra.run.dir={tmp_path / 'run'}"],
                   "costs.anomaly_rules.cost_drop.cost.threshold: 15 for direction 'down'", inputs=[mine], run_dir=tmp_path / "run")
    overrun = "costs.anomaly_rules.energy_overrun.kwh_per_t"
    assert_refused(["cost", "-m", *data, f"{overrun}.direction=down", f"{overrun}.threshold=0.2,20",  # before any job
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   f"{overrun}.threshold: 20 for direction 'down'", inputs=[mine], run_dir=tmp_path / "sweep")


# a `flat` threshold written as a percent (10 for 10 %): every fall and most rises counted as flat
@pytest.mark.parametrize("threshold", [10, 1.5])
def test_a_flat_threshold_above_1_is_refused(threshold):
    with pytest.raises(ConfigError, match=rf"costs.anomaly_rules.r.cost.threshold: {threshold:g} for direction 'flat' counts any "
                                          rf"value from 0 to {threshold + 1:g} times the trailing mean as flat"):
        rules_from_config({"r": {"cost": {"direction": "flat", "threshold": threshold}}})


@pytest.mark.parametrize("threshold", [0.1, 1])
def test_a_flat_threshold_of_a_fraction_is_taken(threshold):
    assert rules_from_config({"r": {"cost": {"direction": "flat", "threshold": threshold}}})[0].conditions[0].threshold == threshold
