"""Round 22, runs: run folders handed over edited, re-runs into a folder, a disk that fills, overrides of list items.

- `verify` of a run whose tables were edited, truncated, replaced or added to, or whose -cd config file changed, said
  "no input file, package version or CPU kernel changed since the run"; within --rtol it said nothing of an edit.
- A disk that fills while a small table is written: polars says "Invalid thrift: transport error", and the free space
  was measured once the half-written file was removed: the sweep's summary.parquet ended in polars' traceback.
- --overwrite removed the folder of a run still running, and an input of the new run kept inside the old run's folder.
- A run folder given with a stray space (' /tmp/x') ran into `./ /tmp/x`.
- `~data data.dir=x`, `~key.0`, `key.x=...` and `key.9=...` of a list: OmegaConf's words, int()'s, or a TypeError traceback.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke, tiny_sweep

from minectl import atomic

UNCHANGED = "no input file, package version or CPU kernel changed since the run"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("r22runs")
    run = root / "demo"
    result = invoke("demo", "data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}", "report=false",
                    f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


def _double_cost(path: Path) -> None:
    table = pl.read_parquet(path)
    table.with_columns(pl.col("cost") * 2).write_parquet(path)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _pipe(path: Path) -> None:
    import os

    path.unlink()
    os.mkfifo(path)


TABLE_CHANGES = {
    "a value edited": ("daily.parquet", _double_cost, "tables/daily.parquet differs from the one the run wrote"),
    "truncated": ("ledger.parquet", _truncate, "tables/ledger.parquet differs from the one the run wrote"),
    "a pipe in its place": ("ledger.parquet", _pipe, "tables/ledger.parquet differs from the one the run wrote"),
    "a table added": ("extra.parquet", lambda p: shutil.copy(p.with_name("daily.parquet"), p),
                      "tables/extra.parquet was not written by the run"),
}


@pytest.mark.parametrize("change", list(TABLE_CHANGES), ids=list(TABLE_CHANGES))
def test_verify_says_which_table_changed_since_the_run(demo_run, tmp_path, change):
    name, edit, expect = TABLE_CHANGES[change]
    copy = Path(shutil.copytree(demo_run, tmp_path / "copy"))
    edit(copy / "tables" / name)
    result = invoke("verify", copy)
    assert result.exit_code == 1, result.output
    assert f"changed {expect} (status.json holds the sha256 of each table the run wrote)" in result.output, result.output
    assert UNCHANGED not in result.output
    assert f"differs tables/{name}" in result.output


def test_an_untouched_copy_still_verifies(demo_run, tmp_path):
    """The near miss: a copy of the run (another folder, the same tables) reproduces."""
    copy = Path(shutil.copytree(demo_run, tmp_path / "copy"))
    result = invoke("verify", copy)
    assert result.exit_code == 0, result.output
    assert "reproduced: " in result.output and "changed" not in result.output


def test_a_sweep_summary_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """The disk fills while summary.parquet is written; polars' error names no disk, and the disk has room again once
    the half-written file is removed."""
    _, sweep = tiny_sweep(tmp_path, "demo")
    (sweep / "summary.parquet").unlink()
    write_parquet = pl.DataFrame.write_parquet

    def fills_the_disk(frame, file, *args, **kwargs):
        Path(file).write_bytes(b"PAR1")
        raise pl.exceptions.ComputeError("parquet: File out of specification: Invalid thrift: transport error")

    def usage(folder):  # full while a half-written file lies in the folder
        free = 0 if any(Path(folder).glob(".*.tmp")) else 1 << 30
        return shutil._ntuple_diskusage(1 << 30, (1 << 30) - free, free)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", fills_the_disk)
    monkeypatch.setattr(atomic.shutil, "disk_usage", usage)
    line = assert_refused(["summarize", sweep], f"{sweep / 'summary.parquet'}: cannot be written (No space left on device); "
                                                "expected a sweep folder you can write, with room on its disk")
    assert not list(sweep.glob(".*.tmp")), line
    monkeypatch.setattr(pl.DataFrame, "write_parquet", write_parquet)  # the near miss: room again, the summary is written
    result = invoke("summarize", sweep)
    assert result.exit_code == 0, result.output
    assert (sweep / "summary.parquet").is_file()


def test_another_polars_error_while_writing_stays_itself(tmp_path, monkeypatch):
    """A disk with room: polars' error is not taken for a full one."""
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(1 << 30, 0, 1 << 30))
    with pytest.raises(pl.exceptions.ComputeError):
        with atomic.atomic_path(tmp_path / "t.parquet"):
            raise pl.exceptions.ComputeError("parquet: some other failure")
    assert not list(tmp_path.iterdir())


def test_a_full_disk_under_a_writer_is_an_oserror_of_no_room(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(1 << 30, 1 << 30, 0))
    with pytest.raises(OSError) as raised:
        with atomic.atomic_path(tmp_path / "t.parquet"):
            raise pl.exceptions.ComputeError("parquet: File out of specification: Invalid thrift: transport error")
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(tmp_path / "t.parquet")
    assert not list(tmp_path.iterdir())


def test_overwrite_refuses_to_remove_an_input_of_the_run(demo_run, tmp_path):
    """The run folder to replace holds the data the new run reads: --overwrite removed it first, and the run failed
    with "data folder not found", the data gone."""
    run = Path(shutil.copytree(demo_run, tmp_path / "run"))
    mine = write_tiny_mine(run / "mine")
    args = ["demo", "data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir={run}", "--overwrite"]
    assert_refused(args, [f"hydra.run.dir={run}: --overwrite would remove data.dir (an input of this run)"], inputs=[run])
    shutil.move(mine, tmp_path / "mine")  # the near miss: the data beside the folder, the old run replaced
    result = invoke(*args[:2], f"data.dir={tmp_path / 'mine'}", *args[3:])
    assert result.exit_code == 0, result.output
    assert not (run / "mine").exists() and (run / "metrics.json").is_file()


def test_overwrite_of_a_sweep_refuses_to_remove_an_input(tmp_path):
    _, sweep = tiny_sweep(tmp_path, "demo")
    mine = write_tiny_mine(sweep / "data")
    assert_refused(["demo", "-m", "data=parquet_dir", f"data.dir={mine}", "seed=0,1", f"hydra.sweep.dir={sweep}", "--overwrite"],
                   f"hydra.sweep.dir={sweep}: --overwrite would remove data.dir (an input of this run)", inputs=[sweep])


@pytest.mark.parametrize("removed, key", [("~data", "data.dir=/x"), ("~costs", "costs.currency=USD")])
def test_a_key_set_under_a_removed_group_names_the_override(removed, key):
    """Was OmegaConf's "Error merging override data.dir=/x Missing mandatory value: data"."""
    node = removed[1:]
    assert_refused(["demo", removed, key, "--cfg", "job"],
                   f"{key}: '{node}' has no value here (~{node}?), so no key of it can be set; expected {node}=...")


@pytest.mark.parametrize("key, where", [("hydra.run.dir", "before"), ("hydra.sweep.dir", "after")])
def test_a_run_folder_with_a_stray_space_is_refused(tmp_path, monkeypatch, key, where):
    """' /tmp/x' (a quoted path pasted with its space) ran into the folder ` /tmp/x` below a folder ` ` of the working
    folder, and said so only in its last line."""
    monkeypatch.chdir(tmp_path)
    mine = write_tiny_mine(tmp_path / "mine")
    folder = f" {tmp_path / 'run'}" if where == "before" else f"{tmp_path / 'run'} "
    sweep = ["-m", "seed=0,1"] if key == "hydra.sweep.dir" else []
    assert_refused(["demo", *sweep, "data=parquet_dir", f"data.dir={mine}", f"{key}='{folder}'"],
                   f"{key}='{folder}': a space {where} the path; expected the folder's path without spaces around it")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_run_folder_with_a_space_and_letters_beyond_ascii_inside_its_name_runs(tmp_path):
    """The near miss: spaces inside the path, and a name in Chinese, are a folder's own."""
    mine = write_tiny_mine(tmp_path / "矿 山")
    run = tmp_path / "运行 1"
    result = invoke("demo", "data=parquet_dir", f"data.dir='{mine}'", "report=false", f"hydra.run.dir='{run}'")
    assert result.exit_code == 0, result.output
    assert (run / "metrics.json").is_file()


def test_verify_says_a_config_file_changed_since_the_run(tmp_path):
    """A -cd config file edited after the run: verify said "no input file, package version or CPU kernel changed since
    the run" above the figures that the new price changed."""
    costs = tmp_path / "conf" / "costs" / "site.yaml"
    costs.parent.mkdir(parents=True)
    text = (Path(__file__).parents[2] / "conf" / "costs" / "default.yaml").read_text(encoding="utf-8")
    costs.write_text(text, encoding="utf-8")
    run = tmp_path / "run"
    result = invoke("demo", "-cd", tmp_path / "conf", "costs=site", "data=parquet_dir", f"data.dir={write_tiny_mine(tmp_path / 'mine')}",
                    "report=false", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    result = invoke("verify", run)  # the near miss: the file as the run read it
    assert result.exit_code == 0 and "reproduced: " in result.output, result.output
    costs.write_text(text.replace("{unit: h, category: labour, price: 85", "{unit: h, category: labour, price: 95", 1), encoding="utf-8")
    result = invoke("verify", run)
    assert result.exit_code == 1, result.output
    assert (f"changed .hydra/config.yaml: the replay composed another config from .hydra/overrides.yaml: it, or a config file "
            f"(--config-dir {tmp_path / 'conf'}, or minectl's own), changed since the run") in result.output, result.output
    assert UNCHANGED not in result.output
    assert "differs .hydra/config.yaml: costs.resources.labour.price: 85.0 in the run's, 95.0 in the replay's" in result.output


def test_verify_within_a_tolerance_notes_figures_edited_since_the_run(demo_run, tmp_path):
    """A metric and a table's column edited by a part in 10^9: reproduced within --rtol 1e-6, and not a word of the edit."""
    copy = Path(shutil.copytree(demo_run, tmp_path / "copy"))
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["cost.total"] *= 1 + 1e-9
    (copy / "metrics.json").write_text(json.dumps(metrics, indent=2))
    daily = copy / "tables" / "daily.parquet"
    pl.read_parquet(daily).with_columns(pl.col("cost") * (1 + 1e-9)).write_parquet(daily)
    result = invoke("verify", copy, "--rtol", "1e-6")
    assert result.exit_code == 0, result.output
    assert "note metrics.json: not the file the run wrote (its sha256 differs from status.json's): edited since" in result.output
    assert "note tables/daily.parquet differs from the one the run wrote" in result.output
    assert "reproduced: " in result.output
    result = invoke("verify", demo_run, "--rtol", "1e-6")  # the near miss: the run as written, no note
    assert result.exit_code == 0 and "note" not in result.output, result.output


LIST_ITEMS = {
    "deleted": ("~cost.anomaly_items.0", "~cost.anomaly_items.0: deletes an item of the list cost.anomaly_items, which ~ cannot; "
                "expected the whole list without it (cost.anomaly_items=[...])"),  # was Hydra's TypeError traceback
    "by a name": ("cost.anomaly_items.x=cost", "cost.anomaly_items.x=cost: cost.anomaly_items is a list, whose items are named "
                  "by their index (cost.anomaly_items.0=...)"),  # was "invalid literal for int() with base 10: 'x'"
    "past its end": ("cost.anomaly_items.5=cost", "cost.anomaly_items.5=cost: cost.anomaly_items has 5 items, and an index sets "
                     "an item, never adds one; expected an index below 5"),  # was "Error merging override ... list index out of range"
}


@pytest.mark.parametrize("case", list(LIST_ITEMS), ids=list(LIST_ITEMS))
def test_an_override_of_a_list_item_that_cannot_be_is_one_line(tmp_path, case):
    override, expect = LIST_ITEMS[case]
    run = tmp_path / "run"
    assert_refused(["demo", override, f"hydra.run.dir={run}"], expect, run_dir=run)
    assert_refused(["demo", "-m", override, "seed=0,1", f"hydra.sweep.dir={tmp_path / 'sweep'}"], expect, run_dir=tmp_path / "sweep")


def test_an_override_of_a_list_item_it_has_is_set(tmp_path):
    """The near miss: an index of an item the list has sets that item."""
    result = invoke("demo", "cost.anomaly_items.4=cost_maintenance", "--cfg", "job", "--package", "cost.anomaly_items")
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["#", "@package", "cost.anomaly_items", "-", "cost", "-", "unit_cost", "-", "kwh_per_t", "-",
                                     "maintenance_cost_per_t", "-", "cost_maintenance"]


def test_overwrite_refuses_a_run_that_is_still_running(tmp_path):
    """--overwrite of a folder whose run was still going removed it; the running job then went on (its results, if it
    wrote after the new run, among the new run's; its exit 0 telling of results that were gone)."""
    import signal
    import subprocess
    import sys

    from test_probe_stopped_runs import STOPPABLE, as_from_a_terminal, wait_for

    mine, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    data = ["data=parquet_dir", f"data.dir={mine}", "report=false", f"hydra.run.dir={run}"]
    process = subprocess.Popen([sys.executable, "-c", STOPPABLE, "cost", *data], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, preexec_fn=as_from_a_terminal)
    try:
        wait_for(run / "started", process)
        assert_refused(["cost", *data, "--overwrite"], f"hydra.run.dir={run}: holds a run that is still running; expected it "
                       "to end first (or stop it), or a new folder", inputs=[run])
        process.send_signal(signal.SIGKILL)  # the near miss: killed (the out-of-memory killer), its folder is replaced
        process.communicate(timeout=60)
    finally:
        process.kill()
    result = invoke("cost", *data, "--overwrite")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "status.json").read_text())["status"] == "ok" and not (run / "started").exists()
