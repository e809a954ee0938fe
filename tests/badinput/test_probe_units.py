"""Bad-input corpus, units stated in the mine tables: a consumption table's unit column, the prices
table's price unit or currency column, against the cost mapping's units and currency.

Before, every such column was an extra column, ignored: hourly electricity in MWh where
costs.resources.electricity.unit is kWh was costed 1000x low, prices per MWh 1000x high, prices
in USD on a CNY run as CNY, all without a word. Now a stated unit must be the mapping's (without
case and spaces); a table without such a column is costed as before, at no cost.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Callable

import polars as pl
import pytest
import yaml
from conftest import write_daily_labour, write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.costing.mapping import CostMapping
from minectl.errors import DataError

DEFAULT_COSTS = Path(__file__).parents[2] / "conf" / "costs" / "default.yaml"


def _hourly(folder: Path, **extra) -> None:
    """48 hours of the tiny mine's hauling electricity, 2 kWh an hour, with ``extra`` columns."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity", "quantity": 2.0,
                  **extra}).write_parquet(folder / "consumption_hourly.parquet")


def _with(table: str, **columns) -> Callable[[Path], None]:
    """Edit: ``columns`` (name -> a value or a list, one per row) added to the tiny mine's ``table``."""

    def edit(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        frame = pl.read_parquet(path)
        frame.with_columns(pl.Series(name, value if isinstance(value, list) else [value] * frame.height)
                           for name, value in columns.items()).write_parquet(path)

    return edit


CASES = {
    "hourly-electricity-in-MWh": (
        lambda folder: _hourly(folder, unit="MWh"),
        "data.tables.consumption_hourly: column 'unit' gives resource 'electricity' in 'MWh', costs.resources.electricity.unit "
        "in 'kWh'; expected quantities in 'kWh' only (convert them upstream, or set costs.resources.electricity.unit and its "
        "prices to the data's)"),
    "daily-labour-in-two-units": (
        _with("consumption_daily", UoM=["h", "h", "H", "min", "min"]),
        "data.tables.consumption_daily: column 'UoM' gives resource 'labour' in 2 units ('H', 'min'), "
        "costs.resources.labour.unit in 'h'; expected quantities in 'h' only"),
    "prices-per-MWh": (
        _with("prices", unit=["CNY/MWh", "CNY/L", "CNY/kg"]),
        "data.tables.prices: column 'unit' gives resource 'electricity' in 'CNY/MWh', costs.currency / "
        "costs.resources.electricity.unit in 'CNY/kWh'; expected prices in 'CNY/kWh' only (convert them upstream, or change "
        "the mapping's currency or unit to the data's)"),
    "prices-in-another-currency": (
        _with("prices", units=["USD/kWh", "CNY/L", "CNY/kg"]),
        "data.tables.prices: column 'units' gives resource 'electricity' in 'USD/kWh', costs.currency / "
        "costs.resources.electricity.unit in 'CNY/kWh'"),
    "prices-currency-column": (
        _with("prices", currency="USD"),
        "data.tables.prices: column 'currency' gives resource 'diesel' in 'USD', costs.currency in 'CNY'; expected prices in "
        "'CNY' only (convert them upstream, or set costs.currency and the mapping's constant prices to the data's)"),
}


@pytest.mark.parametrize(("edit", "expect"), CASES.values(), ids=CASES)
def test_a_unit_other_than_the_mappings_is_refused(tmp_path, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[folder], run_dir=tmp_path / "run")


def test_a_unit_column_given_through_the_column_map_is_checked(tmp_path):
    """A csv export's `measure` column, mapped to `unit` by the source's column map."""
    folder = write_tiny_mine(tmp_path / "mine")
    csv, conf = tmp_path / "consumption_daily.csv", tmp_path / "conf" / "data"
    pl.read_parquet(folder / "consumption_daily.parquet").with_columns(measure=pl.lit("d")).write_csv(csv)
    (folder / "consumption_daily.parquet").unlink()
    conf.mkdir(parents=True)
    (conf / "csv_mine.yaml").write_text("defaults:\n  - parquet_dir\n  - _self_\ntables:\n  consumption_daily: "
                                        f"{{kind: csv, path: '{csv}', columns: {{measure: unit}}}}\n")
    assert_refused(["cost", "-cd", str(tmp_path / "conf"), "data=csv_mine", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "data.tables.consumption_daily: column 'unit' gives resource 'labour' in 'd', costs.resources.labour.unit in 'h'",
                   inputs=[folder, csv], run_dir=tmp_path / "run")


def _metrics(folder: Path, run: Path) -> dict:
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


def test_the_mappings_units_in_any_case_cost_as_without_the_columns(tmp_path):
    """kWh as 'KWH' and ' kwh ', h as 'H', prices as 'cny per kwh', 'L' (the unit alone) and 'CNY' (the
    currency alone), a lower-case currency column, a null unit (nothing stated) and a number column
    `units` (a count, no unit): the same metrics as the tables without those columns. Total: 35 h of
    labour at 85 CNY/h + 96 kWh at 0.6 CNY/kWh = 3032.6 CNY."""
    plain, stated = write_tiny_mine(tmp_path / "plain"), write_tiny_mine(tmp_path / "stated")
    _hourly(plain)
    _hourly(stated, unit=["KWH"] * 24 + [" kwh "] * 23 + [None])
    _with("consumption_daily", Unit=["H", "h", None, " h", "H"], units=[1, 2, 3, 4, 5])(stated)
    _with("prices", unit=["cny per kwh", "L", "CNY"], currency="cny")(stated)
    metrics = _metrics(plain, tmp_path / "run_plain")
    assert metrics["cost.total"] == pytest.approx(35 * 85 + 96 * 0.6, rel=1e-12)
    assert _metrics(stated, tmp_path / "run_stated") == metrics


@pytest.fixture(scope="module")
def mapping() -> CostMapping:
    return CostMapping.from_dict(yaml.safe_load(DEFAULT_COSTS.read_text()))


@pytest.mark.parametrize(("table", "stated"), [
    ("consumption_hourly", ["kWh", "KWH", " k Wh ", "kwh", "kW·h", "ｋＷｈ", None, "  "]),
    ("prices", ["CNY/kWh", "cny / KWH", "CNY per kWh", "RMB/kWh", "元/kW·h", "kWh", "CNY"]),
])
def test_units_equal_without_case_and_spaces(mapping, table, stated):
    """Also in compatibility forms (full-width letters), with a middle dot (kW·h, as Chinese standards
    write it) and with the yuan as RMB or 元; nulls and blanks state nothing."""
    mapping.check_units([("electricity", text) for text in stated], table, "unit")
    mapping.check_units([("electricity", text) for text in ("CNY", "rmb", "元")], "prices", "currency", currency=True)


@pytest.mark.parametrize(("table", "stated", "found"), [
    ("consumption_hourly", ["MWh"], "'MWh'"),
    ("consumption_hourly", ["kWh", "Wh"], "2 units ('Wh', 'kWh')"),  # in sorted order
    ("consumption_daily", ["kW"], "'kW'"),  # a power, not an energy
    ("prices", ["CNY/MWh"], "'CNY/MWh'"),
    ("prices", ["MWh"], "'MWh'"),
    ("prices", ["USD"], "'USD'"),
    ("prices", ["CNY/kWh", "CNY/MWh"], "2 units ('CNY/MWh', 'CNY/kWh')"),
])
def test_other_units_are_refused(mapping, table, stated, found):
    with pytest.raises(DataError, match=re.escape(f"gives resource 'electricity' in {found},")):
        mapping.check_units([("electricity", text) for text in stated], table, "unit")


@pytest.mark.parametrize(("override", "resource"), [(["costs.resources.spare_parts.unit=USD"], "spare_parts"),
                                                    (["costs=taconite", "costs.currency=CNY"], "mining_opex")])
def test_money_at_price_1_in_another_currency_is_refused(tmp_path, override, resource):
    """A money resource (unit: a currency) at price 1.0 costs 1 of its currency as 1 of the run's: the
    default mapping copied for a USD mine with its CNY spare parts left, or the taconite mapping under
    CNY. Refused before any data is read."""
    assert_refused(["cost", *override, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"costs.resources.{resource}: unit 'USD' at price 1.0 under costs.currency 'CNY' costs 1 USD as 1 CNY; "
                   "expected the price of 1 USD in CNY (the exchange rate), or costs.currency 'USD'", run_dir=tmp_path / "run")


def test_money_in_the_runs_currency_or_at_an_exchange_rate_is_costed():
    costs = yaml.safe_load(DEFAULT_COSTS.read_text())
    for unit, price in (("RMB", 1.0), ("元", 1.0), ("USD", 7.1), ("kUSD", 7100.0)):  # kUSD: 1,000 USD (at 1.0: refused)
        costs["resources"]["spare_parts"] |= {"unit": unit, "price": price}
        assert CostMapping.from_dict(costs).resources["spare_parts"].unit == unit


def test_a_meters_running_total_is_refused_as_register_readings(tmp_path):
    """A totaliser's readings exported as the quantity used: summed, each day cost the running total.
    Before, a 30-day register of 2 h a day on top of 1,000 h was costed as 30 days of 1,000+ hours."""
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, [1000.0 + 2 * day for day in range(30)])
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "consumption: mine 'M1', activity 'hauling', resource 'labour' rises on every one of its 30 days (1,000.0 to "
                   "1,058.0 a day; 1 such series): a meter's running total (register readings), not the quantity used? expected "
                   "the quantity used in each hour or day (the differences of the readings)",
                   inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("hours", [
    [5.0 + day for day in range(27)],  # a ramp-up of 27 days: too short to tell
    [5.0 + day if day != 20 else 4.0 for day in range(40)],  # a day of less use in 40
])
def test_use_that_rises_for_a_while_is_costed(tmp_path, hours):
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, hours)
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost.total"] == pytest.approx(85 * sum(hours))
