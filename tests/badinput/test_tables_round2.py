"""Bad-input corpus, round 2: real-world tables for `minectl risk`, `risk predict` and `cost` that
were misread, crashed or refused with a misleading line: text class labels, a WEKA ARFF export
with a date attribute, a level seen only in the test part, an empty column, a repeated header
name, new rows at another step than the model's, edited run folders, 15-minute meters, a missing
hour and a 0-byte part file. Each now runs with the right figures or ends in one line naming the
file or key and what was expected.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app

START = dt.datetime(2024, 1, 1)


def _run(args: list[object]) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _log(n: int = 80) -> pl.DataFrame:
    """An hourly plant log: x tells the class, y is noise, the crew a text category."""
    rng = np.random.default_rng(0)
    label = (rng.random(n) < 0.4).astype(int)
    return pl.DataFrame({
        "ts": [START + dt.timedelta(hours=i) for i in range(n)], "x": np.round(label * 2.0 + rng.normal(size=n), 6),
        "y": np.round(rng.normal(size=n), 6), "crew": np.where(np.arange(n) % 3 == 0, "day shift", "night shift"), "class": label,
    })


def _risk(path: Path, run: Path, *extra: object) -> list[object]:  # the leakage check on: its lines must not precede a refusal
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.input.categorical=[crew]", "risk.time.column=ts",
            "risk.window=2", "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=lr",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", "report=false",
            *extra, f"hydra.run.dir={run}"]


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trained")
    _log().write_csv(folder / "log.csv")
    _run(_risk(folder / "log.csv", folder / "run"))
    return folder


# -- risk: the label column ----------------------------------------------------------------------

def test_text_labels_listed_from_low_to_high_give_the_figures_of_integer_labels(trained, tmp_path):
    text = _log().with_columns(pl.col("class").replace_strict([0, 1], ["no", "yes"], return_dtype=pl.String))
    text.write_csv(tmp_path / "text.csv")
    # said 'must hold integers 0..1', with no way to say which text label is the risk
    assert_refused(_risk(tmp_path / "text.csv", tmp_path / "refused"),
                   "risk labels: column 'class' must hold integers 0..1 (found 'no', 'yes'); or text labels listed from low to "
                   "high risk in risk.labels.names=[...]", inputs=[tmp_path / "text.csv"], run_dir=tmp_path / "refused")
    _run(_risk(tmp_path / "text.csv", tmp_path / "text", "risk.labels.names=[no,yes]"))
    assert _metrics(tmp_path / "text") == _metrics(trained / "run")  # the same log with labels 0 and 1
    assert _metrics(trained / "run")["test.accuracy"] > 0.8  # x tells the class: a real fit, not a constant


def _arff_line(row: dict, missing: bool) -> str:
    x = "?" if missing else f"{row['x']}"
    return f"'{row['ts']:%Y-%m-%d %H:%M:%S}',{x},{row['y']},'{row['crew']}',{'yes' if row['class'] else 'no'}"


def test_a_weka_arff_export_reads_as_the_same_table_in_csv(tmp_path):
    """% comments, CRLF, a quoted attribute name with a space, nominal values with spaces, a DATE
    attribute (liac-arff has no such type: the file was unreadable), '?' missing values, @data."""
    frame = _log()
    header = ["% exported by WEKA", "@relation 'plant log'", "@attribute when date 'yyyy-MM-dd HH:mm:ss'",
              "@attribute 'feed rate' numeric", "@attribute y REAL", "@attribute crew {'day shift', 'night shift'}",
              "@attribute class { no, yes }", "", "@data"]
    rows = [_arff_line(row, i % 11 == 5) for i, row in enumerate(frame.iter_rows(named=True))]
    (tmp_path / "log.arff").write_bytes("\r\n".join(header + rows).encode() + b"\r\n")
    csv = frame.rename({"ts": "when", "x": "feed rate"}).with_columns(
        pl.when(pl.int_range(frame.height) % 11 == 5).then(None).otherwise(pl.col("feed rate")).alias("feed rate"))
    csv.write_csv(tmp_path / "log.csv")
    for name in ("arff", "csv"):
        extra = ["risk.time.column=when"] + (["risk.labels.names=[no,yes]"] if name == "arff" else [])
        _run(_risk(tmp_path / f"log.{name}", tmp_path / name, *extra))
    arff, csv_metrics = _metrics(tmp_path / "arff"), _metrics(tmp_path / "csv")
    assert arff == csv_metrics and arff["missing.filled_total"] == 7  # rows 5, 16, ..., 71 were '?'


LEVEL_CASES = {
    # the model never saw level 2 and reported its recall as 0 as if measured
    "a level seen only in the test part": (
        lambda f: f.with_columns(pl.when(pl.int_range(f.height) >= f.height - 8).then(2).otherwise(pl.col("class")).alias("class")),
        3, "risk labels: level 'high' (2) has no training sample at lead 0, only 8 in validation and test"),
    "a level that never occurs": (lambda f: f, 3, "risk labels: column 'class' never holds level 2 of 3 (found '0', '1')"),
    # 10 rows: 2 test samples of one level gave accuracy 1.000, recall 'high' 0.000 and no AUC
    "ten rows": (lambda f: f.head(10), 2, "risk labels: the validation part (lead 0, 1 samples) holds the single level 'low'"),
}


@pytest.mark.parametrize("case", LEVEL_CASES)
def test_a_level_the_model_cannot_learn_is_refused(case, tmp_path):
    edit, levels, expect = LEVEL_CASES[case]
    edit(_log()).write_csv(tmp_path / "log.csv")
    assert_refused(_risk(tmp_path / "log.csv", tmp_path / "run", f"risk.labels.levels={levels}"), expect,
                   inputs=[tmp_path / "log.csv"], run_dir=tmp_path / "run")


# -- risk: the feature columns -------------------------------------------------------------------

def test_an_empty_column_is_named_as_empty(tmp_path):
    frame = _log().with_columns(meter=pl.lit(None, pl.Float64))
    frame.write_csv(tmp_path / "log.csv")  # read as text: 'holds text (e.g. None)'
    frame.write_parquet(tmp_path / "log.parquet")  # every row dropped as missing: 'never holds level 0 of 2 (found )'
    for path in (tmp_path / "log.csv", tmp_path / "log.parquet"):
        assert_refused(_risk(path, tmp_path / "run"), f"{path}: column 'meter' has no value in any row; expected numbers, or the "
                       "column in risk.features.exclude", inputs=[path], run_dir=tmp_path / "run")


def test_a_time_column_with_a_zone_is_read_at_its_wall_time(tmp_path):
    # first a polars SchemaError traceback at the split (zoned against naive times), then refused ("expected naive
    # local time") while the same stamps as zoned text were read: now read as zoned text is, at the wall time
    _log().with_columns(pl.col("ts").dt.replace_time_zone("Europe/Warsaw")).write_parquet(tmp_path / "zoned.parquet")
    _log().write_parquet(tmp_path / "naive.parquet")
    _run(_risk(tmp_path / "zoned.parquet", tmp_path / "zoned"))
    _run(_risk(tmp_path / "naive.parquet", tmp_path / "naive"))
    assert _metrics(tmp_path / "zoned") == _metrics(tmp_path / "naive")


def test_a_column_name_repeated_in_a_csv_header_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    text = _log().write_csv()
    path.write_text(text.replace("ts,x,y,", "ts,x,x,", 1))  # polars read the second as 'x_duplicated_0', a feature
    assert_refused(_risk(path, tmp_path / "run"), f"{path}: column 'x' appears 2 times in the header; expected unique column names",
                   inputs=[path], run_dir=tmp_path / "run")


CONFIG_CASES = {
    # refused only after the data were read and the leakage check had run
    "fixed thresholds out of order": (["risk/thresholds=fixed", "risk.thresholds.values=[0.7,0.3]", "risk.labels.levels=3"],
                                      "risk.thresholds.values: [0.7, 0.3] must be strictly increasing inside (0, 1)"),
    # said "column 'crew' not found": the first entry had replaced it by its one-hot columns
    "a categorical column twice": (["risk.input.categorical=[crew,crew]"], "risk.input.categorical: 'crew' is listed twice"),
    "the label as a category": (["risk.input.categorical=[crew,class]"],
                                "risk.input.categorical: 'class' is what the label is made of (risk.labels.column/sources)"),
    "text labels of another count": (["risk.labels.names=[no]"],
                                     "risk.labels.names: ['no']; expected 2 distinct labels from low to high"),
}


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_keys_that_do_not_fit_together_are_refused_before_the_data_are_read(case, tmp_path):
    extra, expect = CONFIG_CASES[case]
    assert_refused(_risk(tmp_path / "absent.csv", tmp_path / "run", *extra), expect, run_dir=tmp_path / "run")


# -- risk predict: new rows and someone else's run folder --------------------------------------

def test_new_rows_at_another_step_than_the_model_s_are_refused(trained, tmp_path):
    assert json.loads((trained / "run" / "risk_model.json").read_text())["frequency"] == "1h"
    # every second hour: each 2-row window spanned 2 h where the model learnt 1 h, scored without a word
    _log().gather_every(2).write_csv(tmp_path / "two_hourly.csv")
    assert_refused(["risk", "predict", trained / "run", f"risk.input.path={tmp_path / 'two_hourly.csv'}", f"out={tmp_path / 'p.parquet'}"],
                   "risk predict: 39 of the 39 steps of the new data's time column 'ts' are not one period of 1h (largest 2 periods)",
                   inputs=[trained / "run"])
    # one row: its step was inferred as '1step', refused as a config error about risk.time.frequency; then as
    # "risk.window: 2 periods are longer than the 1 rows of the new data", a key predict does not take
    _log().head(1).write_csv(tmp_path / "one.csv")
    assert_refused(["risk", "predict", trained / "run", f"risk.input.path={tmp_path / 'one.csv'}", f"out={tmp_path / 'p.parquet'}"],
                   "risk predict: the new data hold 1 row, fewer than the saved model's window of 2 periods; expected at least 2 rows")
    _log().tail(10).write_csv(tmp_path / "tail.csv")  # hourly rows still score, as the run's own rows do
    _run(["risk", "predict", trained / "run", f"risk.input.path={tmp_path / 'tail.csv'}", f"out={tmp_path / 'tail.parquet'}"])
    _run(["risk", "predict", trained / "run", f"out={tmp_path / 'all.parquet'}"])
    tail, every = pl.read_parquet(tmp_path / "tail.parquet"), pl.read_parquet(tmp_path / "all.parquet")
    assert tail.height == 9 and np.allclose(tail["p_high"].to_numpy(), every["p_high"].to_numpy()[-9:], atol=1e-12)


def _edit_json(name: str, change):
    def edit(run: Path) -> None:
        path = run / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    return edit


def _edit_npz(change):
    def edit(run: Path) -> None:
        path = run / "model" / "estimator.npz"
        arrays = dict(np.load(path))
        change(arrays)
        np.savez(path, **arrays)
    return edit


def _set(key, value):
    def change(data):
        data[key] = value
    return change


def _first_sd(value):
    def change(data):
        data["sd"][0] = value
    return change


def _nan_weight(arrays):  # the logistic regression's coef_ (saved as a2)
    arrays["a2"][0, 0] = np.nan


TAMPERED = {
    # every score fell below 1.5: all rows 'low'
    "threshold above 1": (_edit_json("risk_model.json", _set("thresholds", [1.5])),
                          "'thresholds' is list [1.5]; expected 'thresholds' as 1 numbers, strictly increasing inside (0, 1)"),
    "sd of 0": (_edit_json("risk_model.json", _first_sd(0.0)), "expected 'sd' as 8 numbers > 0"),  # sklearn's traceback on inf
    "negative sd": (_edit_json("risk_model.json", _first_sd(-1.0)), "expected 'sd' as 8 numbers > 0"),  # flipped a feature, scored
    "three levels for a binary model": (_edit_json("risk_model.json", lambda d: d.update(n_levels=3, thresholds=[0.3, 0.6])),
                                        "the model's classes are [0, 1], risk_model.json describes levels [0, 1, 2]"),
    # p_low and p_high swapped on every row
    "classes swapped": (_edit_npz(lambda a: a.update(a0=np.array([1, 0]))), "the model's classes are [1, 0]"),
    "weights of another shape": (_edit_npz(lambda a: a.update(a2=a["a2"][:, :4])), "the saved model cannot score (ValueError"),
    # NaN probabilities: level 'high' by eq 11 on every row
    "a NaN weight": (_edit_npz(_nan_weight), "the saved model scores a row as [nan, nan]; expected 2 finite probabilities"),
    "a frequency that is no period": (_edit_json("risk_model.json", _set("frequency", "soon")),
                                      "'frequency' is str 'soon'; expected 'frequency' as a period such as 1h"),
}


@pytest.mark.parametrize("case", TAMPERED)
def test_an_edited_run_folder_is_refused(case, trained, tmp_path):
    edit, expect = TAMPERED[case]
    run = shutil.copytree(trained / "run", tmp_path / "run")
    edit(run)
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'p.parquet'}"], expect, inputs=[run])
    assert not (tmp_path / "p.parquet").exists()


# -- cost: meters of the user's own mine ---------------------------------------------------------

def _hourly(folder: Path, step_minutes: int = 60, drop: dt.datetime | None = None) -> pl.DataFrame:
    n = 5 * 24 * 60 // step_minutes
    stamps = [START + dt.timedelta(minutes=step_minutes * i) for i in range(n)]
    frame = pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                          "quantity": [100.0 * step_minutes / 60] * n})
    return frame.filter(pl.col("timestamp") != drop) if drop else frame


def _zero_byte_part(folder: Path) -> None:  # an export that stopped before writing its last part
    (folder / "consumption_hourly").mkdir()
    _hourly(folder).write_parquet(folder / "consumption_hourly" / "part-0.parquet")
    (folder / "consumption_hourly" / "part-1.parquet").touch()


def _float32_part(folder: Path) -> None:  # one part written by another tool, in single precision
    (folder / "consumption_hourly").mkdir()
    frame = _hourly(folder)
    frame.head(60).write_parquet(folder / "consumption_hourly" / "part-0.parquet")
    frame.tail(60).with_columns(pl.col("quantity").cast(pl.Float32)).write_parquet(folder / "consumption_hourly" / "part-1.parquet")


METER_CASES = {
    # polars skipped the 0-byte part: its rows were missing without a word
    "a 0-byte part file": (_zero_byte_part, "consumption_hourly/part-1.parquet: part file is empty (0 bytes)"),
    # said 'has gaps' of 4x too many rows
    "15-minute meters": (lambda f: _hourly(f, 15).write_parquet(f / "consumption_hourly.parquet"),
                         "has steps shorter than one period (aggregate to the table's period upstream) in timestamp for mine_id=M1, "
                         "activity=hauling, resource=electricity: 480 rows between 2024-01-01 00:00:00 and 2024-01-05 23:45:00, "
                         "expected 120 at a step of 1h (first: 2024-01-01 00:00:00 -> 2024-01-01 00:15:00)"),
    # a clock change in naive local time: which hour was missing was not said
    "a missing hour": (lambda f: _hourly(f, drop=dt.datetime(2024, 1, 3, 2)).write_parquet(f / "consumption_hourly.parquet"),
                       "has gaps in timestamp for mine_id=M1, activity=hauling, resource=electricity: 119 rows between "
                       "2024-01-01 00:00:00 and 2024-01-05 23:00:00, expected 120 at a step of 1h "
                       "(first: 2024-01-03 01:00:00 -> 2024-01-03 03:00:00)"),
}


@pytest.mark.parametrize("case", METER_CASES)
def test_meters_the_contract_cannot_take_are_named(case, tmp_path):
    edit, expect = METER_CASES[case]
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], ["data.tables.consumption_hourly", expect],
                   inputs=[folder], run_dir=run)


# a float32 part was refused as "data type mismatch" (polars' line); its values are the float64 part's
@pytest.mark.parametrize("write", [lambda f: _hourly(f).write_parquet(f / "consumption_hourly.parquet"), _float32_part],
                         ids=["one file", "a float32 part"])
def test_hourly_meters_of_the_tiny_mine_are_costed(tmp_path, write):
    """The valid neighbour of the meter cases: 100 kWh an hour at 0.6 CNY/kWh is 1,440 CNY a day."""
    folder = write_tiny_mine(tmp_path / "mine")
    write(folder)
    _run(["cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={tmp_path / 'run'}"])
    daily = pl.read_parquet(tmp_path / "run" / "tables" / "daily.parquet")
    assert daily["qty_electricity"].to_list() == [2400.0] * 5
    assert np.allclose(daily["cost_res_electricity"].to_numpy(), 1440.0)


def test_a_mining_method_the_saved_model_never_saw_is_refused():
    """A mine's one-hot mining method on new days: a method the model lacks was ignored, so an
    open-pit mine scored as a mine of no method at all."""
    from sklearn.linear_model import LogisticRegression

    from minectl.errors import DataError
    from minectl.risk.predict import score_days

    rng = np.random.default_rng(1)
    model = LogisticRegression().fit(rng.normal(size=(40, 3)), np.arange(40) % 2)
    spec = {"dynamic": ["a"], "static": ["method_caving"], "window": 2, "n_levels": 2, "mean": [0.0] * 3, "sd": [1.0] * 3,
            "thresholds": [0.5]}
    days = pl.DataFrame({"mine_id": ["M1"] * 3 + ["M2"] * 3, "date": [dt.date(2024, 1, d) for d in (1, 2, 3)] * 2,
                         "a": [0.1, 0.2, 0.3, 1.0, 1.1, 1.2], "method_caving": [1.0] * 3 + [0.0] * 3})
    scored = score_days(days, "mine_id", "date", model, spec)
    expected = model.predict_proba(np.array([[0.1, 0.2, 1.0], [0.2, 0.3, 1.0], [1.0, 1.1, 0.0], [1.1, 1.2, 0.0]]))[:, 1]
    assert np.allclose(scored["p_high"].to_numpy(), expected, atol=1e-12)
    with pytest.raises(DataError, match="risk predict: column 'mining_method' holds 'open_pit', a value the saved model never "
                                        "saw; expected one of caving"):
        score_days(days.with_columns(method_open_pit=1.0 - pl.col("method_caving")), "mine_id", "date", model, spec)
