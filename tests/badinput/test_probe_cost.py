"""Bad-input corpus, foreign mine tables for `minectl cost`: types that cast without a word but
change the values, days and mines that do not join between tables, part days of hourly meters.

Each case was read before, to a wrong figure or a misleading line: a Boolean output as 1/0 tonnes,
an all-null (type Null) column as missing values, days past the production table's last as days
without output, consumption without the equipment day that explains its outliers, a half first
day of meters as a whole day's consumption, a date as a sensor reading of its days since 1970.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Callable

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app


def _edit(table: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        change(pl.read_parquet(path)).write_parquet(path)

    return edit


def _hourly(first: dt.datetime, hours: int) -> pl.DataFrame:
    """Electricity of the tiny mine's hauling, 2 kWh an hour from ``first`` on."""
    stamps = pl.datetime_range(first, first + dt.timedelta(hours=hours - 1), "1h", eager=True)
    return pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                         "quantity": 2.0})


def _write(table: str, make: Callable[[], pl.DataFrame]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        make().write_parquet(folder / f"{table}.parquet")

    return edit


def _second_mine_without_equipment(folder: Path) -> None:
    for table in ("production", "consumption_daily", "mines"):
        frame = pl.read_parquet(folder / f"{table}.parquet")
        pl.concat([frame, frame.with_columns(mine_id=pl.lit("M2"))]).write_parquet(folder / f"{table}.parquet")


DAY = dt.datetime(2024, 1, 1)
CASES = {
    "output-as-true-false": (
        _edit("production", lambda f: f.with_columns(ore_t=pl.col("ore_t") > 105)),
        "column 'ore_t' of table 'production' holds true/false values (Boolean); expected Float64 values"),
    "output-without-any-value": (
        _edit("production", lambda f: f.with_columns(ore_t=pl.lit(None, dtype=pl.Null))),
        "column 'ore_t' of table 'production' has no value in any row (type Null); expected Float64 values"),
    "quantity-without-any-value": (
        _edit("consumption_daily", lambda f: f.with_columns(quantity=pl.lit(None, dtype=pl.Null))),
        "column 'quantity' of table 'consumption_daily' has no value in any row (type Null)"),
    "maintenance-as-counts": (
        _edit("equipment", lambda f: f.with_columns(maintenance=pl.Series([0, 2, 1, 0, 0]))),
        "column 'maintenance' of table 'equipment' has 1 values other than 0 and 1 (first 2); expected true/false (or 1/0)"),
    "production-ends-before-consumption": (
        _edit("production", lambda f: f.head(3)),
        "mine_id 'M1' has rows from 2024-01-01 to 2024-01-05, table 'production' from 2024-01-01 to 2024-01-03; "
        "expected 'production' rows on every day of 'consumption_daily'"),
    "equipment-starts-after-consumption": (
        _edit("equipment", lambda f: f.tail(3)),
        "mine_id 'M1' has rows from 2024-01-01 to 2024-01-05, table 'equipment' from 2024-01-03 to 2024-01-05; "
        "expected 'equipment' rows on every day of 'consumption_daily'"),
    "a-mine-without-equipment": (
        _second_mine_without_equipment,
        ["data.tables.consumption_daily:", "5 rows for mine_id 'M2', which table 'equipment' lacks; "
         "expected every mine_id of 'consumption_daily' in 'equipment'"]),
    "meters-from-noon-of-the-first-day": (
        _write("consumption_hourly", lambda: _hourly(DAY + dt.timedelta(hours=12), 12 + 4 * 24)),
        "a series of mine_id 'M1' starts at 2024-01-01 12:00:00, within a day; expected whole days (hours 00 to 23)"),
    "meters-until-noon-of-the-last-day": (
        _write("consumption_hourly", lambda: _hourly(DAY, 4 * 24 + 12)),
        "a series of mine_id 'M1' ends at 2024-01-05 11:00:00, within a day"),
    "meters-stamped-at-the-hour-s-end": (
        _write("consumption_hourly", lambda: _hourly(DAY + dt.timedelta(hours=1), 5 * 24)),
        ["a series of mine_id 'M1' starts at 2024-01-01 01:00:00, within a day",
         "stamps at the hour's end, 01:00 to 24:00, go back one hour"]),
    "daily-dates-in-the-hourly-table": (
        _write("consumption_hourly", lambda: _hourly(DAY, 5 * 24).with_columns(pl.col("timestamp").dt.date()).unique(
            "timestamp", maintain_order=True)),
        "column 'timestamp' of table 'consumption_hourly' holds days (Date), not hours; expected hourly times"),
    "a-date-among-the-sensors": (
        _write("sensors", lambda: _hourly(DAY, 5 * 24).select("timestamp", "mine_id", airflow_m3s=pl.lit(300.0),
                                                                 calibrated=pl.col("timestamp").dt.date())),
        "column 'calibrated' of table 'sensors' holds dates or times (Date), not numbers; expected Float64 values"),
    "mine-id-in-another-case": (
        _edit("consumption_daily", lambda f: f.with_columns(mine_id=pl.lit("m1"))),
        "5 rows for mine_id 'm1', which table 'mines' lacks (it has 'M1': the ids differ in case or spaces)"),
    "price-dates-as-text": (
        _edit("prices", lambda f: f.with_columns(pl.col("valid_from").cast(pl.String))),
        "column 'valid_from' of table 'prices' holds text (String), not dates; expected Date values (store them as a "
        "date type, e.g. CAST(valid_from AS DATE) in a query"),
}


@pytest.mark.slow
@pytest.mark.parametrize(("edit", "expect"), list(CASES.values()), ids=list(CASES))
def test_foreign_mine_tables_are_refused_naming_what_is_wrong(tmp_path, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[folder], run_dir=tmp_path / "run")



@pytest.mark.parametrize(("override", "expect"), [
    ("costs.resources.labour.price=true", "costs.resources.labour.price: True is not a number; expected a price >= 0"),
    ("+costs.prices.labour=[{valid_from: 2024-01-01, price: true}]",
     "costs.prices.labour[0].price: True is not a number; expected a price >= 0"),
])
def test_a_price_of_true_is_no_price_of_1(tmp_path, override, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", override, f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize(("edit", "expect"), [
    (_write("sensors", lambda: _hourly(DAY, 5 * 24).select("timestamp", "mine_id", date=pl.lit(300.0))),  # was a traceback
     "data.tables.sensors: column 'date' clashes with the 'date' of the keys in the daily cost table"),
    (_edit("production", lambda f: f.with_columns(failures=pl.lit(0.0))),  # stood in for the equipment's failures
     "data.tables.production: column 'failures' clashes with the 'failures' of equipment in the daily cost table; "
     "expected another name (rename it with the source's column map)"),
    (_edit("production", lambda f: f.with_columns(cost=pl.lit(1.0))),  # the daily table had 'cost' and 'cost_right'
     "data.tables.production: column 'cost' clashes with the 'cost' of the cost structure in the daily cost table"),
])
@pytest.mark.slow
def test_a_column_named_as_one_the_daily_table_has_from_elsewhere_is_refused(tmp_path, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("output", "edit", "expect"), [
    ("date", None, "cost.output: 'date' is no number column of the production table; "  # was a traceback
                   "expected one of ['ore_t', 'drilled_m', 'haul_km']"),
    ("mine_id", None, "cost.output: 'mine_id' is no number column of the production table"),
    ("trucks", _edit("production", lambda f: f.with_columns(trucks=pl.Series([3, 3, -1, 3, 3]))),  # a negative unit cost
     "production: column 'trucks' (cost.output) has a negative value (-1) at date=2024-01-03, mine_id=M1; "
     "expected an output >= 0"),
])
def test_an_output_that_cannot_divide_the_cost_is_refused(tmp_path, output, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    if edit:
        edit(folder)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"cost.output={output}", f"hydra.run.dir={tmp_path / 'run'}"],
                   expect, inputs=[folder], run_dir=tmp_path / "run")


def _renamed(old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / old).rename(folder / new)

    return edit


def _as_csv(table: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        pl.read_parquet(folder / f"{table}.parquet").write_csv(folder / f"{table}.csv")
        (folder / f"{table}.parquet").unlink()

    return edit


def _also_a_folder(folder: Path) -> None:
    (folder / "equipment").mkdir()
    pl.read_parquet(folder / "equipment.parquet").head(2).write_parquet(folder / "equipment" / "part-0.parquet")


@pytest.mark.parametrize(("edit", "expect"), [  # each was run without the equipment table, unsaid
    (_renamed("equipment.parquet", "equipments.parquet"),
     "equipments.parquet: not a table of a data folder; expected <table>.parquet or a <table>/ folder of parquet parts"),
    (_as_csv("equipment"), "equipment.csv: not a table of a data folder; expected <table>.parquet"),
    (_also_a_folder, "holds both equipment.parquet and a equipment/ folder; expected one source for table 'equipment'"),
])
def test_a_data_folder_table_that_would_be_left_out_is_refused(tmp_path, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("maintenance", "unknown"), [(True, 1), (False, 2)])
def test_equipment_days_of_unknown_event_are_counted_and_said(tmp_path, maintenance, unknown):
    """A null `failures` or `downtime_h` with no event in the day's other fields is taken as no event
    (the day's outliers are removed, not kept): that was unsaid. Day 2 lacks failures with no downtime
    (unknown); day 3 lacks failures but has 24 h down (an event); day 4 lacks downtime with no failure,
    but has maintenance: an event where maintenance counts (cost.event_maintenance), else unknown."""
    folder = write_tiny_mine(tmp_path / "mine")
    _edit("equipment", lambda f: f.with_columns(
        failures=pl.Series([1, None, None, 0, 0], dtype=pl.Int64), downtime_h=pl.Series([1.0, 0.0, 24.0, None, 1.0]),
        maintenance=pl.Series([False, False, True, True, False])))(folder)
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"cost.event_maintenance={maintenance}",
                                      f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["imputed.equipment_days_unknown"] == unknown
    assert (f"equipment: {unknown} mine-day{'s' * (unknown > 1)} lack a failures, downtime_h (or maintenance) value and "
            "show no event otherwise; taken as days without an event") in " ".join(result.output.split())


def test_a_complete_equipment_table_reports_no_unknown_days(tmp_path):
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={write_tiny_mine(tmp_path / 'mine')}",
                                      f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    assert "imputed.equipment_days_unknown" not in json.loads((run / "metrics.json").read_text())
    assert "equipment:" not in result.output
