"""Issue 15 through the CLI: `minectl risk` on a small hourly table with a time column (shuffled
file, amounts in hours, unit-named keys and header, missing-value counts, a leaking copy of the
target named), and on a case table with split=cv."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

FAST = ["model=lr", "risk.robustness.enabled=false", "risk.importance.enabled=false", "risk.save_model=false"]


def invoke(args):
    from typer.testing import CliRunner

    from minectl.cli import app

    result = CliRunner().invoke(app, ["risk", *FAST, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    root = tmp_path_factory.mktemp("hourly")
    rng = np.random.default_rng(0)
    n = 400
    load = np.sin(np.arange(n) / 8) + 0.2 * rng.normal(size=n)
    temp = rng.normal(size=n)
    temp[[50, 51, 120]] = np.nan  # three gaps in one column, carried forward
    frame = pl.DataFrame({"ts": [dt.datetime(2024, 3, 1) + dt.timedelta(hours=i) for i in range(n)],
                          "load": load, "temp": temp, "power": load * 10 + rng.normal(size=n)})
    frame = frame.with_columns(pl.col("temp").fill_nan(None), power_w=pl.col("power") * 1000)  # the label in disguise
    frame.write_csv(root / "ordered.csv")
    frame.sample(fraction=1.0, shuffle=True, seed=1).write_csv(root / "shuffled.csv")
    return root


def hourly_args(path, run):
    return [f"risk.input.path={path}", "risk.input.kind=table", "risk.time.column=ts", "risk.window=6h",
            "risk.lead_times=[0,2h,1d]", "risk.primary_lead=2h", "risk.labels.source=quantiles", "risk.labels.column=power",
            "risk.labels.levels=3", f"hydra.run.dir={run}"]



def test_rows_sharing_an_hour_give_the_hourly_means_figures(hourly, tmp_path):
    # a historian's export: four readings under each hourly stamp, quoted decimal commas (Kaggle's
    # flotation plant data); risk.time.repeated=mean gives the figures of the hourly means' file
    hours = pl.read_csv(hourly / "ordered.csv", try_parse_dates=True).with_columns(pl.col("temp").fill_null(0.0))
    rng = np.random.default_rng(2)
    wiggle = rng.normal(size=(hours.height, 4))
    wiggle -= wiggle.mean(axis=1, keepdims=True)  # the four readings average to the hour's value (up to rounding)
    rows = {"ts": np.repeat(hours["ts"].to_numpy(), 4)}
    for name in ("load", "temp", "power"):
        rows[name] = np.round(hours[name].to_numpy()[:, None] + wiggle * 0.1, 6).ravel()  # as a historian writes them
    readings = pl.DataFrame(rows)
    means = readings.group_by("ts", maintain_order=True).mean()  # the hourly file, made by hand
    means.write_csv(tmp_path / "hourly.csv")
    text = readings.with_columns(pl.col(n).map_elements(lambda v: f'"{v:.6f}"'.replace(".", ","), return_dtype=pl.String)
                                 for n in ("load", "temp", "power"))
    (tmp_path / "readings.csv").write_text("ts,load,temp,power\n" + "".join(
        f"{t:%Y-%m-%d %H:%M:%S},{a},{b},{c}\n" for t, a, b, c in text.iter_rows()))
    invoke(hourly_args(tmp_path / "readings.csv", tmp_path / "run_readings") + ["risk.time.repeated=mean"])
    invoke(hourly_args(tmp_path / "hourly.csv", tmp_path / "run_hourly"))
    merged = json.loads((tmp_path / "run_readings" / "metrics.json").read_text())
    plain = json.loads((tmp_path / "run_hourly" / "metrics.json").read_text())
    assert merged.pop("time.merged_rows") == 3 * hours.height and plain.pop("time.merged_rows") == 0
    assert merged == plain

def test_hourly_table_by_its_time_column(hourly):
    said = invoke(hourly_args(hourly / "shuffled.csv", hourly / "run_shuffled"))
    invoke(hourly_args(hourly / "ordered.csv", hourly / "run_ordered"))
    shuffled = json.loads((hourly / "run_shuffled" / "metrics.json").read_text())
    ordered = json.loads((hourly / "run_ordered" / "metrics.json").read_text())
    assert {k: v for k, v in shuffled.items() if k != "time.reordered_rows"} == \
        {k: v for k, v in ordered.items() if k != "time.reordered_rows"}
    assert shuffled["time.reordered_rows"] > 300 and ordered["time.reordered_rows"] == 0
    for key in ("lead_0.f1_macro", "lead_2h.f1_macro", "lead_1d.f1_macro", "data.period_h", "time.gaps"):
        assert key in shuffled, key
    assert shuffled["data.period_h"] == 1 and shuffled["time.gaps"] == 0
    assert shuffled["missing.filled.temp"] == 3 and shuffled["missing.dropped_rows"] == 0
    assert "(hours)" in said and "missing values filled: temp 3" in said  # the header names the unit (wrapped)
    assert shuffled["leakage.power_w"] == 1.0 and "leakage.load" not in shuffled  # load alone: 0.94, below 0.98
    assert "leakage? feature 'power_w' alone predicts the label" in said
    predictions = pl.read_parquet(hourly / "run_shuffled" / "tables" / "predictions.parquet")
    assert predictions.columns[0] == "ts" and predictions["ts"].dtype == pl.Datetime("us")
    assert set(predictions["lead"].unique()) == {0, 2, 24}  # periods of 1h


def test_case_table_cross_validated(tmp_path):
    rng = np.random.default_rng(2)
    n = 120
    y = (rng.random(n) < 0.3).astype(int)
    frame = pl.DataFrame({"depth": y * 2.0 + rng.normal(size=n), "rqd": rng.normal(size=n), "failed": y})
    frame = frame.with_columns(pl.when(pl.int_range(n) % 17 == 0).then(None).otherwise(pl.col("rqd")).alias("rqd"))
    frame.write_csv(tmp_path / "cases.csv")
    said = invoke([f"risk.input.path={tmp_path / 'cases.csv'}", "risk.input.kind=table", "risk.split=cv", "risk.window=1",
                   "risk.lead_times=[0]", "risk.cv.folds=4", "risk.cv.repeats=2", "risk.labels.column=failed",
                   "risk.labels.levels=2", f"hydra.run.dir={tmp_path / 'run'}"])
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["cv.folds"] == 4 and m["cv.repeats"] == 2 and m["cv.rows"] == n
    assert m["missing.filled.rqd"] == 8  # rows 0, 17, ..., 119: filled with each fold's training median
    assert "baseline.stratified.f1_macro" in m and not any(k.startswith("baseline.persistence") for k in m)
    assert m["test.auc"] > m["baseline.stratified.auc"] and m["test_sd.auc"] > 0
    assert "± " in said and "4-fold CV" in said
    assert pl.read_parquet(tmp_path / "run" / "tables" / "folds.parquet").height == 8


def test_predict_refuses_gaps_in_a_median_column(hourly):
    from minectl.errors import DataError
    from minectl.tasks.risk import predict

    run = hourly / "run_median"
    invoke([*hourly_args(hourly / "ordered.csv", run), "risk.save_model=true", "+risk.missing.columns.temp=median"])
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["missing.filled.temp"] == 3
    with pytest.raises(DataError, match="column 'temp' has 3 empty values; the run fills them with its training median"):
        predict(run)


def test_zoned_text_times_read_at_their_wall_time(hourly, tmp_path):
    # was: refused ("expected ... timestamps (YYYY-MM-DD HH:MM[:SS])") while forecast and uncertainty read the same text
    frame = pl.read_csv(hourly / "ordered.csv")
    frame.with_columns(pl.col("ts").str.replace(" ", "T") + "+02:00").write_csv(tmp_path / "zoned.csv")
    invoke(hourly_args(hourly / "ordered.csv", tmp_path / "run_naive"))
    invoke(hourly_args(tmp_path / "zoned.csv", tmp_path / "run_zoned"))
    naive, zoned = (json.loads((tmp_path / run / "metrics.json").read_text()) for run in ("run_naive", "run_zoned"))
    assert {k: v for k, v in zoned.items() if not k.startswith("timing")} == {k: v for k, v in naive.items() if not k.startswith("timing")}
