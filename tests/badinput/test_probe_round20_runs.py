"""Round 20, the engine: a -cd config file's mistake named at its key, a list for a mapping said as such."""

from __future__ import annotations

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke


def _data_config(tmp_path, tables: str):
    """A -cd folder whose data/m.yaml reads the tiny mine with the ``tables:`` block ``tables``."""
    mine = write_tiny_mine(tmp_path / "mine")
    (tmp_path / "conf" / "data").mkdir(parents=True)
    (tmp_path / "conf" / "data" / "m.yaml").write_text(f"defaults:\n  - parquet_dir\ndir: {mine}\ntables:\n{tables}")
    return tmp_path / "conf"


@pytest.mark.parametrize("tables, expect", [
    ("  production:\n    filters: [{column: mine_id, value: M1, values: [M2]}]\n",
     "data/m: data.tables.production.filters[0].values: unknown key (did you mean 'value'?); expected one of: column, op, value"),
    ("  production:\n    filters: {column: mine_id, value: M1}\n",
     "data/m: data.tables.production.filters: a mapping; expected a list [...] of mappings with keys column, op, value"),
    ("  production:\n    columns: [a, b]\n", "data/m: data.tables.production.columns: a list; expected a mapping"),
])
def test_data_file_mistake_named_at_its_key(tmp_path, tables, expect):
    conf = _data_config(tmp_path, tables)
    assert_refused(["demo", "-cd", conf, "data=m", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   inputs=[conf], run_dir=tmp_path / "run")


def test_experiment_file_filter_key_named_at_its_path(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "x.yaml").write_text(
        f"# @package _global_\ndefaults:\n  - override /data: parquet_dir\ndata:\n  dir: {mine}\n  tables:\n"
        "    production:\n      filters:\n        - {column: mine_id, value: M1, valu: 3}\n")
    assert_refused(["demo", "-cd", tmp_path / "conf", "+experiment=x", f"hydra.run.dir={tmp_path / 'run'}"],
                   "experiment/x: data.tables.production.filters[0].valu: unknown key (did you mean 'value'?)",
                   run_dir=tmp_path / "run")


def test_data_file_filter_list_still_runs(tmp_path):
    conf = _data_config(tmp_path, "  production:\n    filters:\n      - {column: mine_id, value: M1}\n")
    result = invoke("demo", "-cd", conf, "data=m", "report=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "metrics.json").is_file()


@pytest.mark.parametrize("override, expect", [
    ("cost.anomaly_items={a:1}", "cost.anomaly_items={a:1}: a mapping; expected a list in brackets"),
    ("costs.resources=[a]", "costs.resources=[a]: a list; expected a mapping"),
])
def test_override_of_the_other_shape_said_as_such(tmp_path, override, expect):
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(["demo", "data=parquet_dir", f"data.dir={mine}", override, f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize("shown, package, holder", [("hydra", "hydra.sweep.subdir", "hydra.sweep"),
                                                    ("hydra", "hydra.run.dir", "hydra.run"),
                                                    ("all", "hydra.sweep.subdir", "hydra.sweep")])
def test_package_of_a_value_hydra_cannot_resolve_names_its_node(shown, package, holder):
    assert_refused(["demo", "--cfg", shown, "--package", package],
                   [f"--package {package}: a single value", f"expected the node that holds it, --package {holder}"])


@pytest.mark.parametrize("shown, package, printed", [("hydra", "hydra.sweep", "subdir: ${hydra.job.num}"),
                                                     ("hydra", "hydra.job.chdir", "False"),
                                                     ("all", "hydra.run.dir", "outputs/demo/")])
def test_package_hydra_can_print_still_prints(shown, package, printed):
    result = invoke("demo", "--cfg", shown, "--package", package)
    assert result.exit_code == 0, result.output
    assert printed in result.output


def test_verify_reads_a_saved_table_of_other_rows_by_its_footer(tmp_path):
    """A 0.5 MB table of 3*10^7 repeated rows in place of the run's 8: said from the footer, not read whole (3.5 GB)."""
    import subprocess
    import sys

    import polars as pl

    mine = write_tiny_mine(tmp_path / "mine")
    run = tmp_path / "run"
    result = invoke("demo", "data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    table = run / "tables" / "realism.parquet"
    pl.read_parquet(table).head(1).select(pl.all().repeat_by(30_000_000).explode()).write_parquet(table, row_group_size=10_000_000)
    measure = ("import resource, subprocess, sys; done = subprocess.run([sys.executable, '-m', 'minectl.cli', 'verify', sys.argv[1]], "
               "capture_output=True, text=True); print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "print(done.stdout)")
    done = subprocess.run([sys.executable, "-c", measure, str(run)], capture_output=True, text=True, timeout=300)
    code, peak_kb = map(int, done.stdout.split("\n", 1)[0].split())
    assert code == 1 and "tables/realism.parquet: 30000000 rows, the replay's 8" in done.stdout, done.stdout + done.stderr
    assert peak_kb < 1_500_000, f"verify peaked at {peak_kb / 1e6:.1f} GB"


def _env_run(tmp_path, monkeypatch, value: str | None):
    """A demo run of the tiny mine whose cost.anomaly_window reads ${oc.env:MINECTL_R20_WINDOW,3}, the variable
    set to ``value`` (None: unset); z_threshold 0.1, so that the window changes the anomalies."""
    if value is None:
        monkeypatch.delenv("MINECTL_R20_WINDOW", raising=False)
    else:
        monkeypatch.setenv("MINECTL_R20_WINDOW", value)
    mine = write_tiny_mine(tmp_path / "mine")
    run = tmp_path / "run"
    result = invoke("demo", "data=parquet_dir", f"data.dir={mine}", "report=false", "cost.z_threshold=0.1",
                    "cost.anomaly_window=${oc.env:MINECTL_R20_WINDOW,3}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


def test_provenance_records_the_environment_the_config_reads(tmp_path, monkeypatch):
    import json

    run = _env_run(tmp_path, monkeypatch, None)
    assert json.loads((run / "provenance.json").read_text())["environment"] == {"MINECTL_R20_WINDOW": False}
    monkeypatch.setenv("MINECTL_R20_WINDOW", "2")
    result = invoke("verify", run)
    assert result.exit_code == 1
    assert "changed environment variable MINECTL_R20_WINDOW (${oc.env:MINECTL_R20_WINDOW} in the config): unset then, set now" \
        in result.output
    monkeypatch.delenv("MINECTL_R20_WINDOW")
    assert invoke("verify", run).exit_code == 0  # as the run: reproduced


def test_verify_names_an_environment_variable_of_another_value(tmp_path, monkeypatch):
    run = _env_run(tmp_path, monkeypatch, "3")
    monkeypatch.setenv("MINECTL_R20_WINDOW", "2")
    result = invoke("verify", run)
    assert result.exit_code == 1
    assert "its config reads the environment (MINECTL_R20_WINDOW, by ${oc.env:...})" in result.output


def test_provenance_of_a_config_reading_no_environment_is_as_before(tmp_path):
    import json

    mine = write_tiny_mine(tmp_path / "mine")
    result = invoke("demo", "data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert "environment" not in json.loads((tmp_path / "run" / "provenance.json").read_text())


def test_provenance_environment_of_another_type_is_refused(tmp_path, monkeypatch):
    import json

    run = _env_run(tmp_path, monkeypatch, "3")
    provenance = json.loads((run / "provenance.json").read_text())
    (run / "provenance.json").write_text(json.dumps(provenance | {"environment": {"MINECTL_R20_WINDOW": "3"}}))
    assert_refused(["verify", run], ["provenance.json", "environment", "an object of variable name -> whether set"], inputs=[run])
