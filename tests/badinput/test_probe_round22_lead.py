"""Round 22, the lead's own cases: defects left by earlier rounds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke


def _sensors(folder, pump_flow):
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "airflow_m3s": 120.0,
                  "pump_flow_m3h": pl.Series(pump_flow(stamps.len()), dtype=pl.Float64)}).write_parquet(folder / "sensors.parquet")


def test_a_sensor_column_of_no_value_is_refused(tmp_path):
    # a tag offline all along, exported as an empty Float64 column: its daily means were null, unsaid
    folder = write_tiny_mine(tmp_path / "mine")
    _sensors(folder, lambda n: [None] * n)
    run_dir = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run_dir}"],
                   ["sensors.parquet: column 'pump_flow_m3h' of table 'sensors' has no value in any of its 120 rows",
                    "expected Float64 values"], inputs=[folder / "sensors.parquet"], run_dir=run_dir)


@pytest.mark.parametrize("readings", ["one", "most missing"])
def test_a_sensor_column_with_some_value_still_runs(tmp_path, readings):
    folder = write_tiny_mine(tmp_path / "mine")
    _sensors(folder, lambda n: [40.0] + [None] * (n - 1) if readings == "one" else [40.0 if i % 10 == 0 else None for i in range(n)])
    result = invoke("cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("currency", ["CNY", "RMB", "rmb", "yuan", "元"])
def test_the_yuans_other_names_keep_table_2s_money_rows(currency):
    from minectl.costing.reference import compare_with_table2

    daily = pl.DataFrame({"cost": [1_200_000.0, 1_400_000.0], "unit_cost": [80.0, 90.0]})
    features = compare_with_table2(daily, currency)["feature"].to_list()
    assert features == ["total_cost", "unit_cost"]  # 120 and 140 (10k CNY/d); RMB's were left out
    assert compare_with_table2(daily, "USD")["feature"].to_list() == []  # USD costs are not the table's CNY


def test_a_mine_without_a_mining_method_is_refused_for_risk_features():
    # a NULL from a database or a parquet null: sorted beside the methods it was a TypeError traceback
    from minectl.errors import DataError
    from minectl.risk.tables import static_features

    mines = pl.DataFrame({"mine_id": ["M1", "M2"], "mining_method": ["open_pit", None], "equipment_grade": [2, 3]})
    with pytest.raises(DataError, match="table 'mines': mine_id 'M2' has no mining_method"):
        static_features(mines)
    methods = static_features(mines.with_columns(mining_method=pl.lit("open_pit")))
    assert methods["method_open_pit"].to_list() == [1.0, 1.0]
