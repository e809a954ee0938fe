"""Bad-input corpus, how `minectl cost` reads a table's parts and columns: a folder of parquet parts
as Spark, DuckDB and pyarrow write it (hive partition sub-folders, hidden checksum and marker
files), a column map that names two columns alike, a DuckDB column of a type polars cannot read.

Each was read before to a wrong figure or a line naming no file: a partition sub-folder's rows
left out unsaid, a hidden copy of a part read twice, polars' "column 'ore_t' is duplicate", a whole
table unreadable for an INTERVAL column no task uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_duckdb, write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.sources import read_table

TINY_COST = 85.0 * (5 + 6 + 7 + 8 + 9)  # the tiny mine's labour hours at 85 CNY/h (tests/conftest.py)


def _cost_total(tmp_path: Path, *args: str) -> float:
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["cost", *args, f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())["cost.total"]


def _daily_in_parts(folder: Path, first: str, rest: str) -> Path:
    """The tiny mine's consumption_daily as a folder: days 1-2 in part ``first``, 3-5 in ``rest``."""
    daily = pl.read_parquet(folder / "consumption_daily.parquet")
    (folder / "consumption_daily.parquet").unlink()
    for name, rows in ((first, daily.head(2)), (rest, daily.tail(3))):
        (folder / "consumption_daily" / name).parent.mkdir(parents=True, exist_ok=True)
        rows.write_parquet(folder / "consumption_daily" / name)
    return folder / "consumption_daily"


def test_the_parts_of_hive_partition_folders_are_read(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    _daily_in_parts(folder, "part-0.parquet", "year=2024/month=1/part-0.parquet")
    assert _cost_total(tmp_path, "data=parquet_dir", f"data.dir={folder}") == TINY_COST  # was 85 * (5 + 6): days 3-5 left out


def test_a_partition_folders_name_is_no_column(tmp_path):
    # an extra sensors column is a reading: year=2024 must not become one
    parts = _daily_in_parts(write_tiny_mine(tmp_path / "mine"), "part-0.parquet", "year=2024/part-1.parquet")
    frame = read_table("parquet", str(parts)).collect()
    assert frame.columns == ["date", "mine_id", "activity", "resource", "quantity"]
    assert frame["quantity"].to_list() == [5.0, 6, 7, 8, 9]


def test_hidden_files_beside_the_parts_are_no_parts(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    parts = _daily_in_parts(folder, "part-0.parquet", "part-1.parquet")
    copy = (parts / "part-0.parquet").read_bytes()
    (parts / ".part-0.parquet").write_bytes(copy)  # a hidden copy: its rows read twice
    (parts / "_temporary" / "0").mkdir(parents=True)  # Spark's unfinished task output
    (parts / "_temporary" / "0" / "part-0.parquet").write_bytes(copy)
    (parts / "._part-1.parquet").write_bytes(b"\x00\x05\x16\x07 macOS AppleDouble")  # no parquet: "unreadable"
    (parts / "_SUCCESS").write_bytes(b"")
    (parts / "_committed_8931").write_text("{}")
    (parts / ".part-0.parquet.crc").write_bytes(b"crc")
    assert _cost_total(tmp_path, "data=parquet_dir", f"data.dir={folder}") == TINY_COST
    # the run's provenance holds the parts read: `verify` then flags no changed marker file, which no run reads
    inputs = json.loads((tmp_path / "run" / "provenance.json").read_text())["inputs"]
    assert sorted(Path(path).relative_to(parts.resolve()).as_posix() for path in inputs if Path(path).is_relative_to(
        parts.resolve())) == ["part-0.parquet", "part-1.parquet"]


def test_a_sub_folder_of_parquet_that_is_no_partition_is_refused(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    parts = _daily_in_parts(folder, "part-0.parquet", "backup/part-1.parquet")  # its rows were left out unsaid
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"],
                   [f"data.tables.consumption_daily: {parts / 'backup'}: a sub-folder of parquet files in a table's folder, "
                    "not a hive partition (name=value); expected the table's parts in the folder itself or in partition "
                    "folders such as year=2023/"], inputs=[folder], run_dir=run)


@pytest.mark.parametrize(("columns", "expect"), [
    ("{tonnes: ore_t, t2: ore_t}", "columns 'tonnes' and 't2' would both be named 'ore_t' after the column map "
                                   "(tonnes: ore_t, t2: ore_t); expected one source column per name"),
    ("{tonnes: drilled_m}", "columns 'tonnes' and 'drilled_m' would both be named 'drilled_m' after the column map "
                            "(tonnes: drilled_m); expected one source column per name"),
])
def test_a_column_map_naming_two_columns_alike_is_refused(tmp_path, columns, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    production = folder / "production.parquet"
    pl.read_parquet(production).rename({"ore_t": "tonnes"}).with_columns(t2=pl.col("tonnes")).write_parquet(production)
    config = tmp_path / "conf" / "data" / "mapped.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"name: mapped\nsynthetic: null\ndir: {folder}\n"
                      f"tables:\n  production: {{kind: parquet, path: {production}, columns: {columns}}}\n")
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", config.parent.parent, "data=mapped", f"hydra.run.dir={run}"],
                   [f"data.tables.production: {production}: {expect}"], inputs=[folder], run_dir=run)


def test_a_duckdb_interval_column_no_task_uses_is_read(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"production": "*, INTERVAL '1 month 8 hours' AS shift"})  # was: the table unreadable
    assert _cost_total(tmp_path, "data=duckdb", f"data.path={db}") == TINY_COST


def test_a_duckdb_interval_column_a_task_uses_is_refused_naming_it(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"equipment": "* REPLACE (to_hours(CAST(downtime_h AS BIGINT)) AS downtime_h)"})
    run = tmp_path / "run"
    assert_refused(["cost", "data=duckdb", f"data.path={db}", f"hydra.run.dir={run}"],
                   ["data.tables.equipment:", "column 'downtime_h' of table 'equipment' holds dates or times (Duration",
                    "not numbers; expected Float64 values"], inputs=[db], run_dir=run)


def test_a_duckdb_column_of_a_type_polars_cannot_read_is_named(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"mines": "*, union_value(grade := 2) AS class"})
    run = tmp_path / "run"
    assert_refused(["cost", "data=duckdb", f"data.path={db}", f"hydra.run.dir={run}"],
                   # was: "unreadable as duckdb (cannot create series from Union(UnionType { fields: [Field { name: ..."
                   ["data.tables.mines:", "query 'mines': column 'class' is of DuckDB type UNION(grade INTEGER), which polars "
                    "cannot read; expected numbers, text, dates or times (CAST it in the query, e.g. CAST(\"class\" AS VARCHAR)"],
                   inputs=[db], run_dir=run)


def test_parts_that_differ_are_compared_past_a_hidden_file(tmp_path):
    """Parts whose types differ are compared (data.sources._parts_schema) from the parts read: a hidden
    `._` file beside them (macOS) is no part to compare, and failed that check with polars' own error.
    An Int64 part among Float64 ones differs in width only: read as one table (was refused)."""
    folder = write_tiny_mine(tmp_path / "mine")
    parts = _daily_in_parts(folder, "part-0.parquet", "part-1.parquet")
    odd = pl.read_parquet(parts / "part-1.parquet").with_columns(pl.col("quantity").cast(pl.Int64))
    odd.write_parquet(parts / "part-1.parquet")
    (parts / "._part-0.parquet").write_bytes(b"\x00\x05\x16\x07 Mac OS X resource fork")
    assert _cost_total(tmp_path, "data=parquet_dir", f"data.dir={folder}") == TINY_COST
