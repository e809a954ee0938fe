"""Bad-input corpus, round 8: a table's parquet parts whose types differ beyond width.

- decimal(12,2) beside decimal(10,2): refused before, now read as one table (same places, more digits: exact).
- Date beside Datetime, decimal beside float64: still refused naming both parts, as polars' scan casts
  neither (a decimal beside floats is lossy in general: 0.1 has no float).
- an int64 part written without footer statistics beside float parts: read as floats unchecked before
  (2^53 + 1 became 2^53, rc 0); now checked as the one pass reads it, and refused in one line.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.mine import load_mine
from minectl.errors import DataError

TINY_COST = 85.0 * (5 + 6 + 7 + 8 + 9)  # the tiny mine's labour hours at 85 CNY/h (tests/conftest.py)


def _in_parts(folder: Path, table: str, first: Callable[[pa.Table], pa.Table], rest: Callable[[pa.Table], pa.Table],
              statistics: bool = True) -> Path:
    """``table`` as a folder: its first two rows in part-0 as ``first`` stores them, the others in part-1 as ``rest``
    (with footer statistics or not)."""
    rows = pq.read_table(folder / f"{table}.parquet")
    (folder / f"{table}.parquet").unlink()
    (folder / table).mkdir()
    pq.write_table(first(rows.slice(0, 2)), folder / table / "part-0.parquet")
    pq.write_table(rest(rows.slice(2)), folder / table / "part-1.parquet", write_statistics=statistics)
    return folder


def _as(column: str, dtype: pa.DataType) -> Callable[[pa.Table], pa.Table]:
    return lambda rows: rows.set_column(rows.schema.get_field_index(column), column, rows[column].cast(dtype))


def _quantities(*values: int) -> Callable[[pa.Table], pa.Table]:
    return lambda rows: rows.set_column(rows.schema.get_field_index("quantity"), "quantity", pa.array(values, pa.int64()))


def _same(rows: pa.Table) -> pa.Table:
    return rows


def _cost(folder: Path, run: Path) -> float:
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())["cost.total"]


def test_decimal_parts_of_other_precisions_are_read_as_one_table(tmp_path):
    # was: "part part-1.parquet has column 'quantity' as Decimal(precision=10, scale=2), part part-0.parquet as
    # Decimal(precision=12, scale=2); expected the same columns and types in every part"
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), "consumption_daily",
                       _as("quantity", pa.decimal128(12, 2)), _as("quantity", pa.decimal128(10, 2)))
    quantities = load_mine(dir=str(folder)).consumption_daily.collect()["quantity"].to_list()
    assert quantities == [decimal.Decimal(v) for v in (5, 6, 7, 8, 9)]
    assert _cost(folder, tmp_path / "run") == TINY_COST


def test_an_int_part_without_statistics_beside_float_parts_is_read_when_exact(tmp_path):
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), "consumption_daily", _same, _quantities(7, 8, 9), statistics=False)
    assert load_mine(dir=str(folder)).consumption_daily.collect()["quantity"].to_list() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert _cost(folder, tmp_path / "run") == TINY_COST


REFUSED = {
    # polars' scan casts no Date part to Datetime (SchemaError "incoming: Date != target: Datetime"): refused as before
    "Date beside Datetime days": ("equipment", _same, _as("date", pa.timestamp("us")), True,
                                  "part part-1.parquet has column 'date' as Datetime(time_unit='us', time_zone=None), part "
                                  "part-0.parquet as Date; expected the same columns and types in every part"),
    "decimal beside float": ("consumption_daily", _same, _as("quantity", pa.decimal128(10, 2)), True,
                             "part part-1.parquet has column 'quantity' as Decimal(precision=10, scale=2), part part-0.parquet as "
                             "Float64; expected the same columns and types in every part"),
    "decimals of other places": ("consumption_daily", _as("quantity", pa.decimal128(10, 1)), _as("quantity", pa.decimal128(10, 2)),
                                 True, "part part-1.parquet has column 'quantity' as Decimal(precision=10, scale=2), part "
                                 "part-0.parquet as Decimal(precision=10, scale=1); expected the same columns"),
    # was: rc 0, 2^53 + 1 read as 2^53 (no footer statistics to bound the part's integers)
    "an int part without statistics beyond 2^53": ("consumption_daily", _same, _quantities(2**53 + 1, 8, 9), False,
                                                   "part part-1.parquet has column 'quantity' as Int64 with values up to "
                                                   "9,007,199,254,740,993, which the other parts' floats round; expected values of "
                                                   "at most 9,007,199,254,740,992"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_parts_that_cannot_be_read_as_one_table_are_refused_naming_both(tmp_path, case):
    table, first, rest, statistics, expect = REFUSED[case]
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), table, first, rest, statistics)
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], expect, inputs=[folder], run_dir=run)


def test_an_int_part_without_statistics_is_checked_wherever_the_table_is_read(tmp_path):
    # the check rides on the pass that reads the part (no read of its own): any reader of the table meets it
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), "consumption_daily", _same, _quantities(2**60, 8, 9), statistics=False)
    with pytest.raises(DataError, match="values up to 1,152,921,504,606,846,976, which the other parts' floats round"):
        load_mine(dir=str(folder)).consumption_daily.collect()



def test_a_key_in_the_partition_folders_only_is_read_from_their_names(tmp_path):
    # Spark's partitionBy("mine_id"), pyarrow's write_to_dataset(partition_cols=["mine_id"]) drop the key from the parts.
    # was: "table 'consumption_daily' has no column 'mine_id'; expected String (columns: date, activity, resource, quantity)"
    folder = write_tiny_mine(tmp_path / "mine")
    rows = pq.read_table(folder / "consumption_daily.parquet")
    (folder / "consumption_daily.parquet").unlink()
    pq.write_to_dataset(rows, folder / "consumption_daily", partition_cols=["mine_id"])
    assert [p.parent.name for p in (folder / "consumption_daily").rglob("*.parquet")] == ["mine_id=M1"]
    assert load_mine(dir=str(folder)).consumption_daily.collect()["mine_id"].to_list() == ["M1"] * 5
    assert _cost(folder, tmp_path / "run") == TINY_COST


def _renamed(old: str, new: str) -> Callable[[pa.Table], pa.Table]:
    return lambda rows: rows.rename_columns([new if c == old else c for c in rows.column_names])


NAMED = {  # was: "part part-1.parquet has column 'quantity' as absent, part part-0.parquet as Float64" (the other name unsaid)
    "a name in other case": (_renamed("quantity", "Quantity"), "part part-1.parquet has column 'Quantity' where part part-0.parquet "
                             "has 'quantity'; expected the same column names in every part"),
    "a name with a trailing space": (_renamed("quantity", "quantity "), "part part-1.parquet has column 'quantity ' where part "
                                     "part-0.parquet has 'quantity'; expected the same column names in every part"),
}


@pytest.mark.parametrize("case", NAMED)
def test_a_column_named_otherwise_in_one_part_is_refused_naming_both_names(tmp_path, case):
    rest, expect = NAMED[case]
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), "consumption_daily", _same, rest)
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], expect, inputs=[folder], run_dir=run)


def test_enum_parts_of_other_categories_read_as_text(tmp_path):
    # polars' scan casts no Enum part to String; was: "unreadable as parquet (data type mismatch for column resource:
    # incoming: Enum([...]) != target: String)", naming no part, then refused naming both parts; now each such part is
    # read in its own type and cast to text (round 19), and costs as the tiny mine does
    folder = _in_parts(write_tiny_mine(tmp_path / "mine"), "consumption_daily", _same, _same)
    for part, categories in (("part-0.parquet", ["labour", "diesel"]), ("part-1.parquet", ["labour"])):
        rows = pl.read_parquet(folder / "consumption_daily" / part)
        rows.with_columns(pl.col("resource").cast(pl.Enum(categories))).write_parquet(folder / "consumption_daily" / part)
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["cost.total"] == 2975.0


def _by_mine(folder: Path, *folders: str) -> Path:
    """consumption_daily's part-0 and part-1 (_in_parts) without mine_id, each moved into the folder given for it ('' : none)."""
    table = _in_parts(folder, "consumption_daily", _same, _same) / "consumption_daily"
    for part, where in zip(("part-0.parquet", "part-1.parquet"), folders, strict=True):
        (table / where).mkdir(exist_ok=True)
        pq.write_table(pq.read_table(table / part).drop(["mine_id"]), table / where / part)
        if where:
            (table / part).unlink()
    return folder


def test_a_partition_folder_name_is_read_as_spark_writes_it(tmp_path):
    # Spark escapes a value's special characters (%XX) in a folder name: mine_id=M%31 holds mine M1
    folder = _by_mine(write_tiny_mine(tmp_path / "mine"), "mine_id=M%31", "mine_id=M%31")
    assert _cost(folder, tmp_path / "run") == TINY_COST


KEYLESS = {
    "a part outside the key's folders": ("", "part part-1.parquet is outside the mine_id=... folders that give the other parts "
                                         "their 'mine_id'; expected every part in a mine_id=value folder"),
    # was: "has no column 'mine_id'"; Spark's folder of rows without a key value reads as missing ids
    "Spark's folder of a missing key": ("mine_id=__HIVE_DEFAULT_PARTITION__", "table 'consumption_daily' has 3 of 5 rows without a "
                                        "mine_id; expected a value in every row"),
}


@pytest.mark.parametrize("case", KEYLESS)
def test_parts_whose_key_is_in_no_folder_name_are_refused(tmp_path, case):
    where, expect = KEYLESS[case]
    folder = _by_mine(write_tiny_mine(tmp_path / "mine"), "mine_id=M1", where)
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], expect, inputs=[folder], run_dir=run)
