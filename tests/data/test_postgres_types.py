"""data=postgres with the column types real schemas use (the server of test_postgres.py): char(n)
ids beside varchar ones, numeric, real, smallint, 0/1 flags, enums, timestamp(0), a column NULL
in the first batches give the same cost figures as the same values in parquet files, bit for
bit; a type minectl cannot read faithfully (money, uuid, arrays, jsonb) and a query with two
columns of one name are one line naming the column and its type, before any work."""

from __future__ import annotations

import json
import shutil

import polars as pl
import psycopg
import pytest
import test_postgres
from test_postgres import minectl, one_error_line

server, loaded = test_postgres.server, test_postgres.loaded  # its fixtures: a server of this module's own

NULL_ROWS = 60  # production's crew column is NULL in its first rows: the first batches of BATCH_ROWS = 25
TYPED = """
DROP SCHEMA IF EXISTS typed CASCADE; CREATE SCHEMA typed;
CREATE TYPE typed.crew AS ENUM ('day', 'night');
CREATE TYPE typed.activity AS ENUM ({activities});
CREATE TABLE typed.production AS SELECT date, mine_id::varchar(16) AS mine_id, ore_t::numeric(12,4) AS ore_t,
    drilled_m::real AS drilled_m, haul_km::numeric AS haul_km, crew::typed.crew AS crew FROM staging.production;
CREATE TABLE typed.mines AS SELECT mine_id::char(8) AS mine_id, mining_method::varchar(32) AS mining_method,
    equipment_grade::smallint AS equipment_grade, haul_distance_km::numeric(8,2) AS haul_distance_km, rock_hardness_f,
    outsourcing_share::numeric(3,2) AS outsourcing_share FROM public.mines;
CREATE TABLE typed.equipment AS SELECT date, mine_id::char(4) AS mine_id, operating_h::numeric(8,2) AS operating_h,
    downtime_h, failures::smallint AS failures, maintenance::int::smallint AS maintenance
    FROM public.equipment;
CREATE TABLE typed.consumption_daily AS SELECT date, mine_id::char(5) AS mine_id, activity::typed.activity AS activity,
    resource::varchar(40) AS resource, quantity::numeric(14,2) AS quantity FROM public.consumption_daily;
CREATE TABLE typed.consumption_hourly AS SELECT timestamp::timestamp(0) AS timestamp, mine_id::char(3) AS mine_id, activity,
    resource, quantity FROM public.consumption_hourly;
"""


@pytest.fixture(scope="module")
def typed(loaded, tmp_path_factory):
    """The synthetic mine in schema 'typed' with real-schema column types, and the same values as
    parquet files (drilled_m as float32, as a real holds it; crew as text)."""
    from minectl.data.postgres import write_postgres

    dsn, synth = loaded
    folder = tmp_path_factory.mktemp("typed") / "mine"
    shutil.copytree(synth, folder)
    crew = pl.when(pl.int_range(pl.len()) < NULL_ROWS).then(None).otherwise(pl.lit("day"))
    production = pl.read_parquet(folder / "production.parquet").with_columns(pl.col("drilled_m").cast(pl.Float32), crew=crew)
    production.write_parquet(folder / "production.parquet")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS staging CASCADE; CREATE SCHEMA staging")
    write_postgres(dsn, {"production": production.with_columns(pl.col("drilled_m").cast(pl.Float64))}, db_schema="staging")
    activities = pl.read_parquet(folder / "consumption_daily.parquet")["activity"].unique().sort()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(TYPED.format(activities=", ".join(f"'{a}'" for a in activities)))
    return dsn, folder


def test_real_schema_types_give_the_parquet_figures_bit_for_bit(typed, tmp_path, monkeypatch):
    """char(n) ids are read without their padding (PostgreSQL ignores it: 'M01     ' = 'M01'), so
    char(8) mines join varchar(16) production; enums read as their labels; a column NULL in the
    first batches keeps its type in the later ones."""
    from minectl.data import postgres

    dsn, folder = typed
    with psycopg.connect(dsn) as connection:  # the types are the real ones, not text
        found = dict(connection.execute("SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                                        "WHERE table_schema = 'typed'").fetchall())
    assert found["mines.mine_id"] == "character" and found["production.ore_t"] == "numeric" and found["production.crew"] == "USER-DEFINED"
    assert found["production.drilled_m"] == "real" and found["equipment.maintenance"] == "smallint"
    monkeypatch.setattr(postgres, "BATCH_ROWS", 25)
    files, database = tmp_path / "files", tmp_path / "db"
    minectl("cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={files}")
    tables = ("production", "mines", "equipment", "consumption_daily", "consumption_hourly")
    minectl("cost", "data=postgres", f"data.dsn={dsn}", *(f"data.tables.{t}.query=typed.{t}" for t in tables), "report=false",
            f"hydra.run.dir={database}")
    from_files = json.loads((files / "metrics.json").read_text())
    assert json.loads((database / "metrics.json").read_text()) == from_files and from_files["cost.days"] > 0
    for table in ("daily", "ledger", "anomalies"):
        from_database = pl.read_parquet(database / "tables" / f"{table}.parquet")
        assert from_database.equals(pl.read_parquet(files / "tables" / f"{table}.parquet"))
        assert "mine_id" not in from_database.columns or set(from_database["mine_id"]) == {"M01", "M02"}


def test_a_char_column_is_read_as_postgresql_compares_it(typed):
    from minectl.data.postgres import read_postgres

    dsn, _ = typed
    frame = read_postgres(dsn, "SELECT mine_id, mine_id::text AS as_text, ' M1 '::char(6) AS lead, 'a  '::text AS kept, "
                               "'M01'::name AS catalog FROM typed.mines ORDER BY mine_id").collect()
    assert frame.to_dict(as_series=False) == {"mine_id": ["M01", "M02"], "as_text": ["M01", "M02"], "lead": [" M1", " M1"],
                                              "kept": ["a  ", "a  "],  # text keeps its spaces: PostgreSQL's 'a  ' <> 'a'
                                              "catalog": ["M01", "M01"]}  # a text type of the catalog (citext is one too)


def test_enums_and_char_read_as_text_from_a_latin1_database(loaded):
    """Enum labels arrive as their bytes in the connection's encoding: minectl asks for UTF-8."""
    from minectl.data.postgres import read_postgres

    dsn, _ = loaded
    latin1 = dsn.rsplit("/", 1)[0] + "/latin1"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS latin1")
        connection.execute("CREATE DATABASE latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'")
    with psycopg.connect(latin1, autocommit=True) as connection:
        connection.execute("CREATE TYPE site AS ENUM ('Mont-Wright', 'Québec'); CREATE TABLE sites "
                           "AS SELECT s AS site, s::text::char(8) AS code FROM unnest(enum_range(NULL::site)) AS s")
    frame = read_postgres(latin1, "sites").collect()
    assert frame.to_dict(as_series=False) == {"site": ["Mont-Wright", "Québec"], "code": ["Mont-Wri", "Québec"]}


@pytest.mark.parametrize("column, expect", [
    ("ore_t::numeric::money AS ore_t", "column 'ore_t' is of PostgreSQL type money, which minectl does not read; expected numbers, "
     "text, dates or times (CAST it in the query, e.g. CAST(ore_t AS numeric) or AS text, or leave it out)"),
    # a column the contract reads (one it does not is left out: tests/badinput/test_probe_sql_tables.py)
    ("gen_random_uuid() AS ore_t", "column 'ore_t' is of PostgreSQL type uuid, which minectl does not read"),
    ("ARRAY[ore_t] AS ore_t", "column 'ore_t' is of PostgreSQL type double precision[], which minectl does not read"),
    ("to_jsonb(ore_t) AS ore_t", "column 'ore_t' is of PostgreSQL type jsonb, which minectl does not read"),
    ("ore_t, mine_id", "returns 2 columns named 'mine_id'; expected one column per name (name each selected column or "
     "expression with AS, or leave the repeats out)"),
    ("ore_t, ore_t * 2, drilled_m + 1", "returns 2 columns named '?column?'; expected one column per name"),
])
def test_a_type_without_a_faithful_reading_or_a_name_twice_is_one_line(loaded, tmp_path, column, expect):
    dsn, _ = loaded
    query = f"SELECT date, mine_id, {column}, drilled_m, haul_km FROM production ORDER BY mine_id, date"
    run_dir = tmp_path / "run"
    line = one_error_line(minectl("cost", "data=postgres", f"data.dsn={dsn}", f'data.tables.production.query="{query}"',
                                  f"hydra.run.dir={run_dir}", code=2))
    assert line.startswith(f"error: data.tables.production: postgres {dsn}: query '{query}'") and expect in line
    assert not (run_dir / "metrics.json").exists()


@pytest.mark.parametrize("column, expect", [
    # NaN is a legal float8 and numeric value: refused as any non-finite value of a file
    ("CASE WHEN date = '2023-01-02' THEN 'NaN'::numeric ELSE ore_t::numeric END AS ore_t",
     "column 'ore_t' of table 'production' has 2 non-finite values (first at row 2); expected finite numbers"),
    # timestamptz arrives as UTC whatever the session's TimeZone, read at its wall time as a file's zoned times are: a
    # mine's local midnight (Asia/Shanghai) is 16:00 UTC of the day before, refused rather than moved a day
    ("(date::timestamp AT TIME ZONE 'Asia/Shanghai') AS date",
     "column 'date' of table 'production' has 182 times other than midnight (first 2022-12-31 16:00:00); expected days"),
    # PostgreSQL's 'infinity' has no Python date: psycopg's own line named no column
    ("CASE WHEN date = '2023-01-02' THEN 'infinity'::date ELSE date END AS date",
     "failed: date too large (after year 10K) in column 'date' ('infinity', '-infinity' or a year outside 1-9999); "
     "expected dates and times in years 1 to 9999 (leave the others out in the query, e.g. WHERE isfinite(date))"),
])
def test_values_refused_as_in_files(loaded, tmp_path, monkeypatch, column, expect):
    dsn, _ = loaded
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")
    columns = ", ".join(column if c in column.split(" AS ")[-1].split() else c for c in ("date", "mine_id", "ore_t", "drilled_m", "haul_km"))
    query = f"SELECT {columns} FROM production ORDER BY mine_id, date"
    line = one_error_line(minectl("cost", "data=postgres", f"data.dsn={dsn}", f'data.tables.production.query="{query}"',
                                  f"hydra.run.dir={tmp_path / 'run'}", code=2))
    assert expect in line
