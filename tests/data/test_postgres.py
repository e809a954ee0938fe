"""data=postgres against a real PostgreSQL server (initdb + pg_ctl in a temporary folder, on a
free local port, password authentication): the synthetic mine written with `minectl data synth
--to postgres` gives the same cost figures, bit for bit, as its parquet files; each mistake is
one line with no secret in it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from minectl.cli import app

PASSWORD = "s3cret-Pw-4-tests"
SYNTH = ("--mines", "2", "--years", "0.25", "--seed", "3")


def _server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server for this module: yields its DSN without the password (PGPASSWORD has it)."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not on PATH; .ci/run installs them")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: initdb cannot be run as root")
    root = Path(tempfile.mkdtemp(prefix="minectl-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    (root / "pw").write_text(PASSWORD)
    port = _free_port()
    run = lambda *cmd: subprocess.run(_server_user(list(cmd)), capture_output=True, text=True, timeout=120, check=True)  # noqa: E731
    if os.geteuid() == 0:
        shutil.chown(root / "pw", "postgres")
    run("initdb", "-D", str(root / "data"), "-U", "minectl", f"--pwfile={root / 'pw'}", "--auth=scram-sha-256", "-E", "UTF8",
        "--locale=C")
    run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start")
    saved = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = PASSWORD
    try:
        yield f"postgresql://minectl@127.0.0.1:{port}/postgres"
    finally:
        os.environ.pop("PGPASSWORD") if saved is None else os.environ.__setitem__("PGPASSWORD", saved)
        subprocess.run(_server_user(["pg_ctl", "-D", str(root / "data"), "-m", "immediate", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def minectl(*args: object, code: int = 0):
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert PASSWORD not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def loaded(server, tmp_path_factory):
    """The same synthetic mine as parquet files and in the database."""
    folder = tmp_path_factory.mktemp("synth") / "mine"
    minectl("data", "synth", "--out", folder, *SYNTH)
    minectl("data", "synth", "--to", "postgres", server, *SYNTH)
    return server, folder


def test_cost_figures_from_postgres_equal_those_from_parquet_bit_for_bit(loaded, tmp_path):
    dsn, folder = loaded
    files, database = tmp_path / "files", tmp_path / "db"
    minectl("cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={files}")
    minectl("cost", "data=postgres", f"data.dsn={dsn}", "report=false", f"hydra.run.dir={database}")
    from_files = json.loads((files / "metrics.json").read_text())
    assert json.loads((database / "metrics.json").read_text()) == from_files and from_files["cost.days"] > 0
    for table in ("daily", "ledger", "anomalies"):  # every figure of every table, not only the metrics
        assert pl.read_parquet(database / "tables" / f"{table}.parquet").equals(pl.read_parquet(files / "tables" / f"{table}.parquet"))
    for path in database.rglob("*"):  # the password reaches the server from the environment, never the run folder
        assert not path.is_file() or PASSWORD.encode() not in path.read_bytes()


def test_a_query_and_a_column_map_read_like_files(loaded, tmp_path):
    """A SELECT (with its own names, mapped back) in place of a table, and streaming in small batches."""
    from minectl.data import postgres
    from minectl.data.mine import load_mine

    dsn, folder = loaded
    query = "SELECT date, mine_id, ore_t AS tonnes, drilled_m, haul_km FROM production ORDER BY mine_id, date"
    saved, postgres.BATCH_ROWS = postgres.BATCH_ROWS, 7  # many batches
    try:
        frame = postgres.read_postgres(dsn, query).collect()
        mine = load_mine(tables={"production": {"kind": "postgres", "dsn": dsn, "query": query, "columns": {"tonnes": "ore_t"}},
                                 "consumption_daily": {"kind": "postgres", "dsn": dsn, "query": "consumption_daily"},
                                 "mines": {"kind": "postgres", "dsn": dsn, "query": "mines"}})
    finally:
        postgres.BATCH_ROWS = saved
    expected = pl.read_parquet(folder / "production.parquet")
    assert expected["mine_id"].unique(maintain_order=True).to_list() == ["M01", "M02"]
    assert frame.rename({"tonnes": "ore_t"}).equals(expected)
    assert mine.production.collect().equals(expected)
    assert [rows.source for rows in mine.inputs] == [f"postgres {dsn} {query}", f"postgres {dsn} consumption_daily", f"postgres {dsn} mines"]


def test_verify_names_the_server_table_whose_rows_changed(loaded, tmp_path):
    """A run records a sha256 of each table's rows (the same however the server batched them);
    `minectl verify` of a run whose database changed since names the table, not only the figures."""
    import psycopg

    from minectl.data import postgres
    from minectl.data.sources import server_rows

    dsn, _ = loaded
    # a copy of production, rewritten in the same row order with one day's tonnage changed
    copy = ("DROP TABLE IF EXISTS production_copy; CREATE TABLE production_copy AS SELECT date, mine_id, "
            "CASE WHEN date = (SELECT min(date) FROM production) THEN ore_t + {} ELSE ore_t END AS ore_t, drilled_m, haul_km "
            "FROM production ORDER BY mine_id, date")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(copy.format(0))
    run_dir = tmp_path / "run"
    minectl("cost", "data=postgres", f"data.dsn={dsn}", "data.tables.production.query=production_copy", "report=false",
            f"hydra.run.dir={run_dir}")
    inputs = json.loads((run_dir / "provenance.json").read_text())["inputs"]
    assert sorted(inputs) == sorted(f"postgres {dsn} {table}" for table in ("production_copy", "consumption_daily", "prices",
                                                                            "equipment", "mines", "consumption_hourly", "sensors", "labels"))
    saved, postgres.BATCH_ROWS = postgres.BATCH_ROWS, 7
    try:
        rows = server_rows("postgres", dsn, "production_copy", postgres.read_postgres(dsn, "production_copy"))
    finally:
        postgres.BATCH_ROWS = saved
    assert rows.sha256 == inputs[f"postgres {dsn} production_copy"]
    minectl("verify", run_dir)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(copy.format(1000))
    try:
        output = minectl("verify", run_dir, code=1).output
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("DROP TABLE production_copy")
    changed = [line for line in output.splitlines() if line.startswith("changed")]
    assert len(changed) == 1 and changed[0].startswith(f"changed input postgres {dsn} production_copy: rows' sha256 "), output
    assert PASSWORD not in output


def test_the_readers_transaction_is_read_only(loaded):
    from minectl.data.postgres import read_postgres
    from minectl.errors import DataError

    dsn, _ = loaded
    with pytest.raises(DataError, match="failed: .*"):
        read_postgres(dsn, "SELECT * FROM mines; DROP TABLE mines").collect()
    with pytest.raises(DataError, match="must not contain data-modifying statements"):
        read_postgres(dsn, "WITH gone AS (DELETE FROM mines RETURNING *) SELECT * FROM gone").collect()
    assert read_postgres(dsn, "mines").collect().height == 2
    assert read_postgres(dsn, "SELECT current_setting('transaction_read_only') AS ro").collect()["ro"].to_list() == ["on"]


@pytest.mark.parametrize("setup, overrides, expect", [
    (None, ["data.dsn=postgresql://minectl@127.0.0.1:1/postgres"],
     "error: data.tables.production: postgres postgresql://minectl@127.0.0.1:1/postgres: cannot connect (connection failed: "),
    (None, ["data.dsn='host=127.0.0.1 port= = oops'"], "postgres DSN 'host=127.0.0.1 port= = oops' is not a connection string (missing \"=\" after \"oops\" in connection info string)"),
    (None, ["data.dsn=postgresql://minectl:{pw}@127.0.0.1:{port}/postgres", "data.tables.production.query=output"],
     'error: data.tables.production: postgres postgresql://minectl:***@127.0.0.1:{port}/postgres: query \'output\' failed: '
     'relation "output" does not exist'),
    ("CREATE TABLE bad_production AS SELECT date, mine_id, 'lots'::text AS ore_t, drilled_m, haul_km FROM production",
     ["data.tables.production.query=bad_production"],
     "error: data.tables.production: production: column 'ore_t' of table 'production' has values that are not Float64 (found String; "),
    (None, ["data.dsn=postgresql://minectl@127.0.0.1:{port}/postgres", "+data.tables.production.columns.tonnes=ore_t"],
     "error: data.tables.production: postgres production: column map names 'tonnes', which the source lacks"),
])
def test_each_mistake_is_one_line_without_the_secret(loaded, tmp_path, setup, overrides, expect):
    dsn, _ = loaded
    port = dsn.rsplit(":", 1)[1].split("/")[0]
    if setup:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP TABLE IF EXISTS bad_production; {setup}")
    run_dir = tmp_path / "run"
    given = [o.format(pw=PASSWORD, port=port) for o in overrides]
    dsn_given = [] if any(o.startswith("data.dsn=") for o in given) else [f"data.dsn={dsn}"]
    line = one_error_line(minectl("cost", "data=postgres", *dsn_given, *given, f"hydra.run.dir={run_dir}", code=2))
    assert expect.format(port=port) in line
    assert not (run_dir / "metrics.json").exists()


def test_a_wrong_password_and_a_database_that_refuses_writes_are_one_line(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    line = one_error_line(minectl("cost", "data=postgres", f"data.dsn={server}", f"hydra.run.dir={tmp_path / 'run'}", code=2))
    assert 'password authentication failed for user "minectl"' in line
    line = one_error_line(minectl("data", "synth", "--to", "postgres", server, code=2))
    assert "cannot connect" in line
    line = one_error_line(minectl("data", "synth", "--to", "mysql", server, code=2))
    assert line == "error: --to mysql: unknown database kind; expected --to postgres DSN"
