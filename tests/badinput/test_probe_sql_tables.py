"""Bad-input corpus, the SQL sources' tables as databases keep them (data=postgres, data=duckdb),
from a probe of both.

Before: (1) a table given by name was read in its storage order: after an UPDATE of one row
(which PostgreSQL writes at the table's end), or a DELETE and INSERT of one in DuckDB, it was
refused as `non-increasing date values ... e.g. ORDER BY in a query`, though a table has no order;
(2) a column no task reads, of a type minectl does not read (time, text[], uuid, jsonb, inet,
money), refused the whole PostgreSQL table, where DuckDB and parquet keep such a column; (3) a
name's unquoted capitals were taken as written (`PRODUCTION`: relation "PRODUCTION" does not
exist), where PostgreSQL folds them to lower case.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest
from conftest import write_tiny_duckdb
from harness import assert_refused

from minectl.errors import DataError

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
import test_postgres  # noqa: E402  (its server fixture: skipped where initdb and pg_ctl are absent)
from test_postgres import minectl  # noqa: E402

server, loaded = test_postgres.server, test_postgres.loaded  # a server of this module's own

TABLES = """
DROP TABLE IF EXISTS updated, wide, p_money, p_tonnes, s_time;
CREATE TABLE updated AS TABLE production;
UPDATE updated SET ore_t = ore_t WHERE mine_id = 'M01' AND date = '2023-01-02';
CREATE TABLE wide AS SELECT p.*, '24:00:00'::time AS shift_end, ARRAY['day', 'night'] AS crews, gen_random_uuid() AS batch,
    '{"by": "plc"}'::jsonb AS notes, '10.0.0.7'::inet AS plc, 12.5::numeric::money AS fee FROM production p ORDER BY mine_id, date;
CREATE TABLE p_money AS SELECT date, mine_id, ore_t::numeric::money AS ore_t, drilled_m, haul_km FROM production ORDER BY mine_id, date;
CREATE TABLE p_tonnes AS SELECT date, mine_id, ore_t::numeric::money AS tonnes, drilled_m, haul_km FROM production ORDER BY mine_id, date;
CREATE TABLE s_time AS SELECT s.*, '08:00'::time AS shift_start FROM sensors s ORDER BY mine_id, timestamp;
"""


@pytest.fixture(scope="module")
def tables(loaded, tmp_path_factory):
    """The synthetic mine in the database, with the probe's tables beside it; the run of its own tables (metrics, provenance)."""
    dsn, _ = loaded
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(TABLES)
        # the UPDATE wrote the row at the table's end: read as stored, M01's days go back from 2023-04-01 to 2023-01-02
        stored = connection.execute("SELECT mine_id, date::text FROM updated").fetchall()
    assert stored[-1] == ("M01", "2023-01-02") and stored[0] == ("M01", "2023-01-01")
    return dsn, _run(dsn, tmp_path_factory.mktemp("tables") / "run", [])


def _run(dsn: str, run: Path, overrides: list[str]) -> dict:
    """A cost run's metrics and inputs (table -> sha256 of its rows)."""
    minectl("cost", "data=postgres", f"data.dsn={dsn}", "report=false", *overrides, f"hydra.run.dir={run}")
    return {"metrics": json.loads((run / "metrics.json").read_text()),
            "inputs": json.loads((run / "provenance.json").read_text())["inputs"]}


def test_a_postgres_table_updated_in_place_is_read_in_its_keys_order(tables, tmp_path):
    """Was: `table 'production' has non-increasing date values for mine_id=M01 (2023-04-01 then 2023-01-02); expected rows
    in time order`. Its rows sorted by the key give the figures of the table never updated, and the same rows' sha256."""
    dsn, before = tables
    after = _run(dsn, tmp_path / "run", ["data.tables.production.query=updated"])
    assert after["metrics"] == before["metrics"] and before["metrics"]["cost.days"] > 0
    assert after["inputs"][f"postgres {dsn} updated"] == before["inputs"][f"postgres {dsn} production"]


@pytest.mark.parametrize("query", ["SELECT * FROM updated", "SELECT * FROM production ORDER BY mine_id, date DESC"])
def test_a_query_keeps_the_order_it_gives(tables, tmp_path, query):
    """A query's rows come in the order it says, or the server's if it says none: the user chose it; out of time order, refused."""
    dsn, _ = tables
    run = tmp_path / "run"
    line = assert_refused(["cost", "data=postgres", f"data.dsn={dsn}", f'data.tables.production.query="{query}"',
                           f"hydra.run.dir={run}"], "error: data.tables.production: production: table 'production' has "
                          "non-increasing date values for mine_id=M01 (", run_dir=run)
    assert line.endswith("; expected rows in time order (sorted by mine_id, date, e.g. ORDER BY in a query)")


def test_a_duckdb_row_deleted_and_inserted_again_is_read_in_its_keys_order(tmp_path):
    """DuckDB keeps a table's insertion order (an UPDATE keeps the row's place); a row deleted and inserted again (an upsert)
    goes to the end. Was: refused as `non-increasing date values for mine_id=M1 (2024-01-05 then 2024-01-01)`."""
    db = write_tiny_duckdb(tmp_path)
    figures = []
    for step in ("", "CREATE TABLE row AS SELECT * FROM production LIMIT 1; DELETE FROM production WHERE date = (SELECT date FROM row); "
                     "INSERT INTO production SELECT * FROM row; DROP TABLE row"):
        if step:
            with duckdb.connect(str(db)) as con:
                con.execute(step)
                dates = [str(row[0]) for row in con.sql("SELECT date FROM production").fetchall()]
            assert dates == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-01"]
        run = tmp_path / f"run{len(figures)}"
        minectl("cost", "data=duckdb", f"data.path={db}", "report=false", f"hydra.run.dir={run}")
        figures.append(json.loads((run / "metrics.json").read_text()))
    assert figures[0] == figures[1] and figures[0]["cost.days"] == 5


@pytest.mark.parametrize("query", ["wide", "SELECT * FROM wide ORDER BY mine_id, date"])
def test_a_column_no_task_reads_of_a_type_minectl_does_not_read_is_left_out(tables, tmp_path, query):
    """time (24:00:00 too: no Python time), text[], uuid, jsonb, inet and money beside the production columns: the figures of
    the table without them. Was: `column 'shift_end' is of PostgreSQL type time without time zone, which minectl does not read`."""
    dsn, before = tables
    after = _run(dsn, tmp_path / "run", [f'data.tables.production.query="{query}"'])
    assert after["metrics"] == before["metrics"]


@pytest.mark.parametrize("overrides, column", [
    (["data.tables.production.query=p_money"], "'ore_t' is of PostgreSQL type money"),
    (["data.tables.production.query=p_tonnes", "+data.tables.production.columns.tonnes=ore_t"], "'tonnes' is of PostgreSQL type money"),
])
def test_a_column_the_task_reads_of_such_a_type_is_refused_naming_it(tables, tmp_path, overrides, column):
    dsn, _ = tables
    run = tmp_path / "run"
    line = assert_refused(["cost", "data=postgres", f"data.dsn={dsn}", *overrides, f"hydra.run.dir={run}"], [], run_dir=run)
    name = column.split("'")[1]
    assert line == (f"error: data.tables.production: postgres {dsn}: query '{overrides[0].split('=')[1]}': column {column}, which "
                    f"minectl does not read; expected numbers, text, dates or times (CAST it in the query, e.g. CAST({name} AS "
                    "numeric) or AS text, or leave it out)")


def test_every_column_of_sensors_is_read(tables, tmp_path):
    """Each extra sensors column is a reading: one of a type minectl does not read is refused, as a text one of a file is."""
    dsn, _ = tables
    run = tmp_path / "run"
    assert_refused(["cost", "data=postgres", f"data.dsn={dsn}", "data.tables.sensors.query=s_time", f"hydra.run.dir={run}"],
                   f"error: data.tables.sensors: postgres {dsn}: query 's_time': column 'shift_start' is of PostgreSQL type time "
                   "without time zone, which minectl does not read", run_dir=run)


@pytest.mark.parametrize("name", ["PRODUCTION", "Public.Production", 'PUBLIC."production"', '"public".Production'])
def test_unquoted_capitals_of_a_postgres_name_are_folded_to_lower_case(tables, name):
    """As PostgreSQL folds an unquoted name (a quoted part keeps its case). Was: relation "PRODUCTION" does not exist."""
    from minectl.data.postgres import read_postgres

    dsn, _ = tables
    assert read_postgres(dsn, name).collect().equals(read_postgres(dsn, "production").collect())


@pytest.mark.parametrize("name, expect", [
    ('"PRODUCTION"', 'relation "PRODUCTION" does not exist'),
    ('Public."Production"', 'relation "public.Production" does not exist'),
    ('my"prod', 'string is not a valid identifier: "my"prod"'),  # as PostgreSQL parses names: "my""prod" names it
])
def test_a_quoted_part_keeps_its_case(tables, name, expect):
    from minectl.data.postgres import read_postgres

    dsn, _ = tables
    with pytest.raises(DataError) as refused:
        read_postgres(dsn, name)
    assert str(refused.value) == f"postgres {dsn}: query '{name}' failed: {expect}"
