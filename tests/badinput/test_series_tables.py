"""A table of several series (Azure PdM's telemetry: hourly rows of 100 machines under one
`datetime`; C-MAPSS: engines by cycle): `risk.input.series` names the column, and each series is
ordered, windowed and filled on its own, the split by time across them.

Before, such a file was refused as rows sharing a time with `risk.time.repeated=mean` offered,
which would have averaged the machines into one; without a time column its windows ran across
machines. Now the refusal names the column that tells the rows apart."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

HOURS = 60


def _machines(n: int = 2, hours: int = HOURS, seed: int = 0) -> pl.DataFrame:
    """Hourly telemetry of ``n`` machines, sorted by time then machine, as Azure PdM writes it."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2015, 1, 1, 6)
    frames = []
    for machine in range(1, n + 1):
        vibration = 40 + 5 * np.sin(np.arange(hours) / 3 + machine) + rng.normal(0, 2, hours)
        frames.append(pl.DataFrame({"datetime": [start + dt.timedelta(hours=h) for h in range(hours)], "machineID": machine,
                                    "volt": rng.normal(170, 15, hours), "vibration": vibration,
                                    "failure": (vibration > np.median(vibration)).astype(int)}))
    return pl.concat(frames).sort("datetime", "machineID")


def _risk(path: Path, run: Path, *extra: str) -> list[str]:
    return ["risk", "model=lr", "risk.input.kind=table", f"risk.input.path={path}", "risk.time.column=datetime",
            "risk.labels.column=failure", "risk.labels.levels=2", "risk.window=4", "risk.lead_times=[0,2]",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", *extra, f"hydra.run.dir={run}"]


def _ok(*args: object) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def test_each_machine_is_windowed_on_its_own(tmp_path):
    """Windows of 4 hours never span two machines: 3 machines x (60 - 4 + 1) rows are scored, not
    3 x 60 - 4 + 1; and each lead's samples are 3 x (60 - 4 + 1 - lead)."""
    path = tmp_path / "telemetry.csv"
    _machines(3).write_csv(path)
    run = tmp_path / "run"
    _ok(*_risk(path, run, "risk.input.series=machineID"))
    m = _metrics(run)
    assert m["data.days"] == 3 * HOURS
    assert m["samples.train"] + m["samples.val"] + m["samples.test"] == 3 * (HOURS - 4 + 1)  # lead 0: no purge
    predictions = pl.read_parquet(run / "tables" / "predictions.parquet")
    assert predictions.columns[:2] == ["machineID", "datetime"]
    assert "171 rows scored" in _ok("risk", "predict", run, f"risk.input.path={path}", f"out={tmp_path / 'scores.parquet'}")
    by_machine = pl.read_parquet(tmp_path / "scores.parquet").group_by("machineID").len().sort("machineID")
    assert by_machine["len"].to_list() == [57, 57, 57]


def test_one_machine_named_as_a_series_gives_the_figures_of_the_file_without_it(tmp_path):
    one = _machines(1, hours=120)
    with_id, without = tmp_path / "with.csv", tmp_path / "without.csv"
    one.write_csv(with_id)
    one.drop("machineID").write_csv(without)
    _ok(*_risk(with_id, tmp_path / "a", "risk.input.series=machineID"))
    _ok(*_risk(without, tmp_path / "b"))
    a, b = _metrics(tmp_path / "a"), _metrics(tmp_path / "b")
    assert a == b and a["test.f1_macro"] > 0


def test_the_order_of_the_rows_does_not_matter(tmp_path):
    frame = _machines(3)
    ordered, shuffled = tmp_path / "ordered.csv", tmp_path / "shuffled.csv"
    frame.write_csv(ordered)
    frame.sample(fraction=1.0, shuffle=True, seed=3).write_csv(shuffled)
    _ok(*_risk(ordered, tmp_path / "a", "risk.input.series=machineID"))
    _ok(*_risk(shuffled, tmp_path / "b", "risk.input.series=machineID"))
    a, b = _metrics(tmp_path / "a"), _metrics(tmp_path / "b")
    assert {k: v for k, v in a.items() if not k.startswith("time.")} == {k: v for k, v in b.items() if not k.startswith("time.")}
    assert a["time.reordered_rows"] == 0 and b["time.reordered_rows"] > 0


def test_without_a_time_column_each_machine_counts_its_own_rows(tmp_path):
    """C-MAPSS' shape: engines one after the other, rows in cycle order, no time column named."""
    path = tmp_path / "engines.csv"
    _machines(2).sort("machineID", "datetime").drop("datetime").write_csv(path)
    run = tmp_path / "run"
    _ok(*[a for a in _risk(path, run, "risk.input.series=machineID") if a != "risk.time.column=datetime"])
    assert _metrics(run)["data.days"] == 2 * HOURS
    predictions = pl.read_parquet(run / "tables" / "predictions.parquet")
    assert predictions.columns[:2] == ["machineID", "step"] and predictions["step"].max() == HOURS - 1


def test_several_machines_without_a_series_column_are_refused_naming_it(tmp_path):
    path = tmp_path / "telemetry.csv"
    _machines(2).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run"),
                   f"{path}: time column 'datetime' repeats 2015-01-01 06:00:00 (2 rows share a time; 120 rows at 60 times in all); expected one row per time "
                   "(aggregate or drop duplicates first, or risk.time.repeated=mean, or risk.input.series=machineID if each "
                   "machineID is a series of its own)", inputs=[path], run_dir=tmp_path / "run")


def test_the_hint_names_the_text_column_not_a_count_before_it(tmp_path):
    """An integer count distinct in the two rows of a time (errors 0 and 1) stood before the
    machine's name and was named as the series column."""
    path = tmp_path / "telemetry.csv"
    machines = _machines(2)
    machines.select("datetime", errors=pl.col("failure") + 2 * pl.col("machineID"), machine="M" + pl.col("machineID").cast(pl.String),
                    vibration="vibration", failure="failure").write_csv(path)
    assert_refused(_risk(path, tmp_path / "run"), "or risk.input.series=machine if each machine is a series of its own",
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("extra, edit, expect", [
    (["risk.input.series=machine"], None, "risk.input.series: column 'machine' not found in"),
    (["risk.input.series=machineID", "risk.input.categorical=[machineID]"], None,
     "risk.input.series: 'machineID' is also in risk.input.categorical; expected the series column in one of them"),
    (["risk.input.series=machineID"], lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(None)
                                                               .otherwise(pl.col("machineID")).alias("machineID")),
     "series column 'machineID' has 1 empty values; expected a series id in every row"),
    # a machine's hour twice: refused within its series, naming it
    (["risk.input.series=machineID"], lambda f: pl.concat([f, f.head(2)]),
     "telemetry.csv: machineID=1: time column 'datetime' repeats 2015-01-01 06:00:00 (2 rows share a time)"),
])
def test_series_settings_that_cannot_hold_are_refused(tmp_path, extra, edit, expect):
    path = tmp_path / "telemetry.csv"
    (edit or (lambda f: f))(_machines(2)).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run", *extra), expect, inputs=[path], run_dir=tmp_path / "run")


def test_a_series_column_where_there_is_no_series_is_refused(tmp_path):
    path = tmp_path / "telemetry.csv"
    _machines(2).write_csv(path)
    case_table = _risk(path, tmp_path / "run", "risk.input.series=machineID", "risk.split=cv", "risk.window=1",
                       "risk.lead_times=[0]")
    assert_refused(case_table, "risk.input.series: a case table (risk.split=cv) has no series; expected null, or "
                   "risk.split=chronological", inputs=[path], run_dir=tmp_path / "run")
    assert_refused(["risk", "risk.input.series=machineID", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk.input.series: the mine's daily accounts are one series a mine; expected null with risk.input.kind=mine",
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize("column, key", [("datetime", "risk.time.column"), ("failure", "risk.labels.column")])
def test_a_series_column_that_is_the_time_or_the_label_is_refused(tmp_path, column, key):
    path = tmp_path / "telemetry.csv"
    _machines(2).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run", f"risk.input.series={column}"),
                   f"risk.input.series: '{column}' is also {key}; expected a column naming the series", inputs=[path],
                   run_dir=tmp_path / "run")
