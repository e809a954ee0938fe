"""Round 21 probe of the data sources.

Before: `minectl data synth --out DIR` over an earlier synthetic dataset replaced the whole folder, deleting without a word
the files a user had put beside the tables (notes, a table of their own) or inside its part folders; data=duckdb read the
five tables conf/data/duckdb.yaml lists and left out unsaid a database's consumption_hourly, sensors and labels: a
database of the synthetic mine's eight tables was costed without its hourly meters (36.6M CNY for its parquet twin's 43.1M).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from harness import assert_refused, invoke, run_metrics, snapshot

from minectl.data.synth import read_dataset

# -- data synth --out over an earlier dataset with other files ----------------------------------------


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "mine"
    assert invoke("data", "synth", "--out", out, "--years", "0.1").exit_code == 0
    return out


@pytest.mark.parametrize(("extra", "named"), [("notes.txt", "notes.txt"), ("my_tables/costs.csv", "my_tables"),
                                              ("sensors/extra.csv", "sensors/extra.csv"), (".git/HEAD", ".git")])
def test_a_file_beside_an_earlier_dataset_is_not_deleted(earlier, tmp_path, extra, named):
    import shutil

    out = tmp_path / "mine"
    shutil.copytree(earlier, out)
    (out / extra).parent.mkdir(parents=True, exist_ok=True)
    (out / extra).write_text("mine, not the dataset's\n")
    line = assert_refused(["data", "synth", "--out", out, "--years", "0.1", "--seed", "1"],
                          [f"holds '{named}'", "beside an earlier synthetic dataset", "would delete"], inputs=[out],
                          in_process=False)
    assert (out / extra).read_text() == "mine, not the dataset's\n" and line.startswith("error: out_dir: ")


def test_an_earlier_dataset_alone_is_still_replaced(earlier, tmp_path):
    import shutil

    out = tmp_path / "mine"
    shutil.copytree(earlier, out)
    assert invoke("data", "synth", "--out", out, "--years", "0.1", "--mines", "2").exit_code == 0
    assert sorted(p.name for p in (out / "sensors").iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert invoke("data", "synth", "--out", out, "--years", "0.1").exit_code == 0  # fewer mines: their parts go
    assert sorted(p.name for p in (out / "sensors").iterdir()) == ["part-00000.parquet"]
    assert json.loads((out / "synth.json").read_text())["mines"] == 1


# -- data=duckdb: the database's tables that the config does not list ------------------------------------


def _database(folder: Path, tables: dict, path: Path, schema: str | None = None) -> Path:
    with duckdb.connect(str(path)) as con:
        if schema:
            con.sql(f"CREATE SCHEMA {schema}")
        for name, frame in tables.items():  # noqa: B007 (frame is read by DuckDB)
            where = f"{schema}.{name}" if schema and name not in ("production", "mines", "consumption_daily", "prices",
                                                                   "equipment") else name
            con.sql(f"CREATE TABLE {where} AS SELECT * FROM frame")
    return path


def _cost(tmp_path: Path, name: str, *data: str) -> dict:
    run = tmp_path / name
    return run_metrics(["cost", *data, "report=false", f"hydra.run.dir={run}"], run)


def test_a_databases_hourly_meters_are_costed_as_its_parquet_twins(earlier, tmp_path):
    tables = read_dataset(earlier)
    twin = _cost(tmp_path, "parquet", "data=parquet_dir", f"data.dir={earlier}")
    for schema in (None, "ops"):  # the hourly tables in the main schema, or in another
        db = _database(earlier, tables, tmp_path / f"mine_{schema}.duckdb", schema)
        got = _cost(tmp_path, f"duckdb_{schema}", "data=duckdb", f"data.path={db}")
        assert got["cost.total"] == twin["cost.total"]  # was 36.6M for 43.1M: the hourly meters left out
        assert got == twin


def test_a_database_of_the_listed_tables_and_a_dropped_one_read_as_before(earlier, tmp_path):
    tables = read_dataset(earlier)
    listed = {name: frame for name, frame in tables.items() if name not in ("consumption_hourly", "sensors", "labels")}
    db = _database(earlier, listed, tmp_path / "listed.duckdb")
    (tmp_path / "daily").mkdir()
    for name, frame in listed.items():
        frame.write_parquet(tmp_path / "daily" / f"{name}.parquet")
    assert _cost(tmp_path, "five", "data=duckdb", f"data.path={db}") == _cost(tmp_path, "dir", "data=parquet_dir",
                                                                               f"data.dir={tmp_path / 'daily'}")
    before = snapshot([db])
    # a table the config lists and the user drops stays dropped (the mapping's constant prices, or a refusal saying so)
    assert_refused(["cost", "data=duckdb", f"data.path={db}", "~data.tables.prices", f"hydra.run.dir={tmp_path / 'run'}"],
                   "missing; expected a constant price", inputs=[db], run_dir=tmp_path / "run")
    assert snapshot([db]) == before
