"""Bad-input corpus, the SQL sources (data=duckdb, data=postgres), from a mutation probe of both:
a table named as DuckDB names it (schema.table, "Quoted", with spaces around), a query whose
columns repeat a name, exact numbers (DECIMAL, HUGEINT, numeric) that a float rounds or that
hold fractions of a count.

Before: a DuckDB table outside schema main, or named in quotes, was refused as missing; a
query's second 'ore_t' (a join with a corrections table) was renamed 'ore_t_1' by polars and the
first one costed, without a word; 1.5 failures from a DECIMAL column were costed as 1, and a
DECIMAL, HUGEINT or numeric tonnage of 2^53 + 1 as 2^53, where a bigint or a float column is
refused so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import write_tiny_duckdb, write_tiny_mine
from harness import assert_refused

from minectl.data.sources import read_table

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
import test_postgres  # noqa: E402  (its server fixture: skipped where initdb and pg_ctl are absent)
from test_postgres import minectl, one_error_line  # noqa: E402

server, loaded = test_postgres.server, test_postgres.loaded  # a server of this module's own

PRODUCTION = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]


def _refused(db: Path, tmp_path: Path, overrides: list[str], expect: list[str]) -> str:
    run = tmp_path / "run"
    return assert_refused(["cost", "data=duckdb", f"data.path={db}", *overrides, f"hydra.run.dir={run}"], expect,
                          inputs=[db], run_dir=run)


@pytest.mark.parametrize("name", ["s.production", '"s"."production"', "S.Production", "memory_db.s.production",
                                  ' s.production ', 'my"prod'])
def test_a_duckdb_table_is_named_as_duckdb_names_it(tmp_path, name):
    db = write_tiny_duckdb(tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute('CREATE SCHEMA s; CREATE TABLE s.production AS SELECT * FROM production; '
                    'CREATE TABLE "my""prod" AS SELECT * FROM production; DROP TABLE production')
    name = name.replace("memory_db", db.stem)  # the database's own name: the file's
    frame = read_table("duckdb", path=str(db), query=name).collect()  # was: Table with name s.production does not exist!
    assert frame["ore_t"].to_list() == [100.0, 110, 0, 120, 130] and frame["date"].cast(pl.String).to_list() == PRODUCTION


@pytest.mark.parametrize("query, expect", [
    # a correction joined in: polars renamed the second ore_t 'ore_t_1', and the first, uncorrected, was costed
    ("SELECT p.*, c.ore_t FROM production p JOIN corrections c USING (date, mine_id) ORDER BY date",
     "returns 2 columns named 'ore_t'; expected one column per name (name each selected column or expression with AS"),
    ("SELECT date, mine_id, drilled_m AS ORE_T, ore_t, drilled_m, haul_km FROM production",
     "returns 2 columns named 'ORE_T' (ORE_T, ore_t: DuckDB's names ignore case)"),
])
def test_a_duckdb_query_with_two_columns_of_one_name_is_refused(tmp_path, query, expect):
    db = write_tiny_duckdb(tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE corrections AS SELECT date, mine_id, ore_t * 10 AS ore_t FROM production")
    _refused(db, tmp_path, [f'data.tables.production.query="{query}"'], [f"data.tables.production: {db}: query '{query}' {expect}"])


@pytest.mark.parametrize("table, select, expect", [
    ("equipment", "* REPLACE (CAST(failures + 0.5 AS DECIMAL(5,1)) AS failures)",  # was: costed as 1 failure
     "column 'failures' of table 'equipment' has 5 values that are not whole numbers (first 1.5); expected Int64 counts"),
    ("production", "* REPLACE (CAST(ore_t AS HUGEINT) + 9007199254740893 AS ore_t)",  # was: costed as 2^53 t
     "column 'ore_t' of table 'production' has 4 values beyond 2^53 (first 9007199254740993), which a float rounds; expected Float64 "
     "values of at most 9,007,199,254,740,992 (a unit or id slip?)"),
    ("production", "* REPLACE (CAST(ore_t AS DECIMAL(38,0)) + 9007199254740893 AS ore_t)",
     "column 'ore_t' of table 'production' has 4 values beyond 2^53 (first 9007199254740993)"),
])
def test_duckdb_decimals_are_checked_as_numbers(tmp_path, table, select, expect):
    db = write_tiny_duckdb(tmp_path, {table: select})
    _refused(db, tmp_path, [], [f"data.tables.{table}: {db}:", expect])


def test_duckdb_decimals_read_as_the_same_floats(tmp_path):
    """DECIMAL and HUGEINT columns cost as DOUBLE and BIGINT ones; an extra one beyond any integer is kept, not refused."""
    decimal = write_tiny_duckdb(tmp_path / "decimal", {"production": "* REPLACE (CAST(ore_t AS DECIMAL(18,3)) AS ore_t), "
                                                                     "170141183460469231731687303715884105727::HUGEINT AS serial",
                                                       "equipment": "* REPLACE (CAST(failures AS DECIMAL(4,0)) AS failures)",
                                                       "mines": "* REPLACE (CAST(equipment_grade AS HUGEINT) AS equipment_grade)"})
    totals = []
    for db in (decimal, write_tiny_duckdb(tmp_path / "double")):
        run = db.parent / "run"
        minectl("cost", "data=duckdb", f"data.path={db}", "report=false", f"hydra.run.dir={run}")
        totals.append(json.loads((run / "metrics.json").read_text()))
    assert totals[0] == totals[1] and totals[0]["cost.total"] == 85.0 * (5 + 6 + 7 + 8 + 9)


def test_a_postgres_numeric_beyond_2_53_is_refused(loaded, tmp_path):
    """numeric is exact; read as a float, 2^53 + 1 t was 2^53 t (a bigint of it is refused so)."""
    dsn, _ = loaded
    query = ("SELECT date, mine_id, CASE WHEN date = '2023-01-02' THEN 9007199254740993 ELSE ore_t::numeric END AS ore_t, "
             "drilled_m, haul_km FROM production ORDER BY mine_id, date")
    run = tmp_path / "run"
    line = one_error_line(minectl("cost", "data=postgres", f"data.dsn={dsn}", f'data.tables.production.query="{query}"',
                                  f"hydra.run.dir={run}", code=2))
    assert line == (f"error: data.tables.production: postgres {dsn}: query '{query}': column 'ore_t' has values beyond 2^53 "
                    "(first 9007199254740993), which a float rounds; expected numbers of at most 9,007,199,254,740,992 (a unit or "
                    "id slip? an id: CAST(ore_t AS text) in the query)")
    assert not (run / "metrics.json").exists()
    from minectl.data.postgres import read_postgres

    fine = read_postgres(dsn, "SELECT 9007199254740992::numeric AS top, 'NaN'::numeric AS nan, NULL::numeric AS none").collect()
    assert fine.row(0)[0] == 2.0**53 and fine.row(0)[2] is None  # 2^53 itself is exact; NaN is the contract's to refuse


@pytest.mark.parametrize("name", ['q."Production"', '"q"."Production"', '"q"."a.b"'])
def test_a_postgres_table_name_in_double_quotes_is_read(loaded, name):
    """As SQL writes a name of capitals or dots: was 'relation "q."Production"" does not exist'."""
    import psycopg

    from minectl.data.postgres import read_postgres

    dsn, _ = loaded
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute('DROP SCHEMA IF EXISTS q CASCADE; CREATE SCHEMA q; CREATE TABLE q."Production" AS TABLE production; '
                           'CREATE TABLE q."a.b" AS TABLE production')
    assert read_postgres(dsn, name).collect().equals(read_postgres(dsn, "production").collect())


def test_a_sqlite_file_given_as_duckdb_is_named_so(tmp_path):
    import sqlite3

    db = tmp_path / "mine.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE production (date TEXT)")
    connection.close()
    # was: "query 'production' failed: IO Error: Extension \"/root/.duckdb/extensions/.../sqlite_scanner.duckdb_extension\" not found."
    _refused(db, tmp_path, [], [f"data.tables.production: {db}: a SQLite database; expected a DuckDB database file"])


# -- the data contract, whatever the source (minectl/data/contract.py)

@pytest.mark.parametrize("table, change, expect", [
    ("equipment", (pl.col("failures") + 0.5).cast(pl.Decimal(5, 1)),  # was: costed as 1 failure (a float 1.5 is refused)
     "column 'failures' of table 'equipment' has 5 values that are not whole numbers (first 1.5); expected Int64 counts"),
    ("production", pl.col("ore_t").cast(pl.Decimal(38, 2)) + 9007199254740893,  # was: costed as 2^53 t
     "column 'ore_t' of table 'production' has 4 values beyond 2^53 (first 9007199254740993.00), which a float rounds"),
])
def test_parquet_decimals_are_checked_as_numbers(tmp_path, table, change, expect):
    mine = write_tiny_mine(tmp_path / "mine")
    frame = pl.read_parquet(mine / f"{table}.parquet")
    frame.with_columns(change.alias(change.meta.output_name())).write_parquet(mine / f"{table}.parquet")
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={run}"], [f"{table}.parquet: ", expect],
                   inputs=[mine], run_dir=run)


def test_a_struct_column_is_named(tmp_path):
    db = write_tiny_duckdb(tmp_path, {"production": "* REPLACE ({'v': ore_t} AS ore_t)"})  # was: "unreadable as duckdb (`sum` ..."
    run = tmp_path / "run"
    assert_refused(["cost", "data=duckdb", f"data.path={db}", f"hydra.run.dir={run}"],
                   "column 'ore_t' of table 'production' holds nested values (Struct({'v': Float64})); expected Float64 values",
                   inputs=[db], run_dir=run)


def test_times_of_day_in_a_date_column_are_refused(tmp_path):
    """A daily table's days as UTC times (midnight in Shanghai is 16:00 the day before): was cut to the day before, every row."""
    utc = "* REPLACE (CAST({0} AS TIMESTAMP) - INTERVAL 8 HOUR AS {0})"  # every dated table: their days still join
    db = write_tiny_duckdb(tmp_path, {t: utc.format("date") for t in ("production", "consumption_daily", "equipment")}
                           | {"prices": utc.format("valid_from")})
    run = tmp_path / "run"
    assert_refused(["cost", "data=duckdb", f"data.path={db}", f"hydra.run.dir={run}"],
                   "times other than midnight (first 2023-12-31 16:00:00); expected days (Date, or times at 00:00",
                   inputs=[db], run_dir=run)
