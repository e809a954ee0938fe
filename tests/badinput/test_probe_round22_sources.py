"""Round 22 probe of the data sources: one dataset given as parquet, csv, DuckDB and PostgreSQL.

Before: a REAL (32-bit) quantity was costed at its widened binary from a parquet file, DuckDB or PostgreSQL
(5.1 as 5.0999999) and at its text from a csv of the same table (5.1): the tiny mine's cost was 3161.99994 or
3162.0 by source; a boolean written as PostgreSQL's COPY and psql write it (t/f) was refused; a column map naming
an alias that PostgreSQL folded to lower case (AS Tonnes is tonnes) was refused without saying the name it has;
hourly times from a TIMESTAMPTZ (read in UTC) were refused as cut within a day without naming the zone.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from conftest import write_tiny_mine
from harness import assert_refused, invoke

from minectl.data.synth import read_dataset
from tests.data.test_postgres import server  # noqa: F401 (the fixture: a PostgreSQL server of this module)

QUANTITY = [5.1, 6.3, 7.7, 8.2, 9.9]  # none a 32-bit float exactly


def _tables(root: Path, change=None) -> dict[str, pl.DataFrame]:
    folder = write_tiny_mine(root / "tiny")
    tables = {p.stem: pl.read_parquet(p) for p in folder.glob("*.parquet")}
    tables["consumption_daily"] = tables["consumption_daily"].with_columns(quantity=pl.Series(QUANTITY))
    return tables if change is None else change(tables)


def _as_parquet(folder: Path, tables: dict[str, pl.DataFrame]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    return ["data=parquet_dir", f"data.dir={folder}"]


def _as_csv(folder: Path, tables: dict[str, pl.DataFrame]) -> list[str]:
    (folder / "conf" / "data").mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    config = {"name": "csvs", "tables": {name: {"kind": "csv", "path": str(folder / f"{name}.csv")} for name in tables}}
    (folder / "conf" / "data" / "csvs.yaml").write_text(yaml.safe_dump(config))
    return ["-cd", str(folder / "conf"), "data=csvs"]


def _as_duckdb(folder: Path, tables: dict[str, pl.DataFrame]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(folder / "mine.duckdb")) as con:
        for name, frame in tables.items():
            con.register("frame", frame.to_arrow())
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
    return ["data=duckdb", "data.dir=null", f"data.path={folder / 'mine.duckdb'}"]


FORMS = {"parquet": _as_parquet, "csv": _as_csv, "duckdb": _as_duckdb}


def _cost(tmp_path: Path, form: str, tables: dict[str, pl.DataFrame]) -> dict:
    run = tmp_path / f"run-{form}"
    result = invoke("cost", *FORMS[form](tmp_path / form, tables), "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()) | {"ledger": pl.read_parquet(run / "tables" / "ledger.parquet")}


def _float32(tables):
    return tables | {"consumption_daily": tables["consumption_daily"].with_columns(pl.col("quantity").cast(pl.Float32))}


@pytest.mark.parametrize("form", ["parquet", "duckdb", "csv"])
def test_a_real_quantity_costs_as_its_decimal_in_every_form(tmp_path, form):
    plain = _cost(tmp_path / "plain", "parquet", _tables(tmp_path))  # the same quantities as 64-bit floats
    real = _cost(tmp_path / "real", form, _tables(tmp_path, _float32))
    assert plain["cost.total"] == 3162.0
    assert real["cost.total"] == plain["cost.total"] and real["cost.unit_mean"] == plain["cost.unit_mean"]
    assert real["ledger"].equals(plain["ledger"])
    assert real["ledger"]["quantity"].to_list() == QUANTITY


def _flags(text: list[str]):
    return lambda tables: tables | {"equipment": tables["equipment"].with_columns(maintenance=pl.Series(text))}


@pytest.mark.parametrize("form", ["parquet", "csv", "duckdb"])
@pytest.mark.parametrize("text", [["f", "f", "t", "f", "f"], ["F", "F", "T", "F", "F"], ["false", "false", "true", "false", "false"]],
                         ids=["t/f", "T/F", "true/false"])
def test_true_false_as_postgresql_writes_it_reads_as_flags(tmp_path, form, text):
    plain = _cost(tmp_path / "plain", "parquet", _tables(tmp_path))
    assert _cost(tmp_path / "flags", form, _tables(tmp_path, _flags(text)))["ledger"].equals(plain["ledger"])


@pytest.mark.parametrize("form", ["parquet", "csv"])
def test_other_flag_letters_are_still_refused(tmp_path, form):
    args = FORMS[form](tmp_path / form, _tables(tmp_path, _flags(["n", "n", "y", "n", "n"])))
    assert_refused(["cost", *args, f"hydra.run.dir={tmp_path / 'run'}"],
                   ["column 'maintenance' of table 'equipment' has values that are not Boolean", "first at row 1: 'n'"],
                   inputs=[tmp_path / form], run_dir=tmp_path / "run")


def test_a_column_map_naming_a_column_in_another_case_says_the_name_it_has(tmp_path):
    folder = tmp_path / "mine"
    tables = _tables(tmp_path)
    tables["production"] = tables["production"].rename({"ore_t": "tonnes"})
    _as_parquet(folder, tables)
    production = {"kind": "parquet", "path": str(folder / "production.parquet")}
    for columns, expect in (({"Tonnes": "ore_t"}, "column map names 'Tonnes', which the source lacks (it has 'tonnes': "),
                            ({"weight": "ore_t"}, "column map names 'weight', which the source lacks (columns: ")):
        (tmp_path / "conf" / "data").mkdir(parents=True, exist_ok=True)
        config = {"name": "mapped", "dir": str(folder), "tables": {"production": {**production, "columns": columns}}}
        (tmp_path / "conf" / "data" / "mapped.yaml").write_text(yaml.safe_dump(config))
        assert_refused(["cost", "-cd", tmp_path / "conf", "data=mapped", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                       inputs=[folder], run_dir=tmp_path / "run")
    config["tables"]["production"]["columns"] = {"tonnes": "ore_t"}  # the near miss: as the source spells it
    (tmp_path / "conf" / "data" / "mapped.yaml").write_text(yaml.safe_dump(config))
    result = invoke("cost", "-cd", tmp_path / "conf", "data=mapped", "report=false", f"hydra.run.dir={tmp_path / 'ok'}")
    assert result.exit_code == 0, result.output


# -- the synthetic mine's hourly meters as TIMESTAMPTZ --------------------------------------------------

@pytest.fixture(scope="module")
def zoned_synth(tmp_path_factory) -> dict[str, pl.DataFrame]:
    """The 2-mine synthetic mine's tables, its hourly times in the mine's zone (Asia/Shanghai)."""
    out = tmp_path_factory.mktemp("synth") / "mine"
    assert invoke("data", "synth", "--out", out, "--mines", "2", "--years", "0.1").exit_code == 0
    tables = read_dataset(out)
    for name in ("consumption_hourly", "sensors"):
        tables[name] = tables[name].with_columns(pl.col("timestamp").dt.replace_time_zone("Asia/Shanghai"))
    return tables


def test_timestamptz_meters_refused_naming_the_zone_they_came_in(tmp_path, zoned_synth):
    args = _as_duckdb(tmp_path / "db", zoned_synth)  # DuckDB's TIMESTAMPTZ: read in UTC, local midnight is 16:00
    assert_refused(["cost", *args, f"hydra.run.dir={tmp_path / 'run'}"],
                   ["starts at 2022-12-31 16:00:00 UTC (a database's TIMESTAMPTZ comes in UTC: select ts AT TIME ZONE",
                    "within a day"], inputs=[tmp_path / "db"], run_dir=tmp_path / "run")
    result = invoke("cost", *_as_parquet(tmp_path / "files", zoned_synth), "report=false", f"hydra.run.dir={tmp_path / 'ok'}")
    assert result.exit_code == 0, result.output  # the near miss: a parquet file keeps the zone, read at the mine's clock


# -- PostgreSQL: real and t/f read as from files ----------------------------------------------------------

def test_a_real_column_and_text_flags_from_postgres_read_as_from_files(server, tmp_path):  # noqa: F811
    import psycopg

    tables = _tables(tmp_path, lambda t: _flags(["f", "f", "t", "f", "f"])(_float32(t)))
    types = {pl.Date: "date", pl.String: "text", pl.Float64: "double precision", pl.Float32: "real", pl.Int64: "bigint",
             pl.Boolean: "boolean"}
    with psycopg.connect(server, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS r22 CASCADE")
        con.execute("CREATE SCHEMA r22")
        for name, frame in tables.items():
            con.execute(f"CREATE TABLE r22.{name} ({', '.join(f'{c} {types[d]}' for c, d in frame.schema.items())})")
            with con.cursor().copy(f"COPY r22.{name} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(frame.write_csv())
    (tmp_path / "conf" / "data").mkdir(parents=True)
    config = {"name": "pg", "tables": {name: {"kind": "postgres", "dsn": server, "query": f"r22.{name}"} for name in tables}}
    (tmp_path / "conf" / "data" / "pg.yaml").write_text(yaml.safe_dump(config))
    run = tmp_path / "run-pg"
    result = invoke("cost", "-cd", tmp_path / "conf", "data=pg", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    plain = _cost(tmp_path / "plain", "parquet", _tables(tmp_path))
    assert json.loads((run / "metrics.json").read_text())["cost.total"] == plain["cost.total"] == 3162.0
    assert pl.read_parquet(run / "tables" / "ledger.parquet").equals(plain["ledger"])


def test_a_float32_part_among_float64_parts_costs_as_its_decimal(tmp_path):
    plain = _cost(tmp_path / "plain", "parquet", _tables(tmp_path))
    tables = _tables(tmp_path)
    folder = tmp_path / "parts"
    _as_parquet(folder, {name: frame for name, frame in tables.items() if name != "consumption_daily"})
    daily = tables["consumption_daily"]
    (folder / "consumption_daily").mkdir()
    daily.head(2).write_parquet(folder / "consumption_daily" / "part-0.parquet")
    daily.tail(3).with_columns(pl.col("quantity").cast(pl.Float32)).write_parquet(folder / "consumption_daily" / "part-1.parquet")
    run = tmp_path / "run-parts"
    result = invoke("cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(run / "tables" / "ledger.parquet").equals(plain["ledger"])
