"""Same command, same seed, another machine: the figures do not follow the environment (thread
counts, time zone, locale, hash seed, working dir, an output path with spaces or non-ASCII
letters, a log that is not UTF-8), and `verify` on a CI runner where the project lies in another
folder reproduces a run. Each run is a real process with its own environment, as on the other
machine. The CPU does matter (docs/engine.md, "Same figures on another machine")."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.conftest import read_metrics, write_tiny_duckdb, write_tiny_mine
from tests.data.test_postgres import server  # noqa: F401 (the fixture: a PostgreSQL server of this module)

LAPTOP = {"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TZ": "UTC", "LC_ALL": "C",
          "PYTHONHASHSEED": "0"}
# America/St_Johns: UTC-3:30, so midnight UTC is the day before there
CI_RUNNER = {"POLARS_MAX_THREADS": "4", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "TZ": "America/St_Johns",
             "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "random"}


def minectl(*args: object, env: dict[str, str], cwd: Path, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "minectl.cli", *map(str, args)], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def assert_same_figures(run: Path, other: Path) -> None:
    """metrics.json and every table, byte for byte (no cost table holds a time or a path)."""
    assert read_metrics(run) == read_metrics(other) and read_metrics(run)["cost.total"] > 0
    tables = sorted(p.name for p in (run / "tables").glob("*.parquet"))
    assert tables == sorted(p.name for p in (other / "tables").glob("*.parquet")) and "daily.parquet" in tables
    for name in tables:
        assert (run / "tables" / name).read_bytes() == (other / "tables" / name).read_bytes(), name


def test_cost_figures_do_not_follow_threads_zone_locale_hash_seed_or_folders(tmp_path):
    """The fastest command with a real risk: polars reads, group-bys and sums over folders of
    hourly meter and sensor parts (two mines, half a year, two meters an activity)."""
    mine = tmp_path / "mine"
    minectl("data", "synth", "--out", mine, "--mines", "2", "--years", "0.5", "--meters-per-activity", "2", env=LAPTOP,
            cwd=tmp_path)
    (tmp_path / "elsewhere").mkdir()
    laptop, runner = tmp_path / "laptop", tmp_path / "ci runner é ü 运行"
    minectl("cost", "data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir={laptop}", env=LAPTOP, cwd=tmp_path)
    minectl("cost", "data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir='{runner}'", env=CI_RUNNER,
            cwd=tmp_path / "elsewhere")
    assert_same_figures(laptop, runner)


def test_a_run_logged_in_latin1_keeps_its_results(tmp_path):
    """A CI log in Latin-1 (PYTHONIOENCODING, or a locale such as en_US.ISO-8859-1) has no '…',
    which the cost summary prints for a name cut short: the run failed after its work with a
    UnicodeEncodeError and kept no results (also demo, risk, uncertainty). Now '?' stands in."""
    runs = {}
    for name, env in (("laptop", {"PYTHONIOENCODING": "utf-8"}), ("runner", {"PYTHONIOENCODING": "latin-1"})):
        runs[name] = tmp_path / name
        done = minectl("cost", "debug=quick", "report=false", f"hydra.run.dir={runs[name]}", env={**env, "COLUMNS": "80"},
                       cwd=tmp_path)
    assert "| maintenance_cos? |" in done.stdout
    assert_same_figures(runs["laptop"], runs["runner"])


def test_a_duckdb_querys_days_of_zoned_times_do_not_follow_the_machines_zone(tmp_path):
    """DuckDB's session zone was the machine's TZ: CAST(day AS DATE) of midnight UTC gave the day
    before under America/St_Johns, and the run failed there (production a day off its consumption)."""
    db = write_tiny_duckdb(tmp_path, {"production": "CAST(date AS TIMESTAMP) AT TIME ZONE 'UTC' AS day, mine_id, ore_t, "
                                                    "drilled_m, haul_km"})
    query = "SELECT CAST(day AS DATE) AS date, mine_id, ore_t, drilled_m, haul_km FROM production"
    runs = {}
    for name, env in (("laptop", LAPTOP), ("runner", CI_RUNNER)):
        runs[name] = tmp_path / name
        minectl("cost", "data=duckdb", f"data.path={db}", f'data.tables.production.query="{query}"', "report=false",
                f"hydra.run.dir={runs[name]}", env=env, cwd=tmp_path)
    assert_same_figures(runs["laptop"], runs["runner"])


def test_verify_reproduces_a_run_where_the_project_lies_in_another_folder(tmp_path):
    """A run made on a laptop with data named relative to the project, verified on a CI runner
    whose checkout lies elsewhere (the laptop's folder does not exist there): the same files at
    another path are the same inputs. Before, every input read `missing now` and `new since`."""
    laptop = tmp_path / "laptop" / "project"
    write_tiny_mine(laptop / "data" / "mine")
    minectl("cost", "data=parquet_dir", "data.dir=data/mine", "report=false", "hydra.run.dir=runs/first", env=LAPTOP, cwd=laptop)
    checkout = Path(shutil.copytree(laptop, tmp_path / "ci runner" / "checkout é"))
    shutil.rmtree(tmp_path / "laptop")

    done = minectl("verify", "runs/first", env=CI_RUNNER, cwd=checkout)
    saved = read_metrics(checkout / "runs" / "first")
    assert f"reproduced: {len(saved)} metrics identical" in done.stdout and "changed" not in done.stdout

    prices = checkout / "data" / "mine" / "prices.parquet"  # a changed file is still named (the tiny mine uses none of its prices)
    pl.read_parquet(prices).with_columns(pl.col("price") * 2).write_parquet(prices)
    done = minectl("verify", "runs/first", env=CI_RUNNER, cwd=checkout, code=1)
    changed = [line for line in done.stdout.splitlines() if line.startswith("changed")]
    assert len(changed) == 1, done.stdout  # was named twice: `missing now`, and `new since` at its new path
    assert changed[0].startswith(f"changed input {tmp_path}/laptop/project/data/mine/prices.parquet: sha256 ")
    assert changed[0].endswith(f"now (read at {prices})"), done.stdout
    assert "not reproduced: identical metrics, but from inputs that changed since the run" in done.stdout


def test_a_postgres_querys_days_of_zoned_times_do_not_follow_the_clients_pgtz(server, tmp_path):  # noqa: F811
    """libpq sends the client's PGTZ as the session zone: `day::date` of midnight UTC gave the day
    before under PGTZ=America/St_Johns, and the run failed there. Skipped without PostgreSQL."""
    import psycopg

    minectl("data", "synth", "--to", "postgres", server, "--mines", "1", "--years", "0.1", env={}, cwd=tmp_path)
    with psycopg.connect(server) as connection:
        connection.execute("CREATE TABLE production_tz AS SELECT date::timestamp AT TIME ZONE 'UTC' AS day, mine_id, ore_t, "
                           "drilled_m, haul_km FROM production")
    query = "SELECT day::date AS date, mine_id, ore_t, drilled_m, haul_km FROM production_tz ORDER BY mine_id, day"
    runs = {}
    for name, env in (("laptop", {"PGTZ": "UTC"}), ("runner", {"PGTZ": "America/St_Johns"})):
        runs[name] = tmp_path / name
        minectl("cost", "data=postgres", f"data.dsn={server}", f'data.tables.production.query="{query}"', "report=false",
                f"hydra.run.dir={runs[name]}", env=env, cwd=tmp_path)
    assert_same_figures(runs["laptop"], runs["runner"])


AVX2 = {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"}  # an AVX2 CPU, emulated


def test_verify_names_the_cpu_kernels_a_run_was_made_with_when_the_figures_differ(tmp_path):
    """numpy's exp and log give other last bits on an AVX2 CPU than on an AVX-512 one: verify said
    "no input file or package version changed since the run" and left the cause unnamed."""
    run = tmp_path / "avx2"
    minectl("demo", "debug=quick", "report=false", f"hydra.run.dir={run}", env=AVX2, cwd=tmp_path)
    recorded = json.loads((run / "provenance.json").read_text())["cpu"]
    now = minectl("demo", "debug=quick", "report=false", f"hydra.run.dir={tmp_path / 'here'}", env={}, cwd=tmp_path)
    here = json.loads((tmp_path / "here" / "provenance.json").read_text())["cpu"]
    assert recorded["numpy"] == "X86_V3" and recorded["blas"].endswith("Haswell") and now.returncode == 0
    if here["numpy"] == recorded["numpy"]:  # a CPU without AVX-512: nothing to tell apart
        return
    # the figures themselves (3 of 47 differ in their last bits here); a metric changed by hand makes them differ anywhere
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["cost.total"] *= 1 + 1e-15
    (run / "metrics.json").write_text(json.dumps(metrics))
    status = json.loads((run / "status.json").read_text())
    status["metrics_sha256"] = hashlib.sha256((run / "metrics.json").read_bytes()).hexdigest()
    (run / "status.json").write_text(json.dumps(status))
    out = " ".join(minectl("verify", run, env={}, cwd=tmp_path, code=1).stdout.split())
    assert f"changed cpu numpy: X86_V3 then, {here['numpy']} now (other last bits: verify --rtol 1e-8 tolerates them)" in out
    assert "changed cpu blas: openblas Haswell then" in out
