"""Bad-input corpus, round 10: `minectl risk` on tables and files as people bring them.
Before: a column holding the label one period ahead (future leakage) passed the leakage check, which looked at
lead 0 only, where such a column tells no more than persistence: exit 0, AUC 0.995, no word; a pandas category of
integers saved to parquet (machine type 1, 2, 3) was read as an amount and used as one; Excel's serial dates in a
column named 'date' (45000, 45001, ...) were an indicator handing the models the time order; a pandas re-export's
empty 'Unnamed: 3' spacer column refused the table ("has no value in any row"); an ARFF file with Weka's instance
weights ({0.5} after a row) was refused as liac-arff's "Invalid layout", naming no weight; and fixed cuts that leave
a level without any row (a cut above the column's largest value) were refused as "the training part holds a single
level", naming no cut.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from case_tables import case_keys, case_rows
from harness import assert_refused, invoke

from minectl.data.sources import read_file


def _metrics(args: list[object], run: Path) -> tuple[dict, str]:
    result = invoke("risk", *args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), result.output


# ---------------------------------------------------------------------------- future leakage

SERIES = ["risk.input.kind=table", "risk.time.column=date", "risk.window=3", "risk.lead_times=[0,1]", "risk.primary_lead=0",
          "risk.labels.source=thresholds", "risk.labels.column=cost", "risk.labels.cuts=[96,104]", "risk.labels.levels=3",
          "model=lr", "report=false", "risk.robustness.enabled=false", "risk.importance.enabled=false"]


def _daily_costs(n: int = 400) -> pl.DataFrame:
    """A persistent daily cost (labelled by SERIES' cuts), x leaning to it, y noise."""
    rng = np.random.default_rng(1)
    z = np.zeros(n)
    for i in range(1, n):
        z[i] = 0.8 * z[i - 1] + rng.normal()
    return pl.DataFrame({"date": [date(2020, 1, 1) + timedelta(days=i) for i in range(n)], "x": np.round(z + rng.normal(size=n), 3),
                         "y": np.round(rng.normal(size=n), 3), "cost": np.round(100 + 10 * z, 2)})


@pytest.mark.parametrize("later", ["level", "cost"])
def test_a_column_of_the_label_one_day_ahead_is_named_at_that_lead(later, tmp_path):
    table = _daily_costs()
    level = ((table["cost"] >= 96).cast(pl.Int64) + (table["cost"] >= 104).cast(pl.Int64))
    path = tmp_path / "daily.csv"
    table.with_columns(next=(level if later == "level" else table["cost"]).shift(-1)).write_csv(path)
    metrics, output = _metrics([*SERIES, f"risk.input.path={path}"], tmp_path / "run")
    # before: no word (test AUC 0.995 at lead 0 with next=the level of the next day)
    said = " ".join(output.split())
    assert "leakage? feature 'next' alone predicts the label 1 period ahead with balanced accuracy 1.000" in said
    assert "expected it in risk.features.exclude" in said
    assert metrics["leakage_ahead.lead_1.next"] == 1.0
    assert not any(key.startswith("leakage.") for key in metrics)  # not at lead 0: persistence only


def test_a_series_of_honest_indicators_names_no_feature_at_any_lead(tmp_path):
    path = tmp_path / "daily.csv"
    _daily_costs().write_csv(path)
    metrics, output = _metrics([*SERIES, f"risk.input.path={path}"], tmp_path / "run")
    assert "leakage?" not in output
    assert not any(key.startswith("leakage") for key in metrics)


# ---------------------------------------------------------------------------- pandas categories of integers


def _case_frame() -> pd.DataFrame:
    return case_rows(60, 4, "risk", 2).to_pandas()


def test_a_pandas_category_of_integers_in_parquet_is_no_amount(tmp_path):
    frame = _case_frame()
    frame["kind"] = pd.Categorical([1, 2, 3] * 20)
    path = tmp_path / "cases.parquet"
    frame.to_parquet(path)
    run = tmp_path / "run"
    # before: exit 0, kind one indicator (type 3 thrice type 1)
    assert_refused(["risk", *case_keys("risk", 3), f"risk.input.path={path}", f"hydra.run.dir={run}"],
                   ["column 'kind' holds numbers stored as text (e.g. '1'", "risk.input.categorical (one-hot)"],
                   inputs=[path], run_dir=run)
    coded, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={path}", "risk.input.categorical=[kind]"], tmp_path / "coded")
    frame["kind"] = pd.Categorical(["1", "2", "3"] * 20)  # the same categories as text: the same one-hot columns
    frame.to_parquet(tmp_path / "text.parquet")
    text, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={tmp_path / 'text.parquet'}", "risk.input.categorical=[kind]"],
                       tmp_path / "text")
    assert coded["data.indicators"] == 5 and coded["test.auc"] == text["test.auc"]


def test_a_plain_integer_column_in_parquet_stays_a_number(tmp_path):
    frame = _case_frame()
    frame["count"] = [1, 2, 3] * 20
    frame.to_parquet(tmp_path / "cases.parquet")
    assert read_file(tmp_path / "cases.parquet").schema["count"] == pl.Int64
    metrics, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={tmp_path / 'cases.parquet'}"], tmp_path / "run")
    assert metrics["data.indicators"] == 3


# ---------------------------------------------------------------------------- spreadsheet exports


def _write_cases(path: Path, first: str, row) -> None:
    """The case table as csv lines: ``first`` before the names, ``row(i, x, y, risk)`` each line."""
    table = case_rows(60, 4, "risk", 2)
    lines = [first + "x,y,risk"] + [row(i, *values) for i, values in enumerate(table.iter_rows())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_excel_serial_dates_named_as_a_date_are_no_indicator(tmp_path):
    path = tmp_path / "cases.csv"
    days = [45000 + i + 2 * (i // 5) for i in range(60)]  # weekdays from 13 Mar 2023
    _write_cases(path, "date,", lambda i, x, y, risk: f"{days[i]},{x},{y},{risk}")
    run = tmp_path / "run"
    # before: exit 0, three indicators, the date one of them
    assert_refused(["risk", *case_keys("risk", 3), f"risk.input.path={path}", f"hydra.run.dir={run}"],
                   "column 'date' is named as a date and holds whole numbers in order (45000..45081: Excel's serial dates?); "
                   "expected measurements as indicators: the column in risk.features.exclude", inputs=[path], run_dir=run)


@pytest.mark.parametrize("name, start", [("odometer_km", 45000), ("update", 45000), ("date", 100)])
def test_integers_in_order_not_named_a_date_or_no_serial_dates_stay_indicators(name, start, tmp_path):
    path = tmp_path / "cases.csv"
    _write_cases(path, f"{name},", lambda i, x, y, risk: f"{start + i + 2 * (i // 5)},{x},{y},{risk}")
    metrics, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={path}"], tmp_path / "run")
    assert metrics["data.indicators"] == 3


def test_a_pandas_unnamed_spacer_column_is_dropped_as_an_empty_one(tmp_path):
    plain, spacer = tmp_path / "plain.csv", tmp_path / "spacer.csv"
    _write_cases(plain, "", lambda i, x, y, risk: f"{x},{y},{risk}")
    spacer.write_text(plain.read_text().replace("x,y,risk\n", "x,y,risk,Unnamed: 3\n").replace("\n", ",\n")
                      .replace("Unnamed: 3,\n", "Unnamed: 3\n"), encoding="utf-8")
    assert read_file(spacer).columns == ["x", "y", "risk"]
    # before: refused, "column 'Unnamed: 3' has no value in any row"
    a, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={plain}"], tmp_path / "a")
    b, _ = _metrics([*case_keys("risk", 3), f"risk.input.path={spacer}"], tmp_path / "b")
    assert a == b


def test_a_pandas_unnamed_column_of_values_is_kept(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("x,Unnamed: 1\n1.5,2\n2.5,\n", encoding="utf-8")
    assert read_file(path)["Unnamed: 1"].to_list() == [2, None]


# ---------------------------------------------------------------------------- ARFF instance weights

_ARFF_HEAD = "@relation cases\n@attribute x numeric\n@attribute y numeric\n@attribute risk {0,1}\n@data\n"


def _arff(path: Path, weight) -> Path:
    rows = [f"{x},{y},{risk}{weight(i)}" for i, (x, y, risk) in enumerate(case_rows(60, 4, "risk", 2).iter_rows())]
    path.write_text(_ARFF_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_arff_rows_of_one_weight_read_as_rows_without_one(tmp_path):
    plain = read_file(_arff(tmp_path / "plain.arff", lambda i: ""))
    for weight in (", {2}", ",{0.5}"):
        assert read_file(_arff(tmp_path / "w.arff", lambda i, weight=weight: weight)).equals(plain)
    sparse = tmp_path / "sparse.arff"
    sparse.write_text(_ARFF_HEAD + "{0 1.5, 2 1}, {3}\n{1 2.5, 2 0},{3}\n", encoding="utf-8")
    assert read_file(sparse).rows() == [(1.5, 0.0, "1"), (0.0, 2.5, "0")]


def test_arff_rows_of_unequal_weights_are_refused_naming_the_line(tmp_path):
    path = _arff(tmp_path / "w.arff", lambda i: ",{2}" if i == 7 else "")
    run = tmp_path / "run"
    # before: "unreadable risk input file (BadLayout: Invalid layout of the ARFF file, at line 13...)"
    assert_refused(["risk", *case_keys("risk", 3), f"risk.input.path={path}", f"hydra.run.dir={run}"],
                   f"{path}: line 13 gives its row the instance weight {{2}} and other rows weigh 1; expected rows of one weight",
                   inputs=[path], run_dir=run)


def test_an_arff_string_value_in_braces_is_no_weight(tmp_path):
    path = tmp_path / "notes.arff"
    path.write_text("@relation n\n@attribute x numeric\n@attribute note string\n@data\n1,'{x}'\n2,'{3}'\n", encoding="utf-8")
    assert read_file(path)["note"].to_list() == ["{x}", "{3}"]


# ---------------------------------------------------------------------------- fixed cuts


@pytest.mark.parametrize("cuts, levels, expect", [
    ("[1000]", 2, "[1000] leave level 1 of 2 without a row: column 'v' spans"),
    ("[-1000]", 2, "[-1000] leave level 0 of 2 without a row"),
    ("[0,1000]", 3, "[0, 1000] leave level 2 of 3 without a row"),
])
def test_fixed_cuts_that_leave_a_level_without_a_row_are_named(cuts, levels, expect, tmp_path):
    path = tmp_path / "cases.csv"
    case_rows(60, 4, "risk", 2).with_columns(v=pl.col("x") * 10).drop("risk").write_csv(path)
    keys = [k for k in case_keys("v", 3) if not k.startswith(("risk.labels.source", "risk.labels.levels"))]
    run = tmp_path / "run"
    # before: "risk labels: fold 1 trains on a single level; expected at least two"
    assert_refused(["risk", *keys, "risk.labels.source=thresholds", f"risk.labels.levels={levels}", f"+risk.labels.cuts={cuts}",
                    f"risk.input.path={path}", f"hydra.run.dir={run}"], ["risk.labels.cuts: ", expect], inputs=[path], run_dir=run)


def test_fixed_cuts_within_the_values_still_label(tmp_path):
    path = tmp_path / "cases.csv"
    case_rows(60, 4, "risk", 2).with_columns(v=pl.col("x") * 10).drop("risk").write_csv(path)
    keys = [k for k in case_keys("v", 3) if not k.startswith("risk.labels.source")]
    metrics, _ = _metrics([*keys, "risk.labels.source=thresholds", "+risk.labels.cuts=[10]", f"risk.input.path={path}"],
                          tmp_path / "run")
    assert metrics["cv.rows"] == 60


# ---------------------------------------------------------------------------- a row counter of each series

ENGINES = ["risk.input.kind=table", "risk.input.series=engine", "risk.window=3", "risk.lead_times=[0]", "risk.primary_lead=0",
           "risk.labels.source=column", "risk.labels.column=risk", "risk.labels.levels=2", "model=lr", "report=false",
           "risk.robustness.enabled=false", "risk.importance.enabled=false"]


def _engines(counter) -> pl.DataFrame:
    """Four engines of 80 rows each, a level that comes and goes, x leaning to it, ``counter(n)`` beside."""
    rng = np.random.default_rng(3)
    parts = []
    for e in range(4):
        level = (np.sin(np.arange(80) / 4 + e) > 0.3).astype(int)
        parts.append(pl.DataFrame({"engine": [f"e{e}"] * 80, "cycle": counter(80), "x": np.round(level + rng.normal(size=80), 3),
                                   "risk": level}))
    return pl.concat(parts)


def test_a_cycle_counter_restarting_at_each_series_is_no_indicator(tmp_path):
    path = tmp_path / "engines.csv"
    _engines(lambda n: np.arange(1, n + 1)).write_csv(path)
    run = tmp_path / "run"
    # before: exit 0, cycle one of two indicators (the time order of each engine)
    assert_refused(["risk", *ENGINES, f"risk.input.path={path}", f"hydra.run.dir={run}"],
                   "column 'cycle' numbers the rows of each engine (1..80: an id or index?); expected measurements as indicators: "
                   "the column in risk.features.exclude, or risk.time.column=cycle", inputs=[path], run_dir=run)
    metrics, _ = _metrics([*ENGINES, f"risk.input.path={path}", "risk.time.column=cycle"], tmp_path / "timed")
    assert metrics["data.indicators"] == 1


def test_integer_counts_of_a_series_file_stay_indicators(tmp_path):
    path = tmp_path / "engines.csv"
    _engines(lambda n: np.random.default_rng(n).integers(0, 5, n)).write_csv(path)
    metrics, _ = _metrics([*ENGINES, f"risk.input.path={path}"], tmp_path / "run")
    assert metrics["data.indicators"] == 2
