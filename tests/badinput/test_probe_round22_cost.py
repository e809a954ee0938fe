"""Bad-input corpus, round 22 (cost): daily-table names of a sweep checked before any job.

Every value of a `-m` sweep is checked before a job runs, but the names of daily-table columns were checked only
inside a job, after its data was read: an anomaly item, change rate, rolling mean, intensity part or rule indicator
naming a column the daily table will not have (a typo, the equipment's `downtime_h` without an equipment table), and
`costs.thresholds` of a resource the mapping does not declare, failed their own job (exit 1) after the others had run
and written their results. Where the data's files tell the daily table's columns (the production and sensors files'
columns, whether there is an equipment table), each is refused in one line before any job now; a name the files do
give (a sensor column, a trailing mean) still runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke


def _sweep(tmp_path: Path, mine: Path, *overrides: str) -> list[str]:
    return ["cost", "-m", "data=parquet_dir", f"data.dir={mine}", f"hydra.sweep.dir={tmp_path / 'sweep'}", *overrides]


@pytest.mark.parametrize("overrides, expect", [
    (["cost.anomaly_items=[cost],[cots]"], ["cost.anomaly_items: 'cots' is not a column of the daily table", "expected one of"]),
    (["cost.change_rate=[cost],[cots]"], ["cost.change_rate: 'cots' is not a column of the daily table"]),
    (["cost.rolling_mean=[cost],[cots]"], ["cost.rolling_mean: 'cots' is not a column of the daily table"]),
    (["+costs.intensities.labour_per_t=[qty_labour,ore_t],[qty_labor,ore_t]"], ["costs.intensities.labour_per_t: 'qty_labor'"]),
    (["+costs.anomaly_rules.fuel={qty_fuel:{direction:up,threshold:0.2}}", "seed=0,1"], ["costs.anomaly_rules.fuel.qty_fuel"]),
    (["+costs.thresholds.fuel={upper:100}", "seed=0,1"], ["costs.thresholds.fuel: not declared in costs.resources",
                                                          "expected one of ['electricity'"]),
])
def test_a_sweep_value_naming_no_daily_column_is_refused_before_any_job(tmp_path, overrides, expect):
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(_sweep(tmp_path, mine, *overrides), expect, inputs=[mine], run_dir=tmp_path / "sweep")
    assert not (tmp_path / "sweep" / "0").exists()  # no job ran


def test_an_equipment_column_without_an_equipment_table_is_refused_before_any_job(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    (mine / "equipment.parquet").unlink()
    rules = "costs.anomaly_rules=null"  # the default rules read downtime_h: refused with the items otherwise
    assert_refused(_sweep(tmp_path, mine, rules, "cost.anomaly_items=[cost],[downtime_h]"),
                   "cost.anomaly_items: 'downtime_h' is not a column of the daily table", inputs=[mine], run_dir=tmp_path / "sweep")


def test_a_key_as_an_anomaly_item_is_refused_before_any_job(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(_sweep(tmp_path, mine, "cost.anomaly_items=[cost],[date]"),
                   "cost.anomaly_items: 'date' is a column of the daily table that is no number", run_dir=tmp_path / "sweep")


def test_names_the_files_give_still_run(tmp_path):
    """Near misses: a sensor column (known from the sensors file), a trailing mean and the equipment's downtime."""
    mine = write_tiny_mine(tmp_path / "mine")
    hours = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": hours, "mine_id": "M1", "ambient_temp_c": 10.0}).write_parquet(mine / "sensors.parquet")
    result = invoke(*_sweep(tmp_path, mine, "cost.anomaly_items=[cost,ambient_temp_c],[cost_rm,downtime_h]",
                            "+costs.intensities.labour_per_t=[qty_labour,ore_t]"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sweep" / "0" / "metrics.json").exists() and (tmp_path / "sweep" / "1" / "metrics.json").exists()


def test_a_database_is_left_to_the_job(tmp_path):
    """data.path's database joins tables the config does not list (sensors): its names are checked in the job, as before."""
    from conftest import write_tiny_duckdb

    database = write_tiny_duckdb(tmp_path)
    result = invoke("cost", "data=duckdb", f"data.path={database}", "cost.anomaly_items=[cost]", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------------- a meter's missing day beside another's

def _two_meters(folder: Path, missing_hours: int) -> Path:
    """The tiny mine with hauling electricity on two meters, 10 and 5 kWh an hour for 5 days (360 kWh a day), the second
    missing its first ``missing_hours`` hours of 2024-01-03."""
    mine = write_tiny_mine(folder)
    hours = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5, 23), "1h", eager=True)
    gap = (hours >= dt.datetime(2024, 1, 3)) & (hours < dt.datetime(2024, 1, 3, missing_hours))
    meters = [pl.DataFrame({"timestamp": hours, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                            "meter_id": meter, "quantity": pl.Series([rate] * hours.len()).set(gap, None) if meter == "b" else rate})
              for meter, rate in (("a", 10.0), ("b", 5.0))]
    pl.concat(meters).write_parquet(mine / "consumption_hourly.parquet")
    return mine


@pytest.mark.parametrize("missing_hours, imputed", [(8, 1), (6, 0)])  # 6: within cost.interpolation_limit, filled by eq 3
def test_a_meter_day_left_missing_is_imputed_for_the_series_not_costed_as_the_other_meter(tmp_path, missing_hours, imputed):
    """The day was costed as meter a's 240 kWh alone (meter b's 120 left out) and counted as no imputation."""
    import json

    mine = _two_meters(tmp_path / "mine", missing_hours)
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    ledger = pl.read_parquet(tmp_path / "run" / "tables" / "ledger.parquet").filter(pl.col("resource") == "electricity")
    assert ledger["quantity"].to_list() == [360.0] * 5
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["imputed.daily_imputed"] == imputed
