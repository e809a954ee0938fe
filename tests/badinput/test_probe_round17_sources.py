"""Round 17 probe of the data sources: filters of no value, true/false stored as text, a file of another kind given as
parquet, and a data.dir table mapped or filtered by a data.tables entry alone.

Before: a filter `value: null` (or the key left out) printed polars' two-line UserWarning, then "table 'production' is
empty"; `value: .nan` with `<` or `!=` kept every row unsaid, and `op: in, value: []` emptied the table; a text column
of 'true'/'false' (a PostgreSQL text column, pandas' `astype(str)` 'True') was refused as "not Boolean ... first at
row 1: 'true'; expected true/false or 1/0", naming a value it asked for; a csv or DuckDB file given as `kind: parquet`
said polars' "File out of specification: The file must end with PAR1 or PARE"; and `data.tables.production: {filters:
[...]}` beside data.dir (or `{columns: {...}}`) was refused as "a parquet source needs a path".
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import duckdb
import polars as pl
import pytest
from conftest import write_tiny_duckdb, write_tiny_mine
from harness import assert_refused, invoke

from minectl.data.contract import validate
from minectl.data.mine import load_mine
from minectl.data.sources import read_table
from minectl.errors import DataError

# -- a filter of no value ------------------------------------------------------------------------


@pytest.mark.parametrize("column, op, value, shown", [
    ("mine_id", "==", None, "None"),  # was: no row, "table 'production' is empty"
    ("ore_t", "<", float("nan"), "nan"),  # was: every row kept unsaid (NaN is greater than every number in polars)
    ("ore_t", "!=", "nan", "'nan'"),  # was: every row kept unsaid
    ("mine_id", "in", ["M1", None], "['M1', None]"),
], ids=["null", "nan", "nan text", "null in a list"])
def test_a_filter_of_null_or_nan_is_refused_naming_it(tmp_path, column, op, value, shown):
    production = write_tiny_mine(tmp_path / "mine") / "production.parquet"
    with pytest.raises(DataError, match=re.escape(f"filter on '{column}' has value {shown}: a null or NaN, which selects no row, "
                                                  "or every row; expected a value")):
        read_table("parquet", str(production), filters=[{"column": column, "op": op, "value": value}])


def test_an_empty_in_list_is_refused(tmp_path):
    production = write_tiny_mine(tmp_path / "mine") / "production.parquet"
    with pytest.raises(DataError, match=r"filter on 'mine_id' with op 'in' has value \[\]; expected a list of values"):
        read_table("parquet", str(production), filters=[{"column": "mine_id", "op": "in", "value": []}])


@pytest.mark.parametrize("op, value, tonnes", [
    ("<", "inf", [100.0, 110.0, 0.0, 120.0, 130.0]),  # every finite value is below infinity
    ("in", [100, 110.0], [100.0, 110.0]),
    (">", -1e-9, [100.0, 110.0, 0.0, 120.0, 130.0]),
], ids=["inf", "in", "negative"])
def test_filters_of_real_values_still_select_their_rows(tmp_path, op, value, tonnes):
    production = write_tiny_mine(tmp_path / "mine") / "production.parquet"
    frame = read_table("parquet", str(production), filters=[{"column": "ore_t", "op": op, "value": value}]).collect()
    assert frame["ore_t"].to_list() == tonnes


def test_a_null_filter_on_the_command_line_is_one_line(tmp_path):
    """Run as a user runs it: polars' UserWarning (two lines) came before the error line."""
    db, run = write_tiny_duckdb(tmp_path), tmp_path / "run"
    assert_refused(["cost", "data=duckdb", f"data.path={db}", "+data.tables.production.filters=[{column: mine_id, value: null}]",
                    f"hydra.run.dir={run}"], f"data.tables.production: {db}: filter on 'mine_id' has value None: a null or NaN",
                   inputs=[db], run_dir=run, in_process=False)


# -- true/false stored as text --------------------------------------------------------------------

def _equipment(maintenance: list) -> pl.LazyFrame:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(maintenance))]
    return pl.DataFrame({"date": days, "mine_id": "M1", "operating_h": 20.0, "downtime_h": 1.0, "failures": 0,
                         "maintenance": pl.Series(maintenance, dtype=pl.String)}).lazy()


@pytest.mark.parametrize("given", [
    ["False", "False", "True", None],  # pandas' astype(str) of a bool column (None: a day not recorded)
    ["false", "false", "true", None],  # PostgreSQL's boolean::text
    ["FALSE", " false", "TRUE ", None],  # Excel's, spaces around
    ["0", "0", "1", None],
], ids=["pandas", "postgres", "excel", "digits"])
def test_true_false_as_text_reads_as_flags(given):
    frame = validate("equipment", _equipment(given), "equipment.parquet").collect()
    assert frame["maintenance"].to_list() == [False, False, True, None]


@pytest.mark.parametrize("given, unread", [
    (["true", "Y", "false"], "1 such value, first at row 2: 'Y'"),
    (["yes", "no", "true", "no"], "3 such values, first at row 1: 'yes'"),  # 'true' is read, not named
], ids=["Y", "yes/no"])
def test_other_flags_as_text_are_refused_naming_the_first_unread(given, unread):
    with pytest.raises(DataError, match=f"column 'maintenance' of table 'equipment' has values that are not Boolean "
                                        f"\\(found String; {unread}\\); expected true/false or 1/0"):
        validate("equipment", _equipment(given), "equipment.parquet").collect()


# -- a file of another kind given as parquet ----------------------------------------------------------

@pytest.mark.parametrize("write, found", [
    (lambda path: path.write_text("date,mine_id\n2024-01-01,M1\n"), "text (a csv? kind: csv reads it)"),
    (lambda path: duckdb.connect(str(path)).close(), "a DuckDB database file (kind: duckdb reads it)"),
    (lambda path: path.write_bytes(gzip.compress(b"date,mine_id\n")), "a gzip-compressed file (decompress it)"),
    (lambda path: path.write_bytes(b"\x01\x02\xff\xfe" * 8), "no parquet header (PAR1)"),
], ids=["csv", "duckdb", "gzip", "other"])
def test_a_file_of_another_kind_given_as_parquet_is_named(tmp_path, write, found):
    path = tmp_path / "production.parquet"
    write(path)
    with pytest.raises(DataError, match=re.escape(f"production.parquet: unreadable as parquet: {found}; expected a parquet file")):
        read_table("parquet", str(path))  # was: "File out of specification: The file must end with PAR1 or PARE"


# -- a data.dir table mapped or filtered by an entry alone --------------------------------------------

def test_a_column_map_alone_renames_the_data_folders_table(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    pl.read_parquet(mine / "production.parquet").rename({"ore_t": "tonnes"}).write_parquet(mine / "production.parquet")
    tables = {"production": {"kind": "parquet", "path": None, "query": None, "dsn": None, "columns": {"tonnes": "ore_t"}}}
    production = load_mine(dir=str(mine), tables=tables).production.collect()
    assert production["ore_t"].to_list() == [100.0, 110.0, 0.0, 120.0, 130.0]


def test_filters_alone_select_the_data_folders_rows(tmp_path):
    """The tiny mine costs 35 labour units at 85 over 5 days; from 3 Jan on, 7+8+9 = 24 units: 2040 (round 9b's figure)."""
    mine, config, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "config", tmp_path / "run"
    days = "{filters: [{column: date, op: '>=', value: '2024-01-03'}]}"
    (config / "data").mkdir(parents=True)
    (config / "data" / "mine.yaml").write_text(f"name: mine\ndir: {mine}\ntables:\n" + "".join(
        f"  {table}: {days}\n" for table in ("production", "consumption_daily", "equipment")))
    result = invoke("cost", "-cd", config, "data=mine", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output  # was: "data.tables.production: a parquet source needs a path"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["cost.days"] == 3 and metrics["cost.total"] == pytest.approx(24 * 85)


def test_an_entry_of_its_own_still_replaces_the_folders_table(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    other = tmp_path / "other.csv"
    other.write_text("date,mine_id,ore_t,drilled_m,haul_km\n" + "".join(f"2024-01-0{d},M1,{d},1,1\n" for d in range(1, 6)))
    production = load_mine(dir=str(mine), tables={"production": {"kind": "csv", "path": str(other)}}).production.collect()
    assert production["ore_t"].to_list() == [1.0, 2.0, 3.0, 4.0, 5.0]
