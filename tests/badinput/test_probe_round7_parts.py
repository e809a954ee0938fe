"""Bad-input corpus, a table's parquet parts written by different tools or versions: the same values
in other physical types (int64 and float64 where pandas wrote an int column with a gap, float32,
timestamp[ms] beside timestamp[ns], dictionary-encoded or large strings).

Each was refused before as "has values that are not <type>" (blaming values where only the parts'
types differed); now read as one table, and only parts whose kinds of value conflict (text beside
numbers, a zone beside naive times) are refused, in a line naming both parts and both types.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.mine import load_mine

TINY_COST = 85.0 * (5 + 6 + 7 + 8 + 9)  # the tiny mine's labour hours at 85 CNY/h (tests/conftest.py)


def _hourly(folder: Path) -> None:
    """Five whole days of the tiny mine's hauling electricity, hourly, as consumption_hourly.parquet."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                  "quantity": [float(i % 7) for i in range(len(stamps))]}).write_parquet(folder / "consumption_hourly.parquet")


def _in_parts(folder: Path, table: str, first: Callable[[pa.Table], pa.Table], rest: Callable[[pa.Table], pa.Table]) -> None:
    """``table`` as a folder: its first two rows in part-0 as ``first`` stores them, the others in part-1 as ``rest``."""
    rows = pq.read_table(folder / f"{table}.parquet")
    (folder / f"{table}.parquet").unlink()
    (folder / table).mkdir()
    pq.write_table(first(rows.slice(0, 2)), folder / table / "part-0.parquet")
    pq.write_table(rest(rows.slice(2)), folder / table / "part-1.parquet")


def _as(column: str, dtype: pa.DataType) -> Callable[[pa.Table], pa.Table]:
    def cast(rows: pa.Table) -> pa.Table:
        return rows.set_column(rows.schema.get_field_index(column), column, rows[column].cast(dtype))
    return cast


def _same(rows: pa.Table) -> pa.Table:
    return rows


VALID = {  # table, part-0's and part-1's types
    "an int part among float parts (pandas: no gap there)": ("consumption_daily", _same, _as("quantity", pa.int64())),
    "a float part among int counts (pandas: a gap there)": ("equipment", _as("failures", pa.float64()), _same),
    "a float32 part": ("consumption_daily", _same, _as("quantity", pa.float32())),
    "ms and ns times": ("consumption_hourly", _as("timestamp", pa.timestamp("ms")), _as("timestamp", pa.timestamp("ns"))),
    "days as s and ns times": ("equipment", _as("date", pa.timestamp("s")), _as("date", pa.timestamp("ns"))),
    "a dictionary-encoded part": ("consumption_daily", _same, _as("mine_id", pa.dictionary(pa.int32(), pa.string()))),
    "a large_string part": ("consumption_hourly", _as("activity", pa.large_string()), _same),
}


@pytest.mark.parametrize("case", VALID)
def test_parts_that_differ_in_type_only_are_read_as_one_table(tmp_path, case):
    # was: refused, e.g. "column 'timestamp' ... has values that are not Datetime(time_unit='us', ...) (found ...ns...)"
    table, first, rest = VALID[case]
    whole, parts = (write_tiny_mine(tmp_path / name) for name in ("whole", "parts"))
    for folder in (whole, parts):
        _hourly(folder)
    _in_parts(parts, table, first, rest)
    expected, got = (getattr(load_mine(dir=str(folder)), table).collect() for folder in (whole, parts))
    assert got.schema == expected.schema
    assert got.equals(expected)


def test_a_part_without_any_value_in_a_column_is_read_as_missing_values(tmp_path):
    # pandas writes a column of None only as type Null: its rows are missing quantities, not another kind of value
    folder = write_tiny_mine(tmp_path / "mine")
    _in_parts(folder, "consumption_daily", _same, lambda rows: rows.set_column(4, "quantity", pa.nulls(len(rows))))
    assert load_mine(dir=str(folder)).consumption_daily.collect()["quantity"].to_list() == [5.0, 6.0, None, None, None]


def test_a_mine_costed_from_parts_of_other_types_costs_the_same(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    _in_parts(folder, "consumption_daily", _as("mine_id", pa.dictionary(pa.int8(), pa.string())), _as("quantity", pa.int64()))
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost.total"] == TINY_COST


def _fraction(rows: pa.Table) -> pa.Table:
    failures = [1.5] + [float(v) for v in rows["failures"].to_pylist()[1:]]
    return rows.set_column(rows.schema.get_field_index("failures"), "failures", pa.array(failures))


REFUSED = {
    "text beside numbers": ("consumption_daily", _same, _as("quantity", pa.string()),
                            "part part-1.parquet has column 'quantity' as String, part part-0.parquet as Float64; expected the same "
                            "columns and types in every part (parts may differ in width only"),
    "a zone beside naive times": ("consumption_hourly", _same, _as("timestamp", pa.timestamp("ns", tz="UTC")),
                                  "part part-1.parquet has column 'timestamp' as Datetime(time_unit='ns', time_zone='UTC'), part "
                                  "part-0.parquet as Datetime(time_unit='us', time_zone=None); expected the same columns and types"),
    "a column in one part only": ("consumption_daily", _same, lambda rows: rows.append_column("unit", pa.array(["h"] * len(rows))),
                                  "part part-0.parquet lacks column 'unit', which part part-1.parquet has; expected the same columns in every part"),
    # an int part's 2^53 + 1 read as the float parts' would be 2^53: the contract, seeing floats, could not tell
    "an integer beyond 2^53 beside float parts": ("consumption_daily", _same,
                                                 lambda rows: _as("quantity", pa.int64())(rows).set_column(
                                                     4, "quantity", pa.array([2**53 + 1, 7, 8], pa.int64())),
                                                 "part part-1.parquet has column 'quantity' as Int64 with values up to "
                                                 "9,007,199,254,740,993, which the other parts' floats round"),
    # the contract's own checks still hold for the table read from both parts: a fraction as a count
    "a fraction in a float part of counts": ("equipment", _same, _fraction,
                                             "equipment: column 'failures' of table 'equipment' has 1 values that are not whole "
                                             "numbers (first 1.5); expected Int64 counts"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_parts_whose_values_conflict_are_refused_naming_both(tmp_path, case):
    table, first, rest, expect = REFUSED[case]
    folder = write_tiny_mine(tmp_path / "mine")
    _hourly(folder)
    _in_parts(folder, table, first, rest)
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], expect, inputs=[folder], run_dir=run)
