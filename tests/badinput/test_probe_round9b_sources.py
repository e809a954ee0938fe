"""Bad-input corpus, round 9b: sources (data.tables.<table>) as a plant's IT exports them.

Before: a DuckDB source's SELECT read any file the user running minectl could read
(read_csv('/etc/passwd'), glob('/etc/*'), another parquet file), into the mine's tables and their
error lines, and into no provenance; a date filter (`value: '2024-01-03'`, as YAML and the command
line give it) failed as "unreadable as duckdb (cannot compare 'date/datetime/time' to a string
value ...)"; a number against a date column (`value: 5`) was cast to 1970-01-06 and kept every
row unsaid; op `in` with one text value (`value: M1`) looked for the letters 'M' and '1'.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from conftest import write_tiny_duckdb
from harness import assert_refused, invoke

from minectl.data.sources import read_table
from minectl.errors import DataError

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
import test_postgres  # noqa: E402  (its server fixture: skipped where initdb and pg_ctl are absent)

server, loaded = test_postgres.server, test_postgres.loaded  # a server of this module's own


def _run(db, tmp_path, overrides, expect):
    run = tmp_path / "run"
    return assert_refused(["cost", "data=duckdb", f"data.path={db}", *overrides, f"hydra.run.dir={run}"], expect,
                          inputs=[db], run_dir=run)


@pytest.mark.parametrize("select", ["read_csv('/etc/passwd')", "glob('/etc/*')", "read_text('{secret}')", "'{secret}'"])
def test_a_duckdb_query_reads_no_file_but_the_database(tmp_path, select):
    db = write_tiny_duckdb(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("date,mine_id,ore_t,drilled_m,haul_km\n2024-01-01,M1,1,1,1\n")
    query = f"SELECT * FROM {select.format(secret=secret)}"
    with pytest.raises(DataError, match="file system operations are disabled by configuration; expected a query over the "
                                        "database's own tables"):
        read_table("duckdb", path=str(db), query=query).collect()  # was: the file's rows


def test_a_duckdb_source_reading_another_file_is_refused_in_one_line(tmp_path):
    db = write_tiny_duckdb(tmp_path)
    parquet = tmp_path / "mine" / "production.parquet"  # the same rows: the cost was the same, the file in no provenance
    _run(db, tmp_path, [f"data.tables.production.query=\"SELECT * FROM read_parquet('{parquet}')\""],
         [f'Cannot access file "{parquet}"', "expected a query over the database's own tables (a file is a source of its own"])


def test_a_query_over_the_database_still_reads(tmp_path):
    db = write_tiny_duckdb(tmp_path)
    frame = read_table("duckdb", path=str(db), query="SELECT * FROM production WHERE ore_t > 105 ORDER BY date").collect()
    assert frame["ore_t"].to_list() == [110.0, 120.0, 130.0]


DAYS_FROM_3RD = "[{column: date, op: '>=', value: '2024-01-03'}]"


def test_a_date_filter_given_as_text_selects_those_days(tmp_path):
    """The tiny mine costs 2975 (35 labour units at 85 over 5 days, rows 5..9); from 3 Jan on, 7+8+9 = 24 units: 2040."""
    db = write_tiny_duckdb(tmp_path)
    run = tmp_path / "run"
    filters = [f"+data.tables.{table}.filters={DAYS_FROM_3RD}" for table in ("production", "consumption_daily", "equipment")]
    result = invoke("cost", "data=duckdb", f"data.path={db}", *filters, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output  # was: exit 2, "unreadable as duckdb (cannot compare 'date/datetime/time' ..."
    import json

    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["cost.days"] == 3 and metrics["cost.total"] == pytest.approx(24 * 85)


@pytest.mark.parametrize("column, op, value, expect", [
    ("date", ">", 5, "has value 5, which is no Date value"),  # was: 1970-01-06, every row kept unsaid
    ("date", "<", "2024-01-03 10:00", "has value '2024-01-03 10:00', which is no Date value"),
    ("ore_t", ">", "abc", "has value 'abc', which is no Float64 value"),  # was: unreadable as duckdb (cannot compare string ...)
    ("ore_t", ">", True, "has value True, which is no Float64 value"),  # was: read as 1.0
    ("mine_id", "in", "M1", "with op 'in' has value 'M1'; expected a list of values"),  # was: the letters M and 1
])
def test_a_filter_value_of_another_type_is_refused_naming_it(tmp_path, column, op, value, expect):
    db = write_tiny_duckdb(tmp_path)
    with pytest.raises(DataError, match=f"filter on '{column}' {expect}".replace("(", r"\(").replace(")", r"\)")):
        read_table("duckdb", path=str(db), query="production", filters=[{"column": column, "op": op, "value": value}]).collect()


def test_a_filter_refused_so_is_one_line(tmp_path):
    db = write_tiny_duckdb(tmp_path)
    _run(db, tmp_path, ["+data.tables.production.filters=[{column: date, op: '>', value: 5}]"],
         ["data.tables.production:", "filter on 'date' has value 5, which is no Date value of that column; expected a value of its type"])


@pytest.mark.parametrize("value, days", [("2024-01-02", ["2024-01-02"]), ("02.01.2024", ["2024-01-02"]), (["2024-01-02", "2024-01-05"], None)])
def test_date_filter_values_read_as_the_csv_source_reads_dates(tmp_path, value, days):
    db = write_tiny_duckdb(tmp_path)
    op = "in" if isinstance(value, list) else "=="
    frame = read_table("duckdb", path=str(db), query="production", filters=[{"column": "date", "op": op, "value": value}]).collect()
    assert [str(d) for d in frame["date"]] == (days or value)


def test_a_duckdb_enum_and_view_read_as_the_table(tmp_path):
    db = write_tiny_duckdb(tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TYPE site AS ENUM ('M1'); CREATE VIEW pv AS SELECT date, mine_id::site AS mine_id, ore_t, drilled_m, "
                    "haul_km FROM production")
    frame = read_table("duckdb", path=str(db), query="pv", filters=[{"column": "mine_id", "op": "==", "value": "M1"}]).collect()
    assert frame["ore_t"].to_list() == [100.0, 110.0, 0.0, 120.0, 130.0]


@pytest.mark.parametrize("name", ['plant."Con Sumption"', '"plant"."Con Sumption"', ' PLANT."Con Sumption" '])
def test_a_duckdb_table_name_with_a_space_in_quotes_is_read_in_key_order(tmp_path, name):
    """Was: `Parser Error: syntax error at or near "plant"` (read as a query, as white space was)."""
    db = write_tiny_duckdb(tmp_path)
    with duckdb.connect(str(db)) as con:  # stored newest first: a name is read in its key's order
        con.execute('CREATE SCHEMA plant; CREATE TABLE plant."Con Sumption" AS SELECT * FROM production ORDER BY date DESC')
    frame = read_table("duckdb", path=str(db), query=name, order=("mine_id", "date")).collect()
    assert frame["ore_t"].to_list() == [100.0, 110.0, 0.0, 120.0, 130.0]


def test_a_query_with_a_quoted_name_is_still_a_query(tmp_path):
    db = write_tiny_duckdb(tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute('CREATE TABLE "my table" AS SELECT * FROM production')
    frame = read_table("duckdb", path=str(db), query='SELECT * FROM "my table" WHERE ore_t > 115').collect()
    assert frame["ore_t"].to_list() == [120.0, 130.0]


def test_a_postgres_table_name_with_a_space_in_quotes_is_read(loaded):
    import psycopg

    from minectl.data.postgres import read_postgres

    dsn, _ = loaded
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute('DROP SCHEMA IF EXISTS plant CASCADE; CREATE SCHEMA plant; '
                           'CREATE TABLE plant."Con Sumption" AS TABLE production')
    # was: syntax error at or near "Sumption" (the name run as a query)
    assert read_postgres(dsn, 'plant."Con Sumption"').collect().equals(read_postgres(dsn, "production").collect())


def test_a_filter_on_a_source_name_the_column_map_renames_says_the_canonical_name(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"production": "date, mine_id, ore_t AS tonnes, drilled_m, haul_km"})
    _run(db, tmp_path, ["+data.tables.production.columns.tonnes=ore_t",
                        "+data.tables.production.filters=[{column: tonnes, op: '>', value: 105}]"],
         "filter on unknown column 'tonnes' (columns: date, mine_id, ore_t, drilled_m, haul_km); expected its name after the "
         "column map, 'ore_t'")


def test_a_filter_on_the_canonical_name_of_a_mapped_column_reads(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"production": "date, mine_id, ore_t AS tonnes, drilled_m, haul_km"})
    frame = read_table("duckdb", path=str(db), query="production", columns={"tonnes": "ore_t"},
                       filters=[{"column": "ore_t", "op": ">", "value": "105"}]).collect()
    assert frame["ore_t"].to_list() == [110.0, 120.0, 130.0]
